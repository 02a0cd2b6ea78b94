"""Coverage: a patient's insurance, read through the patients app's coverage helpers and
written (create, update) through its insurance services, so a FHIR client meets the
registration screens' rules: the payer must be one configured here (and active), a member
id in the payer's format, the subscriber named when the patient is not the subscriber, one
active primary (secondary...) at a time, the period in order; each write audited as the
screens' are. A refusal is a 422 OperationOutcome naming the element at fault.

What the resource carries is written; what it cannot say (the copay, the card images, a
subscriber not sent on update) is kept as it was.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404

from medoffice.core.access import patient_scope
from medoffice.formats.fhir.bundle import (
    PAYER_ID_SYSTEM,
    RELATIONSHIP,
    coverage_resource,
    rest_ref,
)
from medoffice.interop.fhir.errors import FhirError, from_validation_error
from medoffice.interop.fhir.registry import CREATE, READ, UPDATE, Include, ResourceType, register
from medoffice.interop.fhir.resources._common import referenced_id, uuid_or_404
from medoffice.interop.fhir.search import SearchParam, reference_param, valid_uuid
from medoffice.patients import access, services
from medoffice.patients.models import Coverage, Patient, Payer
from medoffice.records.fhir_export import coverage_data

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-coverage"


def get(user, resource_id, *, permission: str, audit: bool) -> Coverage:
    return access.coverage_get_for_user(
        user, uuid_or_404(resource_id), permission=permission, audit=audit
    )


def queryset(user):
    access.require_permission(user, "patients.view_coverage", category="insurance")
    return Coverage.objects.filter(patient_scope(user, "patient")).select_related(
        "patient", "payer"
    )


def to_resource(coverage: Coverage) -> dict:
    return coverage_resource(coverage_data(coverage), str(coverage.patient.public_id), ref=rest_ref)


def _status(values, modifier, ctx):
    from django.db.models import Q

    return Q(status__in=values)


def _payers(user, coverages) -> list:
    return list({c.payer_id: c.payer for c in coverages}.values())


def _patients(user, coverages) -> list:
    ids = {c.patient_id for c in coverages}
    return list(
        Patient.objects.filter(pk__in=ids).select_related("practice", "primary_care_provider")
    )


SEARCH_PARAMS = (
    reference_param("patient", "Patient", "patient__public_id", "The insured patient"),
    reference_param("beneficiary", "Patient", "patient__public_id", "The insured patient"),
    reference_param("payor", "Organization", "payer__public_id", "The payer"),
    SearchParam("status", "token", _status, "active, cancelled, entered-in-error"),
)

# --- writes ---

ADD, CHANGE = "patients.add_coverage", "patients.change_coverage"
# subscriber-relationship code -> X12 individual relationship code (the reverse of the map out)
RELATIONSHIP_IN = {fhir: x12 for x12, fhir in RELATIONSHIP.items()} | {"other": "G8"}
SEX_IN = {"female": "F", "male": "M", "unknown": "U"}
# The service's fields, as the elements of the resource that carry them.
ELEMENTS = {
    "payer": "Coverage.payor",
    "member_id": "Coverage.subscriberId",
    "order": "Coverage.order",
    "relationship": "Coverage.relationship",
    "subscriber_first_name": "Coverage.subscriber",
    "subscriber_last_name": "Coverage.subscriber",
    "subscriber_dob": "Coverage.subscriber",
    "subscriber_sex": "Coverage.subscriber",
    "effective_start": "Coverage.period.start",
    "effective_end": "Coverage.period.end",
    "status": "Coverage.status",
    "group_number": "Coverage.class",
    "plan_name": "Coverage.class",
}


def _refused(element: str, message: str) -> FhirError:
    return FhirError(422, "business-rule", message, (element,))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _payer(resource: dict) -> Payer:
    """The payer named by `payor[0]`: Organization/<id> or a payer-id identifier; active."""
    payors = resource.get("payor") or []
    reference = payors[0] if payors else {}
    found = None
    if reference.get("reference"):
        payer_id = referenced_id(reference, "Organization", "Coverage.payor")
        if valid_uuid(payer_id):
            found = Payer.objects.filter(public_id=payer_id, is_active=True).first()
    elif (reference.get("identifier") or {}).get("system") == PAYER_ID_SYSTEM:
        value = (reference["identifier"].get("value") or "").upper()
        found = Payer.objects.filter(payer_id=value, is_active=True).first()
    if found is None:
        raise _refused("Coverage.payor", "The payer must be one configured here (and active).")
    return found


def _subscriber(resource: dict) -> dict | None:
    """Name, birth date and sex of the subscriber: a contained RelatedPerson (or Patient)
    referenced by `subscriber` ("#id"); None when no subscriber is sent."""
    reference = (resource.get("subscriber") or {}).get("reference", "")
    if not reference:
        return None
    contained = {c.get("id"): c for c in resource.get("contained") or []}
    person = contained.get(reference.removeprefix("#")) if reference.startswith("#") else None
    if person is None:
        raise _refused(
            "Coverage.subscriber",
            "Send the subscriber as a contained RelatedPerson referenced as '#id'.",
        )
    name = (person.get("name") or [{}])[0]
    return {
        "subscriber_first_name": ((name.get("given") or [""])[0])[:60],
        "subscriber_last_name": (name.get("family") or "")[:60],
        "subscriber_dob": _day(person.get("birthDate")),
        "subscriber_sex": SEX_IN.get(person.get("gender") or "", ""),
    }


def _fields(resource: dict) -> dict:
    """The service's fields from the resource (validated against R4B already)."""
    coding = ((resource.get("relationship") or {}).get("coding") or [{}])[0]
    relationship = RELATIONSHIP_IN.get(coding.get("code") or "self")
    if relationship is None:
        raise _refused(
            "Coverage.relationship", f"Unknown relationship {coding.get('code')!r}: one of "
            + ", ".join(sorted(RELATIONSHIP_IN)) + ".",
        )  # fmt: skip
    if resource.get("order") is None:
        raise _refused("Coverage.order", "Say the order: 1 (primary), 2 (secondary) or 3.")
    period = resource.get("period") or {}
    plan = group = ""
    for cls in resource.get("class") or []:
        kind = ((cls.get("type") or {}).get("coding") or [{}])[0].get("code")
        if kind == "plan":
            plan = cls.get("name") or cls.get("value") or ""
        elif kind == "group":
            group = cls.get("value") or ""
    fields = {
        "payer": _payer(resource),
        "member_id": resource.get("subscriberId") or "",
        "order": resource["order"],
        "relationship": relationship,
        "effective_start": _day(period.get("start")),
        "effective_end": _day(period.get("end")),
        "status": resource.get("status"),
        "plan_name": plan,
        "group_number": group,
    }
    subscriber = _subscriber(resource)
    if subscriber is not None:
        fields.update(subscriber)
    elif relationship == "18":  # the patient is the subscriber: no one else to name
        fields.update(subscriber_first_name="", subscriber_last_name="", subscriber_dob=None,
                      subscriber_sex="")  # fmt: skip
    return fields


