"""Deny by default: every route names the permission it needs (SECURITY.md AC-02).

Function views use `@requires("app.perm")` or `@public`; REST views set
`required_permission` and use `HasRequiredPermission`. The URLconf walk in the
tests fails for any route without a declared policy.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def is_staff_user(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and hasattr(user, "staff")
        and has_second_factor(user)
    )


def has_second_factor(user) -> bool:
    """AC-07: a session user counts only once the second factor is verified. A user
    signed in by an API token (a machine credential) carries no `is_verified`."""
    is_verified = getattr(user, "is_verified", None)
    return is_verified is None or bool(is_verified())


def has_permission(user, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    if not is_staff_user(user):
        return False
    return permission == AUTHENTICATED or user.has_perm(permission)


def audit_denied(request, permission: str, **url_kwargs) -> None:
    """AU-01: a signed-in user refused by a route's policy leaves one `denied` audit row."""
    from medoffice.core.audit import audit_record
    from medoffice.core.models import AuditAction, AuditOutcome

    match = getattr(request, "resolver_match", None)
    route = match.view_name if match else request.path
    object_id = url_kwargs.get("public_id", "")
    audit_record(
        action=AuditAction.READ,
        outcome=AuditOutcome.DENIED,
        object_id=str(object_id),
        category="access",
        detail=f"{request.method} {route}: lacks {permission}",
    )


def requires(permission: str):
    """Allow a signed-in staff user holding `permission`; others get login or 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):
                audit_denied(request, permission, **kwargs)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.medoffice_policy = permission
        return wrapper

    return decorate


def public(view):
    view.medoffice_policy = PUBLIC
    return view


class HasRequiredPermission(BasePermission):
    """REST counterpart of `requires`: the view's `required_permission` per HTTP method.

    A refusal of a signed-in user is audited by the API exception handler (api_errors.py).
    """

    @staticmethod
    def needed_for(request, view) -> str | None:
        needed = getattr(view, "required_permission", None)
        if isinstance(needed, dict):
            if request.method == "OPTIONS":
                return AUTHENTICATED  # describes the endpoint, touches no record
            method = "GET" if request.method == "HEAD" else request.method
            needed = needed.get(method, needed.get("*"))
        return needed

    def has_permission(self, request, view) -> bool:
        needed = self.needed_for(request, view)
        if needed is None:
            # Deny by default; but a method the view has no handler for at all runs
            # nothing, so a signed-in user gets the truthful 405 instead of a 403.
            return is_staff_user(request.user) and not hasattr(view, request.method.lower())
        return has_permission(request.user, needed)
