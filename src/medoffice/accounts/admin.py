"""Configuration of patient accounts: the statement and collections policy."""

from django.contrib import admin

from medoffice.accounts.models import AccountSettings
from medoffice.core.admin import PracticeScopedAdmin


@admin.register(AccountSettings)
class AccountSettingsAdmin(PracticeScopedAdmin):
    list_display = ["practice", "statement_minimum", "statement_every_days", "cycles",
                    "statements_on_clock"]  # fmt: skip
