"""The one way views reach inbound HL7 messages (they hold PHI): practice scope + audit."""

from django.http import Http404

from medoffice.core.access import in_scope_only, patient_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.interop.models import InboundMessage
from medoffice.patients.models import Patient


def inbound_message_get_for_user(user, public_id) -> InboundMessage:
    practice_id = practice_id_for(user)
    message = (
        InboundMessage.objects.filter(public_id=public_id, practice_id=practice_id)
        .select_related("patient", "reviewed_by")
        .first()
    )
    if message is None:
        raise Http404
    # A location-limited user reaches a message filed to a patient outside their locations
    # no more than that patient's chart; unmatched messages are theirs to match.
    if message.patient_id and not (
        Patient.objects.filter(patient_scope(user), pk=message.patient_id).exists()
    ):
        raise Http404
    audit_record(
        action=AuditAction.READ,
        obj=message,
        patient=message.patient,
        category="interfaces",
        detail=f"{message.message_type}^{message.trigger} {message.control_id}",
    )
    return message


def rows_in_scope(user, rows: list, patient_id_of) -> list:
    """A list's rows without those of patients outside a location-limited user's scope;
    rows about no patient (an unmatched message) stay."""
    kept = {id(r) for r in in_scope_only(user, [r for r in rows if patient_id_of(r)],
                                         patient_id_of)}  # fmt: skip
    return [r for r in rows if not patient_id_of(r) or id(r) in kept]
