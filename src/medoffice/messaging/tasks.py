"""Background jobs of messaging, run by `medoffice worker` (django-tasks-db).

The worker queues `send_due_reminders` once a minute (management/commands/
run_worker.py), so reminders go out while at least one worker runs, and a sweep
that fails does not stop the next one.
"""

import logging
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction
from django_tasks import task

from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.messaging import services
from medoffice.messaging.models import Message
from medoffice.scheduling.events import enqueue_with_the_change
from medoffice.scheduling.journal import NOTICE, journal_take
from medoffice.scheduling.models import Appointment, WaitlistOffer

logger = logging.getLogger(__name__)

QUEUE = "messaging"
WORKER = Actor(user_id=None, username="worker", role="")


@contextmanager
def acting_as_worker():
    """Audit rows written by a job name the worker, not an anonymous caller."""
    token = set_actor(WORKER)
    try:
        yield
    finally:
        reset_actor(token)


@task(queue_name=QUEUE)
def send_due_reminders() -> dict[str, int]:
    with acting_as_worker():
        return services.reminders_send_due()


@task(queue_name=QUEUE)
def send_appointment_notice(appointment_id: str, event: str, starts_at: str) -> str:
    appointment = (
        Appointment.objects.select_related("patient", "location__practice", "appointment_type")
        .filter(public_id=appointment_id)
        .first()
    )
    if appointment is None:
        return "no such appointment"
    with acting_as_worker():
        message = services.appointment_notice_send(
            appointment=appointment, event=event, starts_at=datetime.fromisoformat(starts_at)
        )
    return message.status if message is not None else "not sent"


# Journal rows taken per transaction.
NOTICE_BATCH = 200


def queue_waiting_notices(*, limit: int = NOTICE_BATCH) -> int:
    """The patients' notices of the appointment changes in the change journal that are not
    queued yet (scheduling/journal.py), oldest first: each notice's task is queued in the
    transaction that marks its row taken (a task row in the database queue; another
    backend runs it after that commit), so a change gets its notice once. Run by the
    worker's feed clock about once a second (without the database queue the listener
    queues the task after the commit instead: listeners.notify_patient_of_change). How
    many were queued; never raises (a queue that fails is logged, tried again next tick)."""
    queued = 0
    try:
        while True:
            with transaction.atomic():
                rows = journal_take(NOTICE, limit=limit)
                public_ids = dict(
                    Appointment.objects.filter(
                        id__in={row.appointment_id for row in rows}
                    ).values_list("id", "public_id")  # fmt: skip
                )
                for row in rows:
                    if row.appointment_id not in public_ids:
                        continue  # the visit was deleted since: nobody to tell
                    enqueue_with_the_change(
                        send_appointment_notice,
                        str(public_ids[row.appointment_id]), row.event, row.starts_at.isoformat(),
                        what=f"the {row.event} notice of appointment {row.appointment_id}",
                    )  # fmt: skip
                    queued += 1
            if len(rows) < limit:
                return queued
    except Exception:
        logger.exception("could not queue the appointment notices")
        return queued


@task(queue_name=QUEUE)
def send_waitlist_news(offer_id: str, news: str) -> str:
    offer = (
        WaitlistOffer.objects.select_related("entry__patient", "location__practice")
        .filter(public_id=offer_id)
        .first()
    )
    if offer is None:
        return "no such offer"
    with acting_as_worker():
        return services.waitlist_news_send(offer=offer, news=news).status


@task(queue_name=QUEUE)
def deliver_message(message_id: str) -> str:
    message = Message.objects.filter(public_id=message_id).first()
    if message is None:
        return "no such message"
    with acting_as_worker():
        return services.message_deliver(message=message).status


def enqueue_sweep_unless_waiting() -> bool:
    """Queue a sweep unless one is already waiting: several workers share one."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=send_due_reminders.module_path, status="READY"
    ).exists()
    if not waiting:
        send_due_reminders.enqueue()
    return not waiting
