"""Patient: read, search, create and update, through the patients app's access helpers
and services (the same checks, duplicate detection and audit as registration)."""

from django.db.models import Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

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


FEW_MATCHES = 1000  # patients found first by their own index, beyond which the page walks


def _found_first(arms: list[Q]) -> Q | None:
    """The patients matching any arm, as their ids, when there are few of them.

    The page is read in name order, walking `pt_name`. A parameter the name index does
    not lead with (a given name, a phone) makes that walk read the practice until it has
    a page of matches: quick for a common value, seconds at a million patients for one
    that matches almost no one. So the few matches are looked up first, each arm by its
    own index with the practice inside it (`pt_given`, `pt_name`, the phone indexes), and
    the page reads just those rows; their names too, or SQLite may still walk the name
    index from its start for the order. None when there are many: the walk then finds a
    page soon.
    """
    if not arms:
        return Q(pk__in=[])
    matching = Patient.objects.filter(any_of(arms))
    found = list(matching.values_list("pk", "search_last")[: FEW_MATCHES + 1])
    if len(found) > FEW_MATCHES:
        return None
    return Q(pk__in=[pk for pk, _ in found], search_last__in=sorted({last for _, last in found}))


def _given_starts(key: str) -> Q:
    """A given name's prefix that no index answers: the page walks `pt_name` (or the
    index of the search's narrower parameter) and tests it there. By `pt_given` instead,
    SQLite would read and sort every Mary of the practice (33,000 at a million) for one
    page."""
    return Q(Exact(Substr("search_first", 1, len(key)), key))


def _prefixes(values: list[str]) -> list[str]:
    return [key for key in (normalize(v) for v in values) if key]


def _family(values: list[str], modifier: str, ctx) -> Q:
    condition = any_of([_starts_with("search_last", key) for key in _prefixes(values)])
    return condition & Q(last_name__in=values) if modifier == "exact" else condition


# With one of these in the search the page is found by it, and a given name only narrows it.
NARROWER = frozenset({"_id", "family", "identifier", "phone", "birthdate"})


def _given(values: list[str], modifier: str, ctx) -> Q:
    keys = _prefixes(values)
    exact = Q(first_name__in=values) if modifier == "exact" else Q()
    if not ctx.names & NARROWER:
        arms = [Q(practice_id=ctx.practice_id) & _starts_with("search_first", k) for k in keys]
        found = _found_first([any_of(arms) & exact])
        if found is not None:
            return found
    return any_of([_given_starts(key) for key in keys]) & exact


def _name(values: list[str], modifier: str, ctx) -> Q:
    keys = _prefixes(values)
    arms = [
        Q(practice_id=ctx.practice_id) & _starts_with(column, key)
        for key in keys
        for column in ("search_last", "search_first")
    ]
    found = _found_first(arms)
    if found is not None:
        return found
    return any_of([_starts_with("search_last", key) | _given_starts(key) for key in keys])


def _identifier(values: list[str], modifier: str, ctx) -> Q:
    own_system = mrn_system(practice_for(ctx.user))
    mrns = []
    for value in values:
        system, code = split_token(value)
        if system in (None, "", own_system) and code:
            mrns.append(code.strip().upper())
    return Q(mrn__in=mrns)


def _phone(values: list[str], modifier: str, ctx) -> Q:
    """Patients with any of these numbers in any phone column: the search box's lookup
    (patients/search.py), one seek on each (practice_id, <column>) index."""
    numbers = [n for n in (to_e164(split_token(v)[1]) for v in values) if n]
    arms = [
        Q(practice_id=ctx.practice_id, **{column: number})
        for number in numbers
        for column in PHONE_COLUMNS.values()
    ]
    found = _found_first(arms)
    return (
        found if found is not None else Q(pk__in=Patient.objects.filter(any_of(arms)).values("pk"))
    )


def _gender(values: list[str], modifier: str, ctx) -> Q:
    return Q(sex_at_birth__in=[SEX[v] for v in values if v in SEX])


def _email(values: list[str], modifier: str, ctx) -> Q:
    return any_of([Q(email__iexact=v) for v in values])


SEARCH_PARAMS = (
    SearchParam(
        "family", "string", _family,
        "Starts with, ignoring case, accents and punctuation; :exact for the exact name",
        frozenset({"exact"}),
    ),
    SearchParam(
        "given", "string", _given,
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
        sorts={  # each as an index has it (pt_name, pt_given, pt_dob, pt_updated)
            "family": "search_last",
            "given": ("search_first", "search_last", "pk"),
            "birthdate": ("dob", "pk"),
            "_lastUpdated": ("updated_at", "pk"),
        },
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
