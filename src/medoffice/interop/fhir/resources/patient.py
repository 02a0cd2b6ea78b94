"""Patient: read, search, create and update, through the patients app's access helpers
and services (the same checks, duplicate detection and audit as registration)."""

from django.db.models import Q

from medoffice.core.access import patient_scope, practice_for
from medoffice.core.models import Provider
from medoffice.formats.fhir.bundle import patient_resource as map_patient
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.interop.fhir.errors import FhirError
from medoffice.interop.fhir.registry import CREATE, READ, UPDATE, Include, ResourceType, register
from medoffice.interop.fhir.resources._common import referenced_id, uuid_or_404
from medoffice.interop.fhir.search import (
    SearchParam,
    any_of,
    date_param,
    reference_param,
    split_token,
)
from medoffice.patients import access, services
from medoffice.patients.errors import DuplicatePatientError
from medoffice.patients.models import Language, Patient, PatientStatus
from medoffice.patients.names import normalize
from medoffice.patients.search import _starts_with, to_e164
from medoffice.records.fhir_export import mrn_system, patient_data

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
PHONE_COLUMNS = {"mobile": "mobile_phone", "home": "home_phone", "work": "work_phone"}


def get(user, resource_id, *, permission: str, audit: bool) -> Patient:
    return access.patient_get_for_user(
        user, uuid_or_404(resource_id), permission=permission, audit=audit
    )


def queryset(user):
    access.require_permission(user, "patients.view_patient", category="demographics")
    return (
        Patient.objects.filter(patient_scope(user))  # practice, and locations if limited
        .exclude(status=PatientStatus.MERGED)
        .select_related("practice", "primary_care_provider")
    )


def to_resource(patient: Patient) -> dict:
    return map_patient(patient_data(patient), str(patient.practice.public_id), ref=rest_ref)


# --- search ---


def _name_column(column: str, exact_column: str):
    def build(values: list[str], modifier: str, ctx) -> Q:
        if modifier == "exact":
            return Q(**{f"{exact_column}__in": values})
        return any_of([_starts_with(column, normalize(v)) for v in values if normalize(v)])

    return build


def _name(values: list[str], modifier: str, ctx) -> Q:
    keys = [normalize(v) for v in values if normalize(v)]
    return any_of([_starts_with("search_last", k) | _starts_with("search_first", k) for k in keys])


def _identifier(values: list[str], modifier: str, ctx) -> Q:
    own_system = mrn_system(practice_for(ctx.user))
    mrns = []
    for value in values:
        system, code = split_token(value)
        if system in (None, "", own_system) and code:
            mrns.append(code.strip().upper())
    return Q(mrn__in=mrns)


PHONE_MATCHES_INLINE = 1000  # patients sharing one number, beyond which a subquery is sent


def _phone(values: list[str], modifier: str, ctx) -> Q:
    """Patients with any of these numbers in any phone column, as their ids.

    The lookup is the search box's (patients/search.py): the practice inside each arm of
    the OR, one seek on each (practice_id, <column>) index. Left as a condition beside the
    search's scope and its ORDER BY, SQLite (which keeps no statistics here) walks the
    whole practice in name order instead, taking seconds at a million patients; given the
    few ids found first, it reads just those rows.
    """
    numbers = [n for n in (to_e164(split_token(v)[1]) for v in values) if n]
    arms = [
        Q(practice_id=ctx.practice_id, **{column: number})
        for number in numbers
        for column in PHONE_COLUMNS.values()
    ]
    if not arms:
        return Q(pk__in=[])
    matching = Patient.objects.filter(any_of(arms))
    found = list(matching.values_list("pk", "search_last")[: PHONE_MATCHES_INLINE + 1])
    if len(found) > PHONE_MATCHES_INLINE:
        return Q(pk__in=matching.values("pk"))
    # Their names too: with the ids alone SQLite may still walk the name index from the
    # start for the order; with the names it reads only those entries of it.
    return Q(pk__in=[pk for pk, _ in found], search_last__in=sorted({last for _, last in found}))


def _gender(values: list[str], modifier: str, ctx) -> Q:
    return Q(sex_at_birth__in=[SEX[v] for v in values if v in SEX])


def _email(values: list[str], modifier: str, ctx) -> Q:
    return any_of([Q(email__iexact=v) for v in values])


SEARCH_PARAMS = (
    SearchParam(
        "family", "string", _name_column("search_last", "last_name"),
        "Starts with, ignoring case, accents and punctuation; :exact for the exact name",
        frozenset({"exact"}),
    ),
    SearchParam(
        "given", "string", _name_column("search_first", "first_name"),
        "Legal first name, as family", frozenset({"exact"}),
    ),
    SearchParam("name", "string", _name, "Family or given name starts with"),
    date_param("birthdate", "dob", "Date of birth; prefixes eq, ne, lt, gt, le, ge, sa, eb",
               civil=True),
    SearchParam(
        "identifier", "token", _identifier,
        "MRN: value, or system|value with the practice's MRN system (see a Patient's identifier)",
    ),
    SearchParam("phone", "token", _phone, "Any phone number of the patient, any format"),
    SearchParam("email", "token", _email, "E-mail address, ignoring case"),
    SearchParam("gender", "token", _gender, "female, male, other, unknown"),
    reference_param(
        "general-practitioner", "Practitioner", "primary_care_provider__public_id",
        "The primary care provider",
    ),
)  # fmt: skip


