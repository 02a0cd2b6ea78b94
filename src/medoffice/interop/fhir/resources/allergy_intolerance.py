"""AllergyIntolerance: the chart's allergies, read, searched and added through the chart's
access helpers and `allergy_add` (model validation, audit)."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from medoffice.clinical import access, services
from medoffice.clinical.exports import allergy_data
from medoffice.clinical.models import Allergy
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.clinical import ResourceInputError, parse_allergy_intolerance
from medoffice.formats.fhir.clinical import allergy_intolerance as map_allergy
from medoffice.interop.fhir.errors import from_validation_error
from medoffice.interop.fhir.registry import (
    CREATE,
    READ,
    Include,
    ResourceType,
    add_revinclude,
    register,
)
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    input_error,
    patient_for_write,
    token_param,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import reference_param

CATEGORY = "allergies"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-allergyintolerance"


def get(user, resource_id, *, permission: str, audit: bool) -> Allergy:
    return access.chart_entry_get_for_user(
        user, Allergy, uuid_or_404(resource_id), permission=permission, category=CATEGORY,
        audit=audit,
    )  # fmt: skip


def queryset(user):
    return access.chart_entries_for_user(
        user, Allergy, permission=access.VIEW_CHART, category=CATEGORY
    )


def to_resource(allergy: Allergy) -> dict:
    return map_allergy(allergy_data(allergy), str(allergy.patient.public_id), ref=rest_ref)


def _verification(values, modifier, ctx) -> Q:
    codes = set(codes_of(values))
    wanted = [flag for code, flag in (("confirmed", True), ("unconfirmed", False)) if code in codes]
    return Q(verified__in=wanted)


def _criticality(values, modifier, ctx) -> Q:
    codes = set(codes_of(values))
    if codes >= {"high", "low"}:
        return Q()
    if "high" in codes:
        return Q(severity="severe")
    return ~Q(severity="severe") if "low" in codes else Q(pk__in=[])


SEARCH_PARAMS = (
    reference_param("patient", "Patient", "patient__public_id", "The patient (Patient/<id>)"),
    token_param("verification-status", _verification, "confirmed or unconfirmed"),
    token_param("criticality", _criticality, "high (a severe reaction) or low"),
)


def create(user, resource: dict) -> Allergy:
    try:
        parsed = parse_allergy_intolerance(resource)
    except ResourceInputError as exc:
        raise input_error("AllergyIntolerance", exc) from exc
    patient = patient_for_write(
        user, parsed.patient_id, permission="clinical.change_chart",
        element="AllergyIntolerance.patient",
    )  # fmt: skip
    try:
        return services.allergy_add(
            patient=patient, substance=parsed.substance, reaction=parsed.reaction,
            severity=parsed.severity, verified=parsed.verified,
        )  # fmt: skip
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


register(
    ResourceType(
        name="AllergyIntolerance",
        permissions={READ: access.VIEW_CHART, CREATE: "clinical.change_chart"},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        default_order=("substance", "pk"),
        create=create,
        last_updated=lambda row: None,  # no change time kept: version by content
        includes={"AllergyIntolerance:patient": PATIENT_INCLUDE},
        audit_category=CATEGORY,
        profile=PROFILE,
        documentation="Allergies; create adds one as the chart does.",
    )
)


def _of_patients(user, patients) -> list:
    return list(queryset(user).filter(patient__in=[p.pk for p in patients]))


add_revinclude("Patient", "AllergyIntolerance:patient", Include("AllergyIntolerance", _of_patients))
