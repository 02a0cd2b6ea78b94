from django.contrib import admin

from medoffice.patients.models import Payer


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ["name", "payer_id", "claim_filing_indicator", "is_active"]
    list_filter = ["claim_filing_indicator", "is_active"]
    search_fields = ["name", "payer_id"]
