"""Configuration screens of the supply closet and the equipment register (the office
manager's): items, vendors and their catalogue prices, the approval threshold and reorder
settings, equipment with its upkeep plans and documents. Stock itself changes only through
movements (the screens and the API), never here."""

from django.contrib import admin

from medoffice.core.admin import PracticeScopedAdmin
from medoffice.inventory.models import (
    EquipmentDocument,
    EquipmentRecord,
    InventorySettings,
    Item,
    MaintenancePlan,
    Vendor,
    VendorPrice,
)
from medoffice.inventory.services import equipment_block_sync


class VendorPriceInline(admin.TabularInline):
    model = VendorPrice
    extra = 1
    fields = ["vendor", "vendor_sku", "unit_price", "effective_on"]


@admin.register(Item)
class ItemAdmin(PracticeScopedAdmin):
    list_display = ["name", "sku", "category", "unit", "par_level", "reorder_point",
                    "preferred_vendor", "billing_code", "is_active"]  # fmt: skip
    list_filter = ["category", "is_active"]
    search_fields = ["name", "sku", "billing_code"]
    inlines = [VendorPriceInline]


@admin.register(Vendor)
class VendorAdmin(PracticeScopedAdmin):
    list_display = ["name", "email", "phone", "account_number", "services", "is_active"]
    search_fields = ["name"]


@admin.register(InventorySettings)
class InventorySettingsAdmin(PracticeScopedAdmin):
    list_display = ["practice", "approval_threshold", "usage_days", "lead_days",
                    "equipment_notice_days"]  # fmt: skip


class MaintenancePlanInline(admin.TabularInline):
    model = MaintenancePlan
    extra = 1
    fields = ["kind", "interval_days", "last_done_on", "performed_by", "blocks_booking"]


class EquipmentDocumentInline(admin.TabularInline):
    model = EquipmentDocument
    extra = 0
    fields = ["kind", "title", "file"]


@admin.register(EquipmentRecord)
class EquipmentRecordAdmin(PracticeScopedAdmin):
    practice_path = "equipment__location__practice"
    list_display = ["asset_tag", "equipment", "make", "model", "serial_number", "vendor",
                    "warranty_ends_on"]  # fmt: skip
    search_fields = ["asset_tag", "serial_number", "equipment__name"]
    inlines = [MaintenancePlanInline, EquipmentDocumentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        equipment_block_sync(record=form.instance)  # a plan's dates may block or free it
