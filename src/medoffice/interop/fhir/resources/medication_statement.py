"""MedicationStatement: the chart's medication list (RxNorm where the chart has it), read
and searched through the chart's access helpers."""

from django.db.models import Q
from django.utils import timezone

from medoffice.clinical import access
from medoffice.clinical.exports import medication_data
from medoffice.clinical.models import Medication
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.clinical import medication_statement as map_medication
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    patient_params,
    token_param,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import date_param

CATEGORY = "medications"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-medicationstatement"


def get(user, resource_id, *, permission: str, audit: bool) -> Medication:
    return access.chart_entry_get_for_user(
        user, Medication, uuid_or_404(resource_id), permission=permission, category=CATEGORY,
        related=("prescriber",), audit=audit,
    )  # fmt: skip


def queryset(user):
    return access.chart_entries_for_user(
        user, Medication, permission=access.VIEW_CHART, category=CATEGORY
    ).select_related("prescriber")


def to_resource(medication: Medication) -> dict:
    return map_medication(
        medication_data(medication), str(medication.patient.public_id),
        today=timezone.localdate(), ref=rest_ref,
    )  # fmt: skip


def _status(values, modifier, ctx) -> Q:
    today = timezone.localdate()
    stopped = Q(stop_date__lt=today)
    codes = set(codes_of(values))
    out = Q(pk__in=[])
    if "active" in codes:
        out |= ~stopped | Q(stop_date__isnull=True)
    if "completed" in codes:
        out |= stopped
    return out


SEARCH_PARAMS = (
    *patient_params(),
    token_param("status", _status, "active (not stopped before today) or completed"),
    date_param("effective", "start_date", "Start date; prefixes eq, lt, gt ...", civil=True),
)


register(
    ResourceType(
        name="MedicationStatement",
        permissions={READ: access.VIEW_CHART},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"effective": "start_date"},
        default_order=("-start_date", "pk"),
        last_updated=lambda row: None,  # status depends on today: version by content
        includes={"MedicationStatement:patient": PATIENT_INCLUDE},
        audit_category=CATEGORY,
        documentation="The medication list (read and search).",
        profile=PROFILE,
    )
)
