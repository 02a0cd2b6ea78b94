"""Configuration screens: practices, locations, providers, staff. The audit trail is read-only.

Privilege changes made here go through the same services as everywhere else,
so a role change also changes the user's group and is audited; only a
superuser may grant superuser status or raw permissions.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from medoffice.core.api_auth import api_token_revoke
from medoffice.core.audit import audit_record
from medoffice.core.models import (
    ApiToken,
    AuditAction,
    Location,
    Practice,
    Provider,
    StaffProfile,
)
from medoffice.core.services import staff_role_change

User = get_user_model()


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

    def save_model(self, request, obj, form, change):
        new_role = obj.role
        if change and "role" in form.changed_data:
            obj.role = form.initial["role"]  # the service moves it, with group and audit
        super().save_model(request, obj, form, change)
        if not change or "role" in form.changed_data:
            staff_role_change(user=obj.user, role=new_role)
        if change and "practice" in form.changed_data:
            audit_record(
                action=AuditAction.PRIVILEGE_CHANGE,
                object_type="auth.user",
                object_id=str(obj.user_id),
                category="security",
                detail=f"practice changed to {obj.practice_id}",
            )


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Accounts: administrators manage names, e-mail and whether an account is active."""

    restricted_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.restricted_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("last_login", "date_joined") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = sorted(form.changed_data)
        if not changed:
            return
        privileged = {"is_active", "is_superuser", "is_staff", "groups", "user_permissions"}
        audit_record(
            action=AuditAction.PRIVILEGE_CHANGE
            if privileged & set(changed)
            else AuditAction.UPDATE,
            object_type="auth.user",
            object_id=str(obj.pk),
            category="security",
            detail=("account created: " if not change else "changed: ") + ",".join(changed),
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]

    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # tokens are issued by `medoffice createuser --api-token`

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