def _as_outcome(exc: ValidationError) -> FhirError:
    """The service's field errors, named by the resource's elements."""
    if not hasattr(exc, "error_dict"):
        return from_validation_error(exc)
    named: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        named.setdefault(ELEMENTS.get(field, "Coverage"), []).extend(messages)
    return from_validation_error(ValidationError(named))


def _beneficiary(user, resource: dict, permission: str) -> Patient:
    patient_id = referenced_id(resource.get("beneficiary"), "Patient", "Coverage.beneficiary")
    try:
        return access.patient_get_for_user(
            user, uuid_or_404(patient_id), permission=permission, audit=False, related=False
        )
    except Http404 as exc:
        raise _refused(
            "Coverage.beneficiary", "The patient referenced is not a patient of this practice."
        ) from exc


def create(user, resource: dict) -> Coverage:
    patient = _beneficiary(user, resource, ADD)
    fields = _fields(resource)
    try:
        return services.coverage_add(patient=patient, fields=fields)
    except ValidationError as exc:
        raise _as_outcome(exc) from exc


def update(user, coverage: Coverage, resource: dict) -> Coverage:
    patient_id = referenced_id(resource.get("beneficiary"), "Patient", "Coverage.beneficiary")
    if patient_id != str(coverage.patient.public_id):
        raise _refused("Coverage.beneficiary", "A coverage cannot move to another patient.")
    fields = _fields(resource)
    try:
        return services.coverage_update(coverage=coverage, fields=fields)
    except ValidationError as exc:
        raise _as_outcome(exc) from exc


register(
    ResourceType(
        name="Coverage",
        permissions={READ: "patients.view_coverage", CREATE: ADD, UPDATE: CHANGE},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        default_order=("patient_id", "order", "pk"),
        create=create,
        update=update,
        includes={
            "Coverage:payor": Include("Organization", _payers),
            "Coverage:beneficiary": Include("Patient", _patients),
        },
        audit_category="insurance",
        profile=PROFILE,
        documentation=(
            "Insurance on file, primary first (order). Create and update go through the"
            " registration screens' rules (payer configured here, member id format, subscriber"
            " when not self, one active coverage per order, period in order); a subscriber"
            " other than the patient is a contained RelatedPerson."
        ),
    )
)
