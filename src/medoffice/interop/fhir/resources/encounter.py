"""Encounter: the office's visits (billing encounters) with their ICD-10-CM diagnoses as
reasonCode, read and searched through the billing access helpers (roles that code or sign
encounters; never the front desk: diagnoses are on them)."""

from django.db.models import Q

from medoffice.billing import access
from medoffice.formats.fhir.bundle import ENCOUNTER_STATUS, rest_ref
from medoffice.formats.fhir.bundle import encounter as map_encounter
from medoffice.interop.fhir.registry import READ, Include, ResourceType, add_revinclude, register
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    patient_params,
    token_param,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import date_param, reference_param
from medoffice.records.fhir_export import encounter_data, encounter_rows

CATEGORY = access.CATEGORY
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-encounter"


def get(user, resource_id, *, permission: str, audit: bool):
    return access.encounter_get_for_user(
        user, uuid_or_404(resource_id), permission=permission, audit=audit, detail="fhir read"
    )


def queryset(user):
    return access.encounter_rows_for_user(user, encounter_rows())


def to_resource(row) -> dict:
    return map_encounter(
        encounter_data(row), str(row.patient.public_id), ref=rest_ref, diagnoses_as_reasons=True
    )


def _status(values, modifier, ctx) -> Q:
    codes = set(codes_of(values))
    return Q(status__in=[ours for ours, theirs in ENCOUNTER_STATUS.items() if theirs in codes])


SEARCH_PARAMS = (
    *patient_params(),
    date_param("date", "date_of_service", "Date of service; prefixes eq, lt, gt ...", civil=True),
    token_param("status", _status, "in-progress, finished or entered-in-error"),
    reference_param(
        "practitioner", "Practitioner", "provider__public_id", "The rendering provider"
    ),
    reference_param("participant", "Practitioner", "provider__public_id", "As practitioner"),
)


def _practitioners_of(user, rows) -> list:
    from medoffice.core.models import Provider

    return list(Provider.objects.filter(pk__in={r.provider_id for r in rows}))


def _observations_of(user, encounters) -> list:
    from medoffice.clinical.access import VIEW_CHART, chart_entries_for_user
    from medoffice.clinical.models import Vital

    return list(
        chart_entries_for_user(user, Vital, permission=VIEW_CHART, category="vitals")
        .filter(encounter__in=[e.pk for e in encounters])
        .select_related("encounter")
    )


register(
    ResourceType(
        name="Encounter",
        permissions={READ: access.VIEW},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"date": "date_of_service", "_lastUpdated": "updated_at"},
        default_order=("-date_of_service", "pk"),
        includes={
            "Encounter:patient": PATIENT_INCLUDE,
            "Encounter:subject": PATIENT_INCLUDE,
            "Encounter:practitioner": Include("Practitioner", _practitioners_of),
        },
        revincludes={"Observation:encounter": Include("Observation", _observations_of)},
        audit_category=CATEGORY,
        profile=PROFILE,
        documentation="Visits with their diagnoses (reasonCode, ICD-10-CM); read and search.",
    )
)


def _of_patients(user, patients) -> list:
    return list(queryset(user).filter(patient__in=[p.pk for p in patients]))


add_revinclude("Patient", "Encounter:patient", Include("Encounter", _of_patients))
add_revinclude("Patient", "Encounter:subject", Include("Encounter", _of_patients))
