"""The HL7 SIU feed: hears each committed appointment change, queues its message, sends it.

It runs after the booking has committed (scheduling.events), so whatever
happens here can never undo a booking the patient was told about: every
failure is caught and logged with the message's control id and the error's
class only, never the message (it holds PHI). The message itself is safe in
the outbox before delivery is tried. A file drop is written at once; a network
receiver (MLLP) is sent to by the worker (tasks.py), so no request waits on it.
"""

import logging

from django.conf import settings

from medoffice.interop.models import new_control_id
from medoffice.interop.services import feed_is_on, outbound_message_queue, outbox_deliver

logger = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, event, previous, **kwargs) -> None:
    if not feed_is_on():
        return
    control_id = new_control_id()
    in_request = settings.MEDOFFICE_HL7_FEED["transport"] == "file"
    try:
        message = outbound_message_queue(
            appointment=appointment,
            event=event,
            previous=previous,
            control_id=control_id,
            claim=in_request,
        )
    except Exception as exc:
        logger.error("HL7 message %s not queued (%s)", control_id, type(exc).__name__)
        return
    try:
        if in_request:
            outbox_deliver(claimed=message)
        else:
            from medoffice.interop.tasks import deliver_hl7_outbox

            deliver_hl7_outbox.enqueue()
    except Exception as exc:
        logger.error("HL7 message %s not delivered (%s)", control_id, type(exc).__name__)
