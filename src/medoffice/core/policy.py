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
    return bool(user and user.is_authenticated and user.is_active and hasattr(user, "staff"))


def has_permission(user, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    if not is_staff_user(user):
        return False
    return permission == AUTHENTICATED or user.has_perm(permission)


def requires(permission: str):
    """Allow a signed-in staff user holding `permission`; others get login or 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.medoffice_policy = permission
        return wrapper

    return decorate


def public(view):
    view.medoffice_policy = PUBLIC
    return view


class HasRequiredPermission(BasePermission):
    """REST counterpart of `requires`: the view's `required_permission` per HTTP method."""

    def has_permission(self, request, view) -> bool:
        needed = view.required_permission
        if isinstance(needed, dict):
            needed = needed.get(request.method, needed.get("*"))
        if needed is None:
            return False
        return has_permission(request.user, needed)