def _coverages_of(user, patients) -> list:
    from medoffice.patients.models import Coverage

    return list(
        Coverage.objects.filter(patient__in=[p.pk for p in patients]).select_related(
            "patient", "payer"
        )
    )


def _practitioners_of(user, patients) -> list:
    ids = {p.primary_care_provider_id for p in patients if p.primary_care_provider_id}
    return list(Provider.objects.filter(pk__in=ids).select_related("practice"))


# --- writes ---


def _fields(resource: dict, *, practice_id: int) -> dict:
    """Our patient fields from a FHIR Patient (the official name, home address, phones)."""
    names = resource.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = official.get("given") or []
    fields: dict = {
        "last_name": official.get("family", ""),
        "first_name": given[0] if given else "",
        "middle_name": " ".join(given[1:]),
        "suffix": " ".join(official.get("suffix") or []),
        "dob": resource.get("birthDate") or None,
        "sex_at_birth": SEX.get(resource.get("gender", "unknown"), "U"),
    }
    usual = next((n for n in names if n.get("use") == "usual"), None)
    fields["preferred_name"] = " ".join((usual or {}).get("given") or [])
    addresses = resource.get("address") or []
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else {})
    lines = home.get("line") or []
    fields |= {
        "address1": lines[0] if lines else "",
        "address2": ", ".join(lines[1:]),
        "city": home.get("city", ""),
        "state": (home.get("state") or "").upper(),
        "zip_code": home.get("postalCode", ""),
    }
    fields |= {column: "" for column in PHONE_COLUMNS.values()}
    fields["email"] = ""
    for telecom in resource.get("telecom") or []:
        if telecom.get("system") == "phone":
            column = PHONE_COLUMNS.get(telecom.get("use", "mobile"), "mobile_phone")
            if not fields[column]:
                fields[column] = telecom.get("value", "")
        elif telecom.get("system") == "email" and not fields["email"]:
            fields["email"] = telecom.get("value", "")
    for communication in resource.get("communication") or []:
        for coding in (communication.get("language") or {}).get("coding") or []:
            code = (coding.get("code") or "").split("-")[0].lower()
            if code in Language.values:
                fields["preferred_language"] = code
    for identifier in resource.get("identifier") or []:
        codes = {c.get("code") for c in (identifier.get("type") or {}).get("coding") or []}
        if "MR" in codes and identifier.get("value"):
            fields["mrn"] = identifier["value"]
    fields["primary_care_provider"] = None
    for reference in resource.get("generalPractitioner") or []:
        provider_id = referenced_id(reference, "Practitioner", "Patient.generalPractitioner")
        provider = Provider.objects.filter(
            practice_id=practice_id, public_id=uuid_or_404(provider_id)
        ).first()
        if provider is None:
            raise FhirError(
                422, "business-rule", "The general practitioner is not a provider of this "
                "practice.", ("Patient.generalPractitioner",),
            )  # fmt: skip
        fields["primary_care_provider"] = provider
    return fields


def _refuse_other_systems(resource: dict, own_system: str) -> None:
    for identifier in resource.get("identifier") or []:
        codes = {c.get("code") for c in (identifier.get("type") or {}).get("coding") or []}
        if "MR" in codes and identifier.get("system") not in (None, own_system):
            raise FhirError(
                422, "business-rule",
                f"An MRN of this practice has the system {own_system}.",
                ("Patient.identifier",),
            )  # fmt: skip


def create(user, resource: dict) -> Patient:
    practice = practice_for(user)
    _refuse_other_systems(resource, mrn_system(practice))
    fields = _fields(resource, practice_id=practice.id)
    try:
        return services.patient_register(practice=practice, fields=fields)
    except DuplicatePatientError as exc:
        access.duplicate_candidates_shown(exc.candidates)
        raise FhirError(
            409, "duplicate",
            "This patient may already be registered: "
            + ", ".join(f"Patient/{c.patient.public_id}" for c in exc.candidates),
        ) from exc  # fmt: skip


def update(user, patient: Patient, resource: dict) -> Patient:
    _refuse_other_systems(resource, mrn_system(patient.practice))
    fields = _fields(resource, practice_id=patient.practice_id)
    patient = services.patient_update(patient=patient, fields=fields)
    return Patient.objects.select_related("practice", "primary_care_provider").get(pk=patient.pk)


register(
    ResourceType(
        name="Patient",
        permissions={
            READ: "patients.view_patient",
            CREATE: "patients.add_patient",
            UPDATE: "patients.change_patient",
        },
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={
            "family": "search_last",
            "given": "search_first",
            "birthdate": "dob",
            "_lastUpdated": "updated_at",
        },  # fmt: skip
        default_order=("search_last", "search_first", "pk"),
        create=create,
        update=update,
        includes={
            "Patient:general-practitioner": Include("Practitioner", _practitioners_of),
        },
        revincludes={"Coverage:beneficiary": Include("Coverage", _coverages_of)},
        audit_category="demographics",
        profile=PROFILE,
        documentation="Registration and demographics; create checks for duplicates (409).",
    )
)
