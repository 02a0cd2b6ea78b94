"""Coverage: a patient's insurance, read through the patients app's coverage helpers."""

from medoffice.core.access import patient_scope
from medoffice.formats.fhir.bundle import coverage_resource, rest_ref
from medoffice.interop.fhir.registry import READ, Include, ResourceType, register
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import SearchParam, reference_param
from medoffice.patients import access
from medoffice.patients.models import Coverage, Patient
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

register(
    ResourceType(
        name="Coverage",
        permissions={READ: "patients.view_coverage"},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        default_order=("patient_id", "order", "pk"),
        includes={
            "Coverage:payor": Include("Organization", _payers),
            "Coverage:beneficiary": Include("Patient", _patients),
        },
        audit_category="insurance",
        profile=PROFILE,
        documentation="Insurance on file, primary first (order).",
    )
)
