"""Sign-in, sign-out, failed sign-in and lockout go to the audit trail, from every entry
point; a deactivated account's sessions end at once (AC-06)."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.context import Actor, actor_for_user
from medoffice.core.middleware import (
    SESSION_LAST_SEEN,
    SESSION_LOGIN_AT,
    remember_office_zone,
)
from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.core.sessions import user_sessions_end


def _client(request) -> tuple[str, str]:
    if request is None:
        return "", ""
    return request.META.get("REMOTE_ADDR", ""), getattr(request, "request_id", "")


def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SESSION_LOGIN_AT] = now
        request.session[SESSION_LAST_SEEN] = now
        remember_office_zone(request.session, user)
    ip, request_id = _client(request)
    audit_record(
        action=AuditAction.LOGIN,
        actor=actor_for_user(user, client_ip=ip, request_id=request_id),
        obj=user,
        object_type="auth.user",
        object_id=str(user.pk),
    )


def _on_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    ip, request_id = _client(request)
    audit_record(
        action=AuditAction.LOGOUT,
        actor=actor_for_user(user, client_ip=ip, request_id=request_id),
        object_type="auth.user",
        object_id=str(user.pk),
    )


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    ip, request_id = _client(request)
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        actor=Actor(None, username, "", ip, request_id),
        object_type="auth.user",
    )


def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """AC-09: the lockout itself is a security event (the failures are audited one by one)."""
    _, request_id = _client(request)
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.DENIED,
        actor=Actor(None, str(username or "")[:150], "", ip_address or "", request_id),
        object_type="auth.user",
        category="security",
        detail=f"sign-in locked after {settings.AXES_FAILURE_LIMIT} failures"
        " for this username from this address",
    )


def _on_user_saved(sender, instance, created, **kwargs) -> None:
    """AC-06: a deactivated account keeps no session, whoever switched it off and how."""
    if not created and not instance.is_active:
        user_sessions_end(user_id=instance.pk)


def connect() -> None:
    user_locked_out.connect(_on_locked_out, dispatch_uid="medoffice.audit_locked_out")
    post_save.connect(
        _on_user_saved, sender=get_user_model(), dispatch_uid="medoffice.end_inactive_sessions"
    )
    user_logged_in.connect(_on_login, dispatch_uid="medoffice.audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="medoffice.audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="medoffice.audit_login_failed")
