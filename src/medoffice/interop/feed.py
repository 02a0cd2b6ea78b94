"""The HL7 SIU feed: queues each appointment change's message with the change, sends it after.

The message is written to the outbox inside the change's own transaction
(scheduling.events.appointment_changing), in a savepoint: it exists if and only
if the change commits, and a process that stops just after the commit loses
nothing (an unsent message waits in the outbox for the worker). Delivery runs
only after the commit, so whatever happens there can never undo a booking the
patient was told about: every failure is caught and logged with the message's
control id and the error's class only, never the message (it holds PHI). A file
drop is written at once after the commit; a network receiver (MLLP) is sent to
by the worker (tasks.py), so no request waits on it.
"""

import logging

from django.conf import settings
from django.db import transaction

from medoffice.interop.models import new_control_id
from medoffice.interop.services import feed_is_on, outbound_message_queue, outbox_deliver
from medoffice.scheduling.events import enqueue_with_the_change

logger = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, event, previous, **kwargs) -> None:
    """Inside the change's transaction: queue its message; deliver it once committed."""
    if not feed_is_on():
        return
    control_id = new_control_id()
    in_request = settings.MEDOFFICE_HL7_FEED["transport"] == "file"
    try:
        message = outbound_message_queue(  # atomic: a savepoint inside the change
            appointment=appointment,
            event=event,
            previous=previous,
            control_id=control_id,
            claim=in_request,
        )
    except Exception as exc:
        logger.error("HL7 message %s not queued (%s)", control_id, type(exc).__name__)
        return
    if in_request:
        transaction.on_commit(lambda: _deliver(message, control_id))
    else:
        from medoffice.interop.tasks import deliver_hl7_outbox

        enqueue_with_the_change(deliver_hl7_outbox, what=f"delivery of HL7 message {control_id}")


def _deliver(message, control_id: str) -> None:
    try:
        outbox_deliver(claimed=message)
    except Exception as exc:
        logger.error("HL7 message %s not delivered (%s)", control_id, type(exc).__name__)
