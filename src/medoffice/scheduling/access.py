"""The only way views and the API reach appointments: practice scope, permission, audit."""

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.patients.access import require_permission
from medoffice.scheduling.models import Appointment


def _appointments():
    return Appointment.objects.select_related(
        "patient", "appointment_type", "provider", "location", "room"
    )


def appointment_get_for_user(
    user, public_id, *, permission: str = "scheduling.view_appointment", audit: bool = True
) -> Appointment:
    practice_id = practice_id_for(user)
    appointment = (
        _appointments().filter(public_id=public_id, location__practice_id=practice_id).first()
    )
    if appointment is None:
        raise Http404
    require_permission(user, permission, patient=appointment.patient, category="scheduling")
    if audit:
        audit_record(
            action=AuditAction.READ,
            obj=appointment,
            patient=appointment.patient,
            category="scheduling",
        )
    return appointment


def appointment_list_for_patient(user, patient) -> list[Appointment]:
    require_permission(user, "scheduling.view_appointment", patient=patient, category="scheduling")
    appointments = list(_appointments().filter(patient=patient).order_by("-starts_at"))
    audit_record(
        action=AuditAction.READ,
        object_type="scheduling.appointment",
        patient=patient,
        category="scheduling",
        detail=f"{len(appointments)} appointments listed",
    )
    return appointments
