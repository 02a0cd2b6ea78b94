"""Condition: the problem list (ICD-10-CM), read, searched and added through the chart's own
access helpers and `problem_add` (the code is checked against the release in force, audit).

An encounter's diagnoses are part of the Encounter (its reasonCode), not Conditions here.
"""

from django.db.models import Q

from medoffice.clinical import access, services
from medoffice.clinical.errors import ProblemCodeError
from medoffice.clinical.exports import problem_data
from medoffice.clinical.models import Problem
from medoffice.formats.fhir.clinical import condition as map_condition
from medoffice.formats.fhir.clinical import parse_condition
from medoffice.interop.fhir.errors import FhirError
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
    patient_params,
    token_param,
)
from medoffice.interop.fhir.search import date_param

CATEGORY = "problems"
PROFILE = (
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns"
)
PROBLEMS = ChartList(Problem, CATEGORY, access.VIEW_PROBLEM, problem_data, map_condition)


def _code(values, modifier, ctx) -> Q:
    return Q(code__in=[c.replace(".", "").upper() for c in codes_of(values)])


def _clinical_status(values, modifier, ctx) -> Q:
    return Q(status__in=codes_of(values))


def _category(values, modifier, ctx) -> Q:
    # Every Condition served here is a problem-list item.
    return Q() if "problem-list-item" in codes_of(values) else Q(pk__in=[])


SEARCH_PARAMS = (
    *patient_params(),
    token_param("code", _code, "ICD-10-CM code, with or without its dot"),
    token_param("clinical-status", _clinical_status, "active, inactive or resolved"),
    token_param("category", _category, "problem-list-item (the only category served)"),
    date_param("onset-date", "onset", "Onset date; prefixes eq, lt, gt, le, ge ...", civil=True),
    date_param("recorded-date", "recorded_at", "When it was put on the problem list"),
)


def create(user, resource: dict) -> Problem:
    def add(patient, parsed) -> Problem:
        try:
            return services.problem_add(
                patient=patient, code=parsed.code, onset=parsed.onset, status=parsed.status,
                recorded_by=user,
            )  # fmt: skip
        except ProblemCodeError as exc:
            raise FhirError(422, "business-rule", str(exc), ("Condition.code",)) from exc

    return chart_create(
        user, resource, type_name="Condition", parse=parse_condition,
        permission="clinical.change_problem", element="Condition.subject", add=add,
    )  # fmt: skip


register(
    ResourceType(
        name="Condition",
        permissions={READ: access.VIEW_PROBLEM, CREATE: "clinical.change_problem"},
        get=PROBLEMS.get,
        to_resource=PROBLEMS.to_resource,
        queryset=PROBLEMS.queryset,
        search_params=SEARCH_PARAMS,
        sorts={"recorded-date": "recorded_at", "onset-date": "onset"},
        default_order=("-recorded_at", "pk"),
        create=create,
        last_updated=lambda row: None,  # status changes keep recorded_at: version by content
        includes={"Condition:patient": PATIENT_INCLUDE, "Condition:subject": PATIENT_INCLUDE},
        audit_category=CATEGORY,
        profile=PROFILE,
        documentation="The problem list (ICD-10-CM); create adds a problem as the chart does.",
    )
)

add_revinclude("Patient", "Condition:patient", Include("Condition", PROBLEMS.of_patients))
add_revinclude("Patient", "Condition:subject", Include("Condition", PROBLEMS.of_patients))
