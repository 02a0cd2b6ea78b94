"""The one way screens reach the message log: scope, role check, audit."""

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.messaging.models import Message
from medoffice.patients.access import require_permission
from medoffice.patients.models import Patient


def message_list_for_patient(user, patient: Patient) -> list[Message]:
    """A patient's messages, newest first (the patient was scoped by patient_get_for_user)."""
    require_permission(user, "messaging.view_message", patient=patient, category="messages")
    messages = list(
        Message.objects.filter(patient=patient)
        .select_related("appointment__location")
        .order_by("-created_at", "-id")
    )
    audit_record(
        action=AuditAction.READ,
        object_type="messaging.message",
        patient=patient,
        category="messages",
        detail=f"{len(messages)} messages listed",
    )
    return messages
