"""Immunization: the chart's immunizations (CVX), read and searched through the chart's
access helpers."""

from medoffice.clinical import access
from medoffice.clinical.exports import immunization_data
from medoffice.clinical.models import Immunization
from medoffice.formats.fhir.clinical import immunization as map_immunization
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._chart import PATIENT_INCLUDE, ChartList
from medoffice.interop.fhir.search import date_param, reference_param

CATEGORY = "immunizations"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-immunization"
IMMUNIZATIONS = ChartList(
    Immunization, CATEGORY, access.VIEW_CHART, immunization_data, map_immunization
)


register(
    ResourceType(
        name="Immunization",
        permissions={READ: access.VIEW_CHART},
        get=IMMUNIZATIONS.get,
        to_resource=IMMUNIZATIONS.to_resource,
        queryset=IMMUNIZATIONS.queryset,
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
