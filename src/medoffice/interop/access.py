"""The one way views reach inbound HL7 messages (they hold PHI): practice scope + audit."""

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.interop.models import InboundMessage


def inbound_message_get_for_user(user, public_id) -> InboundMessage:
    practice_id = practice_id_for(user)
    message = (
        InboundMessage.objects.filter(public_id=public_id, practice_id=practice_id)
        .select_related("patient", "reviewed_by")
        .first()
    )
    if message is None:
        raise Http404
    audit_record(
        action=AuditAction.READ,
        obj=message,
        patient=message.patient,
        category="interfaces",
        detail=f"{message.message_type}^{message.trigger} {message.control_id}",
    )
    return message
