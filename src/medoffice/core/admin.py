"""Configuration screens: practices, locations, providers, staff. The audit trail is read-only.

Privilege changes made here go through the same services as everywhere else,
so a role change also changes the user's group and is audited; only a
superuser may grant superuser status or raw permissions.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from medoffice.core.access import practice_id_for
from medoffice.core.api_auth import api_token_revoke
from medoffice.core.audit import audit_record
from medoffice.core.mfa import mfa_reset
from medoffice.core.models import (
    ApiToken,
    AuditAction,
    Location,
    Practice,
    Provider,
    StaffProfile,
)
from medoffice.core.services import staff_role_change
from medoffice.core.sessions import user_sessions_end

User = get_user_model()


class PracticeScopedAdmin(admin.ModelAdmin):
    """A configuration screen that shows and offers only the user's own practice.

    A group of practices shares one database: an office manager of one practice must
    not see or change another's rooms, templates or staff. `practice_path` is the
    lookup from the model to its practice; foreign-key and many-to-many choices are
    narrowed the same way. Superusers (the installer) see everything.
    """

    practice_path = "practice"
    # How a related model reaches its practice, for the choices of its fields.
    CHOICE_SCOPES = {
        "core.practice": "pk",
        "core.location": "practice",
        "core.provider": "practice",
        "core.staffprofile": "practice",
        "scheduling.appointmenttype": "practice",
        "scheduling.room": "location__practice",
        "scheduling.equipment": "location__practice",
        "inventory.vendor": "practice",
        "inventory.item": "practice",
        "inventory.equipmentrecord": "equipment__location__practice",
    }

    def scoped_practice_id(self, request) -> int | None:
        return None if request.user.is_superuser else practice_id_for(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        practice_id = self.scoped_practice_id(request)
        if practice_id is None:
            return queryset
        return queryset.filter(**{self.practice_path: practice_id})

    def _narrow(self, db_field, request, kwargs) -> dict:
        practice_id = self.scoped_practice_id(request)
        scope = self.CHOICE_SCOPES.get(db_field.related_model._meta.label_lower)
        if practice_id is not None and scope:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{scope: practice_id}
            )
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._narrow(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._narrow(db_field, request, kwargs)
        )


@admin.register(Practice)
class PracticeAdmin(PracticeScopedAdmin):
    practice_path = "pk"
    list_display = ["name", "group_npi", "tax_id"]


@admin.register(Location)
class LocationAdmin(PracticeScopedAdmin):
    list_display = ["name", "practice", "city", "state", "time_zone"]
    list_filter = ["practice"]


@admin.register(Provider)
class ProviderAdmin(PracticeScopedAdmin):
    list_display = ["last_name", "first_name", "credentials", "specialty", "npi", "is_active"]
    list_filter = ["specialty", "is_active"]
    search_fields = ["last_name", "npi"]
    filter_horizontal = ["locations"]


@admin.register(StaffProfile)
class StaffProfileAdmin(PracticeScopedAdmin):
    list_display = ["user", "role", "practice", "limited_to_locations"]
    list_filter = ["role", "practice", "limited_to_locations"]
    filter_horizontal = ["locations"]

    def save_model(self, request, obj, form, change):
        new_role = obj.role
        if change and "role" in form.changed_data:
            obj.role = form.initial["role"]  # the service moves it, with group and audit
        super().save_model(request, obj, form, change)
        if not change or "role" in form.changed_data:
            staff_role_change(user=obj.user, role=new_role)
        scope = sorted({"limited_to_locations", "locations"} & set(form.changed_data))
        if change and scope:  # the user's reach changes: a privilege change (AU-01)
            audit_record(
                action=AuditAction.PRIVILEGE_CHANGE,
                object_type="auth.user",
                object_id=str(obj.user_id),
                category="security",
                detail=f"{', '.join(scope)} changed (limited: {obj.limited_to_locations})",
            )
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

    actions = ["end_sessions", "reset_second_factor"]

    @admin.action(description="Sign the selected users out everywhere", permissions=["change"])
    def end_sessions(self, request, queryset):
        for user in queryset:
            ended = user_sessions_end(user_id=user.pk, keep=request.session.session_key)
            audit_record(
                action=AuditAction.LOGOUT,
                object_type="auth.user",
                object_id=str(user.pk),
                category="security",
                detail=f"sessions ended by an administrator: {ended}",
            )

    @admin.action(
        description="Reset the second factor (lost phone): set up again at next sign-in",
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            mfa_reset(user=user)

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
