"""Configuration screens of billing for the office manager: fee schedules (the coding app's
models, registered here unless coding registers them itself), superbill templates, payer
billing rules, and the NCCI tables loaded (read only)."""

from django import forms
from django.contrib import admin

from medoffice.billing.codes import is_procedure_form
from medoffice.billing.models import (
    ItemKind,
    NcciTable,
    PayerRules,
    SuperbillItem,
    SuperbillTemplate,
)
from medoffice.coding.loaders import is_icd10_shaped, normalize_icd10
from medoffice.coding.models import FeeSchedule, FeeScheduleEntry
from medoffice.core.admin import PracticeScopedAdmin


class FeeScheduleEntryForm(forms.ModelForm):
    class Meta:
        model = FeeScheduleEntry
        fields = ["code", "modifier", "amount"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not is_procedure_form(code):
            raise forms.ValidationError("A CPT or HCPCS code: five characters, e.g. 99213.")
        return code

    def clean_modifier(self):
        modifier = self.cleaned_data["modifier"].strip().upper()
        if modifier and not (len(modifier) == 2 and modifier.isalnum()):
            raise forms.ValidationError("Two letters or digits, e.g. 95; blank for any.")
        return modifier


class FeeScheduleEntryInline(admin.TabularInline):
    model = FeeScheduleEntry
    form = FeeScheduleEntryForm
    extra = 3


class FeeScheduleAdmin(PracticeScopedAdmin):
    list_display = ["name", "practice", "payer", "effective_from", "effective_until"]
    list_filter = ["practice", "payer"]
    inlines = [FeeScheduleEntryInline]
    fieldsets = [
        (None, {"fields": ["practice", "name", "payer", "effective_from", "effective_until"],
                "description": "Blank payer: the practice's own charges, priced on every "
                "charge. With a payer: what that payer is expected to allow. When periods "
                "overlap, the schedule starting last applies."}),
    ]  # fmt: skip


if not admin.site.is_registered(FeeSchedule):
    admin.site.register(FeeSchedule, FeeScheduleAdmin)


class SuperbillItemForm(forms.ModelForm):
    class Meta:
        model = SuperbillItem
        fields = ["kind", "section", "code", "label", "position"]

    def clean(self):
        cleaned = super().clean()
        kind, code = cleaned.get("kind"), (cleaned.get("code") or "").strip().upper()
        if kind == ItemKind.DIAGNOSIS:
            code = normalize_icd10(code)
            if not is_icd10_shaped(code):
                self.add_error("code", "An ICD-10-CM code, e.g. E11.9.")
        elif kind == ItemKind.SERVICE and not is_procedure_form(code):
            self.add_error("code", "A CPT or HCPCS code, e.g. 99213.")
        cleaned["code"] = code
        return cleaned


class SuperbillItemInline(admin.TabularInline):
    model = SuperbillItem
    form = SuperbillItemForm
    extra = 5


@admin.register(SuperbillTemplate)
class SuperbillTemplateAdmin(PracticeScopedAdmin):
    list_display = ["name", "practice", "specialty", "provider", "is_active"]
    list_filter = ["practice", "is_active"]
    inlines = [SuperbillItemInline]


@admin.register(PayerRules)
class PayerRulesAdmin(admin.ModelAdmin):
    list_display = ["payer", "requires_referral", "timely_filing_days", "rules_off"]


@admin.register(NcciTable)
class NcciTableAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "effective_from", "rows", "source", "loaded_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in NcciTable._meta.fields]

    def has_add_permission(self, request):
        return False  # loaded with `medoffice manage load_ncci` from the CMS file

    def has_change_permission(self, request, obj=None):
        return False
