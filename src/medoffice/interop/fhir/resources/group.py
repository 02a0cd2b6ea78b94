"""Group: a provider's panel (the patients whose primary care provider they are).

The practice keeps no other lists of patients, so the Group a Bulk Data export names
(`Group/<id>/$export`, interop/smart) is a provider's panel, with the provider's id.
Read and search only; members are references to the patients.
"""

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Provider
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.smart.resources import group_resource
from medoffice.patients import access
from medoffice.patients.models import Patient, PatientStatus


def _members(provider: Provider):
    return (
        Patient.objects.filter(practice_id=provider.practice_id, primary_care_provider=provider)
        .exclude(status=PatientStatus.MERGED)
        .order_by("pk")
    )


def get(user, resource_id, *, permission: str, audit: bool) -> Provider:
    access.require_permission(user, permission, category="demographics")
    provider = Provider.objects.filter(
        practice_id=practice_id_for(user), public_id=uuid_or_404(resource_id)
    ).first()
    if provider is None:
        raise Http404
    if audit:
        audit_record(action=AuditAction.READ, obj=provider, category="demographics",
                     detail="fhir Group read (a provider's panel)")  # fmt: skip
    return provider


def queryset(user):
    access.require_permission(user, "patients.view_patient", category="demographics")
    return Provider.objects.filter(practice_id=practice_id_for(user))


def to_resource(provider: Provider) -> dict:
    return group_resource(provider, _members(provider))


register(
    ResourceType(
        name="Group",
        permissions={READ: "patients.view_patient"},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        default_order=("last_name", "first_name", "pk"),
        last_updated=lambda row: None,
        audit_category="demographics",
        documentation=(
            "A provider's panel: the patients whose primary care provider they are. The"
            " Group of Group/[id]/$export (Bulk Data)."
        ),
    )
)
