"""AllergyIntolerance: the chart's allergies, read, searched and added through the chart's
access helpers and `allergy_add` (model validation, audit)."""

from django.db.models import Q

from medoffice.clinical import access, services
from medoffice.clinical.exports import allergy_data
from medoffice.clinical.models import Allergy
from medoffice.formats.fhir.clinical import allergy_intolerance as map_allergy
from medoffice.formats.fhir.clinical import parse_allergy_intolerance
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
    ChartList,
    chart_create,
    codes_of,
    token_param,
)
from medoffice.interop.fhir.search import reference_param

CATEGORY = "allergies"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-allergyintolerance"
ALLERGIES = ChartList(Allergy, CATEGORY, access.VIEW_CHART, allergy_data, map_allergy)


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
    return chart_create(
        user, resource, type_name="AllergyIntolerance", parse=parse_allergy_intolerance,
        permission="clinical.change_chart", element="AllergyIntolerance.patient",
        add=lambda patient, parsed: services.allergy_add(
            patient=patient, substance=parsed.substance, reaction=parsed.reaction,
            severity=parsed.severity, verified=parsed.verified,
        ),
    )  # fmt: skip


register(
    ResourceType(
        name="AllergyIntolerance",
        permissions={READ: access.VIEW_CHART, CREATE: "clinical.change_chart"},
        get=ALLERGIES.get,
        to_resource=ALLERGIES.to_resource,
        queryset=ALLERGIES.queryset,
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

add_revinclude(
    "Patient", "AllergyIntolerance:patient", Include("AllergyIntolerance", ALLERGIES.of_patients)
)
