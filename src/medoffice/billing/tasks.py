"""Background jobs of billing, run by `medoffice worker` (django-tasks-db).

The clearinghouse exchange: a batch that could not go (server down, outbox not
writable) is tried again at its `next_attempt_at` (backoff: 1, 5, 15, 60, then
every 240 minutes) by `send_due_batches`, queued for that time.
`pick_up_responses` takes the answers waiting in a practice's inboxes; it is
queued a while after each send.

The claim follow-up: the worker's clock queues `follow_up_claims`
(management/commands/run_worker.py): claims the payer has had longer than its
follow-up days without a decision get a claim status request (276). The job is
idempotent: a claim gets one request per follow-up period however often it runs.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from medoffice.core.context import Actor, reset_actor, set_actor

logger = logging.getLogger(__name__)

WORKER = Actor(None, "medoffice worker", "", "", "")
# How long after a send the worker first looks for the clearinghouse's answers.
PICKUP_AFTER = timedelta(minutes=10)


@task(queue_name="default")
def follow_up_claims() -> dict[str, int]:
    from medoffice.billing import follow_up

    token = set_actor(WORKER)
    try:
        return follow_up.status_follow_up()
    finally:
        reset_actor(token)


@task(queue_name="default")
def send_due_batches() -> int:
    """Send the queued batches whose time has come; returns how many went out."""
    from medoffice.billing.exchange import batches_send_due

    token = set_actor(WORKER)
    try:
        return sum(1 for outcome in batches_send_due() if outcome.sent)
    finally:
        reset_actor(token)


EVERY = timedelta(hours=1)


def enqueue_follow_up_unless_waiting() -> bool:
    """Queue a follow-up unless one is waiting or ran within the hour: several workers
    share one, and the worker's minute clock asks far more often than needed."""
    from django_tasks_db.models import DBTaskResult

    recent = DBTaskResult.objects.filter(task_path=follow_up_claims.module_path).filter(
        Q(status__in=["READY", "RUNNING"]) | Q(enqueued_at__gte=timezone.now() - EVERY)
    )
    if recent.exists():
        return False
    follow_up_claims.enqueue()
    return True


@task(queue_name="default")
def pick_up_responses(practice_id: int) -> int:
    """Pick up the answers of every active connection of the practice; returns files read."""
    from medoffice.billing.acks import responses_pick_up_for_practice

    token = set_actor(WORKER)
    try:
        reports = responses_pick_up_for_practice(practice_id=practice_id)
    finally:
        reset_actor(token)
    return sum(len(report.files) for report in reports)


def _later(job, when: datetime, *args) -> None:
    """Queue `job` for `when` where the backend can defer (the database queue); the in-line
    backend of tests and the demo's one-off runs cannot, and the job then waits for a run."""
    if not default_task_backend.supports_defer:
        return
    try:
        job.using(run_after=when).enqueue(*args)
    except Exception:  # the queue is a convenience here: the batch stays queued regardless
        logger.exception("could not queue %s", job.name)


def schedule_retry(when: datetime) -> None:
    transaction.on_commit(lambda: _later(send_due_batches, when))


def schedule_pickup(practice_id: int) -> None:
    when = timezone.now() + PICKUP_AFTER
    transaction.on_commit(lambda: _later(pick_up_responses, when, practice_id))
