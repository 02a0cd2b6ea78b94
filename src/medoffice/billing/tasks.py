"""Background jobs of billing, run by `medoffice worker` (django-tasks-db).

The worker's clock queues `follow_up_claims` (management/commands/run_worker.py):
claims the payer has had longer than its follow-up days without a decision get a
claim status request (276). The job is idempotent: a claim gets one request per
follow-up period however often the job runs.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from medoffice.billing import follow_up
from medoffice.core.context import Actor, reset_actor, set_actor

WORKER = Actor(user_id=None, username="worker", role="")


@task(queue_name="default")
def follow_up_claims() -> dict[str, int]:
    token = set_actor(WORKER)
    try:
        return follow_up.status_follow_up()
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
