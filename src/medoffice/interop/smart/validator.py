"""The SMART rules django-oauth-toolkit does not know, in its validator and scopes backend.

django-oauth-toolkit authenticates clients by secret only: it has no `private_key_jwt`
client authentication (RFC 7523 client assertions), which the SMART Backend Services
profile requires of system-to-system clients. So `authenticate_client` here checks the
assertion itself, with jwcrypto (which django-oauth-toolkit already uses for id_tokens):
- signed RS384 or ES384 with a key of the app's registered JWKS (`kid` picks it);
- `iss` and `sub` are the app's client id, `aud` is this token endpoint's URL;
- it expires at most five minutes from now, and its `jti` was never seen (each is kept
  until it expires, so an assertion replayed within its lifetime is refused).

Scopes are SMART's (scopes.py): an app may ask only for what its registration allows,
a backend service only for `system/` scopes and a staff app never for them.

The patient picked at approval (`launch/patient`) travels code -> token -> refresh via
SmartLaunch rows, and the token response names it (`patient`), as SMART asks.
"""

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from medoffice.interop.smart import scopes as smart_scopes
from medoffice.interop.smart.models import AppKind, SmartApp, SmartLaunch, UsedClientAssertion

logger = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS384", "ES384")
ASSERTION_MAX_LIFETIME = timedelta(minutes=5)
# Clocks of the client and ours may differ a little.
CLOCK_SKEW_SECONDS = 30


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class _Descriptions(dict):
    """Every valid SMART scope, described on demand (the approval page asks by name)."""

    def __missing__(self, scope: str) -> str:
        return smart_scopes.describe(scope) if smart_scopes.is_valid(scope) else scope


class SmartScopes(BaseScopes):
    def get_all_scopes(self):
        return _Descriptions()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return application.scope_list() if application is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return []


class SmartValidator(OAuth2Validator):
    # Which scope releases each id_token claim: SMART's fhirUser claim needs `fhirUser`.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "fhirUser": "fhirUser"}

    # --- scopes ---

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        if not scopes:
            return False
        allowed = client.scope_list()
        for scope in scopes:
            try:
                clinical = smart_scopes.parse_clinical(scope)
            except smart_scopes.ScopeError:
                return False
            is_system = clinical is not None and clinical.context == "system"
            if is_system != (client.kind == AppKind.BACKEND) and clinical is not None:
                return False
            if not smart_scopes.within(scope, allowed):
                return False
        return True

    # --- backend services: private_key_jwt client assertions ---

    def client_authentication_required(self, request, *args, **kwargs):
        if getattr(request, "client_assertion_type", None):
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def authenticate_client(self, request, *args, **kwargs):
        assertion_type = getattr(request, "client_assertion_type", None)
        if assertion_type is None:
            return super().authenticate_client(request, *args, **kwargs)
        if assertion_type != JWT_BEARER:
            return False
        try:
            request.client = self._client_from_assertion(request)
        except (ValueError, JWException) as exc:
            # The reason is ours to log (no PHI, no secret); the client gets invalid_client.
            logger.info("client assertion refused: %s", exc)
            return False
        request.client_id = request.client.client_id
        return True

    def _client_from_assertion(self, request) -> SmartApp:
        assertion = getattr(request, "client_assertion", None) or ""
        token = jws.JWS()
        token.deserialize(assertion)
        header = token.jose_header
        if header.get("alg") not in ASSERTION_ALGORITHMS:
            raise ValueError(f"algorithm {header.get('alg')!r} is not RS384 or ES384")
        unverified = json.loads(token.objects["payload"])
        client_id = unverified.get("iss")
        if not client_id or unverified.get("sub") != client_id:
            raise ValueError("iss and sub must both be the client id")
        app = SmartApp.objects.filter(client_id=client_id, kind=AppKind.BACKEND).first()
        if app is None:
            raise ValueError("no backend service has this client id")
        keys = jwk.JWKSet()
        keys.import_keyset(json.dumps(app.jwks or {"keys": []}))
        checked = jwt.JWT(
            jwt=assertion,
            key=keys,
            algs=list(ASSERTION_ALGORITHMS),
            check_claims={"exp": None, "jti": None, "iss": client_id, "sub": client_id},
            expected_type="JWS",
        )
        claims = json.loads(checked.claims)
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        if token_endpoint_url(request) not in audiences:
            raise ValueError("aud is not this token endpoint")
        now = timezone.now()
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        if expires - now > ASSERTION_MAX_LIFETIME + timedelta(seconds=CLOCK_SKEW_SECONDS):
            raise ValueError("exp is more than five minutes away")
        UsedClientAssertion.objects.filter(expires_at__lt=now - timedelta(minutes=1)).delete()
        try:
            with transaction.atomic():
                UsedClientAssertion.objects.create(
                    app=app, jti=str(claims["jti"])[:255], expires_at=expires
                )
        except IntegrityError:
            raise ValueError("jti was used before (a replayed assertion)") from None
        return app

    # --- the launch patient, from approval to tokens ---

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        patient = getattr(request, "launch_patient", None)
        if patient is not None:
            SmartLaunch.objects.create(patient=patient, code_digest=digest(code["code"]))

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            launch = SmartLaunch.objects.filter(code_digest=digest(code)).first()
            request.launch_patient = launch.patient if launch else None
        return valid

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if valid:
            launch = SmartLaunch.objects.filter(
                refresh_token=request.refresh_token_instance
            ).first()
            request.launch_patient = launch.patient if launch else None
        return valid

    def save_bearer_token(self, token, request, *args, **kwargs):
        super().save_bearer_token(token, request, *args, **kwargs)
        patient = getattr(request, "launch_patient", None)
        if patient is None:
            return
        access = get_access_token_model().objects.get(token_checksum=digest(token["access_token"]))
        refresh = None
        if token.get("refresh_token"):
            refresh = get_refresh_token_model().objects.filter(access_token=access).first()
        SmartLaunch.objects.create(patient=patient, access_token=access, refresh_token=refresh)
        token["patient"] = str(patient.public_id)

    # --- OpenID Connect: the id_token names the user's FHIR record ---

    def get_additional_claims(self, request):
        claims = {}
        provider = getattr(request.user, "provider", None) if request.user else None
        if provider is not None:
            base = self.get_oidc_issuer_endpoint(request).rsplit("/o", 1)[0]
            claims["fhirUser"] = f"{base}/fhir/Practitioner/{provider.public_id}"
        return claims


def token_endpoint_url(request) -> str:
    """This server's token endpoint as an absolute URL (the `aud` of client assertions),
    built from the request's own host and scheme, as smart-configuration announces it."""
    http_request = HttpRequest()
    http_request.META = dict(request.headers)
    return http_request.build_absolute_uri(reverse("oauth2_provider:token"))
