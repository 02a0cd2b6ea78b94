"""Scheduling tells us about its changes; we queue the patient's notice with them.

Listeners must not raise (scheduling/events.py): a queue that cannot be written
must not look like a failed booking to the clerk who made it.
"""

import logging

from medoffice.messaging.services import NOTICE_PURPOSES
from medoffice.scheduling.events import enqueue_with_the_change

logger = logging.getLogger(__name__)


def notify_patient_of_change(sender, appointment, event, previous, journal=None, **kwargs) -> None:
    """Inside the change's transaction (appointment_changing): the change's journal row says
    the notice waits for it, so it is sent if and only if the change commits; the worker
    queues its task (tasks.queue_waiting_notices). Without the database queue no worker
    reads the journal: the task is queued once the change has committed."""
    if event not in NOTICE_PURPOSES:
        return
    if journal is not None and _worker_reads_the_queue():
        journal.notice = True
        return
    from medoffice.messaging.tasks import send_appointment_notice

    enqueue_with_the_change(
        send_appointment_notice,
        str(appointment.public_id), str(event), appointment.starts_at.isoformat(),
        what=f"the {event} notice of {appointment.public_id}",
    )  # fmt: skip


def _worker_reads_the_queue() -> bool:
    """Whether background work goes to the database queue, i.e. a `medoffice worker` runs it
    (and its feed clock queues the waiting notices)."""
    from django_tasks_db import DatabaseBackend

    from medoffice.messaging.tasks import send_appointment_notice

    try:
        return isinstance(send_appointment_notice.get_backend(), DatabaseBackend)
    except Exception:  # a queue that cannot even name its backend: tried after the commit
        return False


def tell_waiting_patient(sender, offer, news, **kwargs) -> None:
    from medoffice.messaging.tasks import send_waitlist_news

    try:
        send_waitlist_news.enqueue(str(offer.public_id), news)
    except Exception:
        logger.exception("could not queue the waitlist %s of offer %s", news, offer.public_id)
