"""Configuration: each practice's favourite codes (fee schedules are in billing's admin)."""

from django import forms
from django.contrib import admin

from medoffice.coding.loaders import normalize_icd10
from medoffice.coding.models import FavoriteCode
from medoffice.core.admin import PracticeScopedAdmin


class FavoriteCodeForm(forms.ModelForm):
    class Meta:
        model = FavoriteCode
        fields = ["practice", "provider", "specialty", "system", "code"]

    def clean_code(self):
        # Stored as claims carry them: upper case, no ICD-10-CM dot.
        return normalize_icd10(self.cleaned_data["code"])


@admin.register(FavoriteCode)
class FavoriteCodeAdmin(PracticeScopedAdmin):
    form = FavoriteCodeForm
    list_display = ["code", "system", "provider", "specialty"]
    list_filter = ["system", "specialty"]
    search_fields = ["code"]
