"""The HL7 SIU feed: each appointment change leaves its message's snapshot in the change
journal, the worker makes the message, renders and delivers it.

The snapshot (the visit as the change left it, interop/hl7v2.py) goes into the change's
journal row, written inside the change's own transaction
(scheduling.events.appointment_changing, scheduling/journal.py): the message exists if
and only if the change commits, and a process that stops just after the commit loses
nothing. The snapshot is all the feed costs a booking: no outbox row, no message built,
no file written and no disk synced in the clerk's request. The worker (`medoffice
worker`, interop/tasks.py) turns the journal's new rows into outbox messages and renders
and sends what waits about once a second, in batches, oldest first. Every failure here
is caught and logged with the error's class only, never the message (it holds PHI): a
feed that fails never undoes a change.

Without the database task queue (the in-line backend of tests and of a one-process
set-up) no worker reads the journal: the delivery then runs once the change has
committed, through the task backend in use.
"""

import logging

from django.db import transaction

from medoffice.interop.hl7v2 import appointment_snapshot
from medoffice.interop.services import feed_is_on

logger = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, event, previous, journal=None, **kwargs) -> None:
    """Inside the change's transaction: the change's snapshot for its journal row; the worker
    makes, renders and delivers the message."""
    if journal is None or not feed_is_on():
        return
    try:
        journal.snapshot = appointment_snapshot(appointment, previous)
    except Exception as exc:
        logger.error("HL7 message of appointment %s not queued (%s)", appointment.id,
                     type(exc).__name__)  # fmt: skip
        return
    journal.feed = True
    from medoffice.interop.tasks import deliver_hl7_outbox, worker_reads_the_outbox

    if not worker_reads_the_outbox():
        transaction.on_commit(_deliver_now(deliver_hl7_outbox, appointment.id))


def _deliver_now(task, appointment_id: int):
    def deliver() -> None:
        try:
            task.enqueue()
        except Exception as exc:
            logger.error("HL7 message of appointment %s not delivered (%s)", appointment_id,
                         type(exc).__name__)  # fmt: skip

    return deliver
