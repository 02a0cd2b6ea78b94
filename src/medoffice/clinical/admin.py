"""Configuration: note templates per visit type and the practice's transcription lexicon."""

from django.contrib import admin

from medoffice.clinical.models import LexiconTerm, NoteTemplate
from medoffice.core.admin import PracticeScopedAdmin


@admin.register(NoteTemplate)
class NoteTemplateAdmin(PracticeScopedAdmin):
    list_display = ["name", "visit_type"]
    search_fields = ["name"]
    fields = ["practice", "name", "visit_type", "subjective", "objective", "assessment", "plan"]


@admin.register(LexiconTerm)
class LexiconTermAdmin(PracticeScopedAdmin):
    list_display = ["term"]
    search_fields = ["term"]
