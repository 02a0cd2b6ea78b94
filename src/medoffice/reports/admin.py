"""The chart of accounts the accounting export maps its keys to (Configuration)."""

from django.contrib import admin

from medoffice.core.admin import PracticeScopedAdmin
from medoffice.reports.models import AccountMap


@admin.register(AccountMap)
class AccountMapAdmin(PracticeScopedAdmin):
    list_display = ["key", "account", "account_type"]
