"""Who is calling the FHIR API, and whether their credential allows an interaction.

`fhir_principal(request)` is the one place a FHIR request is authenticated: a SMART
access token (interop/smart/tokens.py), a bearer API token (core/api_auth.py) or a
signed-in staff session (second factor done, CSRF token on writes). Role checks stay
where they are for every credential: the views check the type's permission, the access
helpers check it again with the row and write the audit trail. A SMART token's scopes
narrow the role (`allows`), and `patient/` scopes confine every read, search and write to
the launch patient (`confine_search`, `require_in_context`): anything else is 403.
"""

from dataclasses import dataclass, field

from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.exceptions import AuthenticationFailed

from medoffice.core.api_auth import TOKEN_PREFIX, ApiTokenAuthentication
from medoffice.core.policy import is_staff_user
from medoffice.interop.fhir.errors import FhirError
from medoffice.interop.smart import tokens as smart_tokens
from medoffice.interop.smart.scopes import Grant

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    user: object
    via: str  # "session", "token" (our API token); SMART adds "oauth"
    scopes: frozenset[str] = field(default_factory=frozenset)  # OAuth scopes, when via oauth
    patient_id: str = ""  # SMART patient context (patient/*.read), when via oauth
    client_id: str = ""  # the SMART app, when via oauth

    @property
    def grant(self) -> Grant:
        return Grant(tuple(sorted(self.scopes)))


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
    smart = _smart_principal(request)
    if smart is not None:
        return smart
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


def _smart_principal(request) -> Principal | None:
    """A SMART access token's principal; None when the header holds no bearer token or one
    of our API tokens (`mo_...`, core/api_auth.py), which the caller checks next."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer" or value.strip().startswith(TOKEN_PREFIX):
        return None
    try:
        found = smart_tokens.principal_from_request(request)
    except smart_tokens.TokenRefused as refused:
        raise FhirError(
            401, "login", refused.description, headers={"WWW-Authenticate": refused.challenge}
        ) from refused
    if found is None:
        return None
    return Principal(
        user=found.user,
        via="oauth",
        scopes=frozenset(found.grant.scopes),
        patient_id=str(found.patient.public_id) if found.patient is not None else "",
        client_id=found.client_id,
    )


# FHIR interactions (CapabilityStatement codes) in the words of SMART scopes.
_SCOPE_INTERACTION = {"search-type": "search"}


def allows(principal: Principal, resource_type: str, interaction: str) -> bool:
    """Whether the credential (not the role: that is checked apart) covers `interaction`
    ("read", "vread", "search-type", "create", "update") on `resource_type`. Sessions
    and API tokens act with the user's full role; OAuth scopes narrow it (SMART)."""
    if principal.via != "oauth":
        return True
    return principal.grant.allows(resource_type, _SCOPE_INTERACTION.get(interaction, interaction))


def is_confined(principal: Principal, resource_type: str, interaction: str) -> bool:
    """Only `patient/` scopes allow this: the launch patient's records alone."""
    if principal.via != "oauth":
        return False
    return principal.grant.patient_only(
        resource_type, _SCOPE_INTERACTION.get(interaction, interaction)
    )


def patient_lookup(model) -> str | None:
    """How a row of `model` reaches its patient's public id, if it belongs to a patient."""
    from medoffice.patients.models import Patient

    if model is Patient:
        return "public_id"
    if any(f.name == "patient" for f in model._meta.get_fields()):
        return "patient__public_id"
    return None


def _out_of_context(resource_type: str) -> FhirError:
    return FhirError(
        403, "forbidden", f"The token's patient/ scopes cover only its patient's {resource_type}."
    )


def confine_search(principal: Principal, rt, queryset, interaction: str = "search-type"):
    """A search under `patient/` scopes: the launch patient's rows only."""
    if not is_confined(principal, rt.name, interaction):
        return queryset
    lookup = patient_lookup(queryset.model)
    if lookup is None:
        if rt.audit_category:  # patient data we cannot tie to one patient: refuse
            raise _out_of_context(rt.name)
        return queryset
    if not principal.patient_id:
        raise _out_of_context(rt.name)
    return queryset.filter(**{lookup: principal.patient_id})


def patient_reference_of(resource: dict) -> str | None:
    """The patient a resource belongs to ("Patient/<id>"), None if it names none."""
    if resource.get("resourceType") == "Patient":
        return f"Patient/{resource.get('id')}"
    for element in ("subject", "patient", "beneficiary"):
        reference = (resource.get(element) or {}).get("reference", "")
        if reference.startswith("Patient/"):
            return reference
    return None


def require_in_context(principal: Principal, rt, resource: dict, interaction: str) -> None:
    """A read or write under `patient/` scopes must be of the launch patient's data: 403."""
    if not is_confined(principal, rt.name, interaction):
        return
    if not _of_the_patient(principal, rt, resource):
        from medoffice.core.audit import audit_record
        from medoffice.core.models import AuditAction, AuditOutcome

        audit_record(
            action=AuditAction.READ if interaction == "read" else AuditAction.UPDATE,
            outcome=AuditOutcome.DENIED,
            object_type=f"fhir.{rt.name}",
            object_id=str(resource.get("id", "")),
            category=rt.audit_category,
            detail=f"outside the token's patient ({interaction})",
        )
        raise _out_of_context(rt.name)


def _of_the_patient(principal: Principal, rt, resource: dict) -> bool:
    reference = patient_reference_of(resource)
    if reference is None and not rt.audit_category:
        return True  # not patient data (a practitioner, a location)
    return bool(principal.patient_id) and reference == f"Patient/{principal.patient_id}"


def in_context(principal: Principal, rt, resource: dict) -> bool:
    """Whether an _include'd resource may go out under the token's patient/ scopes."""
    return not is_confined(principal, rt.name, "read") or _of_the_patient(principal, rt, resource)
