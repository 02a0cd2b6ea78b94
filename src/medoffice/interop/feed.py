"""The HL7 SIU feed: each appointment change writes its message's snapshot to the outbox,
the worker renders and delivers it.

The snapshot (the visit as the change left it, interop/hl7v2.py) is written inside
the change's own transaction (scheduling.events.appointment_changing): the message
exists if and only if the change commits, and a process that stops just after the
commit loses nothing. That small INSERT is all the feed costs a booking: no message
built, no file written and no disk synced in the clerk's request. The worker
(`medoffice worker`, interop/tasks.py) renders and sends what waits about once a
second, in batches, oldest first. Every failure here is
caught and logged with the message's control id and the error's class only,
never the message (it holds PHI): a feed that fails never undoes a change.

Without the database task queue (the in-line backend of tests and of a
one-process set-up) no worker reads the outbox: the delivery then runs once
the change has committed, through the task backend in use.
"""

import logging

from django.db import transaction

from medoffice.interop.models import new_control_id
from medoffice.interop.services import feed_is_on, outbound_message_queue

logger = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, event, previous, **kwargs) -> None:
    """Inside the change's transaction: queue its message; the worker renders and delivers it."""
    if not feed_is_on():
        return
    control_id = new_control_id()
    try:
        outbound_message_queue(
            appointment=appointment,
            event=event,
            previous=previous,
            control_id=control_id,
        )
    except Exception as exc:
        logger.error("HL7 message %s not queued (%s)", control_id, type(exc).__name__)
        return
    from medoffice.interop.tasks import deliver_hl7_outbox, worker_reads_the_outbox

    if not worker_reads_the_outbox():
        transaction.on_commit(_deliver_now(deliver_hl7_outbox, control_id))


def _deliver_now(task, control_id: str):
    def deliver() -> None:
        try:
            task.enqueue()
        except Exception as exc:
            logger.error("HL7 message %s not delivered (%s)", control_id, type(exc).__name__)

    return deliver
