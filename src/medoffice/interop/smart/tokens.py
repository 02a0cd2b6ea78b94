"""Bearer tokens of SMART apps: from an Authorization header to the principal the FHIR API
checks (the token's scopes, its user's role, the launch patient), or a 401 reason.

A staff app's token acts as the user who approved it; a backend service's as its service
account. Either way the role table decides what the user may do at all, and the scopes
narrow it: both must allow an interaction (see `Principal.allows`).
"""

import hashlib
from dataclasses import dataclass

from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from medoffice.core.policy import has_permission
from medoffice.interop.smart.models import SmartLaunch
from medoffice.interop.smart.scopes import Grant


class TokenRefused(Exception):
    """No usable token: answer 401 with this WWW-Authenticate challenge."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description

    @property
    def challenge(self) -> str:
        return f'Bearer realm="fhir", error="{self.error}", error_description="{self.description}"'


@dataclass(frozen=True)
class Principal:
    user: object
    client_id: str
    token_id: int
    grant: Grant
    patient: object | None  # the launch patient of a `patient/` token

    @property
    def via_app(self) -> str:
        """What every audit row this token causes carries (core/context.py)."""
        return f"app={self.client_id} token={self.token_id}"

    def allows(self, resource_type: str, interaction: str, permission: str | None = None) -> bool:
        """The scopes allow it and (when given) the user's role holds `permission`."""
        if not self.grant.allows(resource_type, interaction):
            return False
        return permission is None or has_permission(self.user, permission)

    def confined_to_patient(self, resource_type: str, interaction: str) -> bool:
        """Only `patient/` scopes allow this: results must be the launch patient's alone."""
        return self.grant.patient_only(resource_type, interaction)


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer":
        return None
    value = value.strip()
    if not value or " " in value:
        raise TokenRefused("invalid_request", "Authorization must be 'Bearer <token>'")
    return value


def principal_for_token(raw: str) -> Principal:
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    token = (
        get_access_token_model()
        .objects.select_related("application__user__staff", "user__staff")
        .filter(token_checksum=checksum)
        .first()
    )
    if token is None:
        raise TokenRefused("invalid_token", "The access token is unknown or revoked")
    if token.expires <= timezone.now():
        raise TokenRefused("invalid_token", "The access token expired")
    # A backend service's token has no user: it acts as the app's service account.
    user = token.user or token.application.user
    if user is None or not user.is_active or getattr(user, "staff", None) is None:
        raise TokenRefused("invalid_token", "The token's user is not an active staff account")
    launch = SmartLaunch.objects.select_related("patient").filter(access_token=token).first()
    return Principal(
        user=user,
        client_id=token.application.client_id,
        token_id=token.pk,
        grant=Grant.of(token.scope),
        patient=launch.patient if launch else None,
    )


def principal_from_request(request) -> Principal | None:
    """The token's principal; None without a bearer token; TokenRefused for a bad one.

    On success the request acts as the token's user on behalf of the app: `request.user`
    is that user and `request.via_app` names the app and token for the audit trail.
    """
    raw = bearer_token(request)
    if raw is None:
        return None
    principal = principal_for_token(raw)
    request.user = principal.user
    request.via_app = principal.via_app
    request.smart_principal = principal
    return principal
