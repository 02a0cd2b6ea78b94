"""MedicationStatement: the chart's medication list (RxNorm where the chart has it), read
and searched through the chart's access helpers."""

from django.db.models import Q

from medoffice.clinical import access
from medoffice.clinical.exports import medication_data
from medoffice.clinical.models import Medication
from medoffice.core.clock import today_at
from medoffice.formats.fhir.clinical import medication_statement as map_medication
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    ChartList,
    codes_of,
    patient_params,
    token_param,
)
from medoffice.interop.fhir.search import date_param

CATEGORY = "medications"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-medicationstatement"
MEDICATIONS = ChartList(
    Medication, CATEGORY, access.VIEW_CHART, medication_data, map_medication,
    related=("prescriber",),
)  # fmt: skip


def to_resource(medication: Medication) -> dict:
    # Active or completed depends on today.
    return MEDICATIONS.to_resource(medication, today=today_at(medication.patient))


def _status(values, modifier, ctx) -> Q:
    today = today_at(ctx.zone)  # the practice's day: a FHIR client has no office zone
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
        get=MEDICATIONS.get,
        to_resource=to_resource,
        queryset=MEDICATIONS.queryset,
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
