"""Bearer tokens for integrations. Only a SHA-256 digest is stored (AC-08)."""

import hashlib
import secrets

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from medoffice.core.audit import audit_record
from medoffice.core.models import ApiToken, AuditAction
from medoffice.core.prepared import PreparedLookup

TOKEN_PREFIX = "mo_"  # noqa: S105 - a label, not a secret


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, user, name: str = "integration") -> str:
    """Create a token and return it in clear: the only time it can be seen."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:8], digest=_digest(raw))
    return raw


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE,
        object_type="core.apitoken",
        object_id=str(token.pk),
        category="security",
        detail=f"api token {token.prefix} of user {token.user_id} revoked",
    )


# Every API request asks it: its SQL (three tables joined) is compiled once, not each time.
_live_token = PreparedLookup(
    lambda digest: ApiToken.objects.select_related("user__staff").filter(
        digest=digest, revoked_at__isnull=True
    )
)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in (self.keyword, b"token"):
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        raw = parts[1].decode("latin-1")
        token = _live_token.first(_digest(raw))  # digests are unique: no ordering needed
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Bearer"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "medoffice.core.api_auth.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
