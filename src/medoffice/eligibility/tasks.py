"""Background jobs of eligibility, run by `medoffice worker` (django-tasks-db).

`run_batch` asks about every booked visit of the next days; `collect_responses` picks
up 271s waiting at the gateway (the clearinghouse inbox) and settles checks that waited
too long. The worker's clock (messaging/management/commands/run_worker.py) queues both:
the batch every hour (it skips a visit already asked about within a day, so running it
often costs little and a visit booked this afternoon is asked about tonight), the pickup
every five minutes. `medoffice eligibility run --queue` queues a batch at once.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from medoffice.core.context import WORKER, acting_as
from medoffice.eligibility import services


@task()
def run_batch(days: int = 2) -> dict[str, int]:
    with acting_as(WORKER):
        return services.batch_run(days=days)


@task()
def collect_responses() -> dict[str, int]:
    with acting_as(WORKER):
        return services.responses_collect()


BATCH_EVERY = timedelta(hours=1)
COLLECT_EVERY = timedelta(minutes=5)


def _enqueue_unless_recent(job, every: timedelta, **kwargs) -> bool:
    """Queue `job` unless one is waiting or was queued within `every`: several workers
    share one, and the worker's minute clock asks far more often than needed."""
    from django_tasks_db.models import DBTaskResult

    recent = DBTaskResult.objects.filter(task_path=job.module_path).filter(
        Q(status__in=["READY", "RUNNING"]) | Q(enqueued_at__gte=timezone.now() - every)
    )
    if recent.exists():
        return False
    job.enqueue(**kwargs)
    return True


def enqueue_eligibility_unless_waiting() -> dict[str, bool]:
    """What the worker's clock calls every minute: which of the two jobs it queued."""
    return {
        "batch": _enqueue_unless_recent(run_batch, BATCH_EVERY),
        "collect": _enqueue_unless_recent(collect_responses, COLLECT_EVERY),
    }
