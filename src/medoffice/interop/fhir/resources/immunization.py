"""Immunization: the chart's immunizations (CVX), read and searched through the chart's
access helpers."""

from medoffice.clinical import access
from medoffice.clinical.exports import immunization_data
from medoffice.clinical.models import Immunization
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.clinical import immunization as map_immunization
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._chart import PATIENT_INCLUDE
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import date_param, reference_param

CATEGORY = "immunizations"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-immunization"


def get(user, resource_id, *, permission: str, audit: bool) -> Immunization:
    return access.chart_entry_get_for_user(
        user, Immunization, uuid_or_404(resource_id), permission=permission, category=CATEGORY,
        audit=audit,
    )  # fmt: skip


def queryset(user):
    return access.chart_entries_for_user(
        user, Immunization, permission=access.VIEW_CHART, category=CATEGORY
    )


def to_resource(row: Immunization) -> dict:
    return map_immunization(immunization_data(row), str(row.patient.public_id), ref=rest_ref)


register(
    ResourceType(
        name="Immunization",
        permissions={READ: access.VIEW_CHART},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=(
            reference_param("patient", "Patient", "patient__public_id", "The patient"),
            date_param("date", "given_on", "When given; prefixes eq, lt, gt ...", civil=True),
        ),
        sorts={"date": "given_on"},
        default_order=("-given_on", "pk"),
        last_updated=lambda row: None,
        includes={"Immunization:patient": PATIENT_INCLUDE},
        audit_category=CATEGORY,
        profile=PROFILE,
        documentation="Immunizations (read and search).",
    )
)
