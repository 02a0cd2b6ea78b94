"""Background jobs of messaging, run by `medoffice worker` (django-tasks-db).

The worker queues `send_due_reminders` once a minute (management/commands/
run_worker.py), so reminders go out while at least one worker runs, and a sweep
that fails does not stop the next one.
"""

from contextlib import contextmanager
from datetime import datetime

from django_tasks import task

from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.messaging import services
from medoffice.messaging.models import Message
from medoffice.scheduling.models import Appointment, WaitlistOffer

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
