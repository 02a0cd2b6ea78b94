"""Configuration screens: practices, locations, providers, staff. The audit trail is read-only."""

from django.contrib import admin

from medoffice.core.models import ApiToken, Location, Practice, Provider, StaffProfile


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "group_npi", "tax_id"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "practice", "city", "state", "time_zone"]
    list_filter = ["practice"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "credentials", "specialty", "npi", "is_active"]
    list_filter = ["specialty", "is_active"]
    search_fields = ["last_name", "npi"]
    filter_horizontal = ["locations"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "practice"]
    list_filter = ["role", "practice"]
    filter_horizontal = ["locations"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # tokens are issued by `medoffice createuser --api-token`
