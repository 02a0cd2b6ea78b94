"""Who is calling the FHIR API, and whether their credential allows an interaction.

`fhir_principal(request)` is the one place a FHIR request is authenticated: today a
bearer API token (core/api_auth.py) or a signed-in staff session (second factor done,
CSRF token on writes). SMART on FHIR adds OAuth bearer tokens here: extend
`fhir_principal` to recognise them (return a Principal with `via="oauth"` and its
`scopes`) and `allows` to check the scopes. Role checks stay where they are for every
credential: the views check the type's permission, the access helpers check it again
with the row and write the audit trail.
"""

from dataclasses import dataclass, field

from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.exceptions import AuthenticationFailed

from medoffice.core.api_auth import ApiTokenAuthentication
from medoffice.core.policy import is_staff_user
from medoffice.interop.fhir.errors import FhirError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    user: object
    via: str  # "session", "token" (our API token); SMART adds "oauth"
    scopes: frozenset[str] = field(default_factory=frozenset)  # OAuth scopes, when via oauth
    patient_id: str = ""  # SMART patient context (patient/*.read), when via oauth


def _csrf_refusal(request) -> str | None:
    """A session is a browser's credential: a write needs the CSRF token (WB-01)."""

    def nothing(_request):  # CsrfViewMiddleware needs a get_response; it is not called
        return None

    check = CsrfViewMiddleware(nothing)
    check.process_request(request)
    response = check.process_view(request, None, (), {})
    return None if response is None else "CSRF token missing or incorrect."


def fhir_principal(request) -> Principal | None:
    """The caller, or None for an anonymous one; FhirError(401) for a bad credential."""
    try:
        found = ApiTokenAuthentication().authenticate(request)
    except AuthenticationFailed as exc:
        raise FhirError(
            401, "login", str(exc.detail), headers={"WWW-Authenticate": "Bearer"}
        ) from exc
    if found is not None:
        user, _token = found
        if not is_staff_user(user):
            raise FhirError(401, "login", "Invalid token.", headers={"WWW-Authenticate": "Bearer"})
        return Principal(user=user, via="token")
    user = getattr(request, "user", None)
    if user is None or not is_staff_user(user):
        return None
    if request.method in UNSAFE_METHODS:
        refusal = _csrf_refusal(request)
        if refusal:
            raise FhirError(403, "forbidden", refusal)
    return Principal(user=user, via="session")


def allows(principal: Principal, resource_type: str, interaction: str) -> bool:
    """Whether the credential (not the role: that is checked apart) covers `interaction`
    ("read", "vread", "search-type", "create", "update") on `resource_type`. Sessions
    and API tokens act with the user's full role; OAuth scopes narrow it (SMART)."""
    return True
