"""Background jobs of the task list, and the worker's once-a-day clock.

`medoffice worker` asks `enqueue_daily_jobs` every minute; each job of DAILY_JOBS is queued
once per day: at the first tick after DAILY_FROM on the clock of the site's east-most
office (so before any office opens, and after midnight at every office up to six hours
west of it: all of the US), or at once when a worker starts and the day's run is still
missing.
Several workers share one run: a job queued since the day began, or still waiting, is not
queued again. The order matters: the closet's job raises tasks, the reminders mail them.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

# Dotted paths (the task list does not import the apps that feed it).
DAILY_JOBS = (
    "medoffice.interop.tasks.clear_expired_searches",
    "medoffice.inventory.tasks.inventory_daily_job",
    "medoffice.reports.tasks.rebuild_rollups",
    "medoffice.scheduling.journal.prune_change_journal",
    "medoffice.worklist.tasks.remind_due_tasks",
)
DAILY_FROM = time(6, 0)
REMIND_DAYS_AHEAD = 3


@task(queue_name="default")
def remind_due_tasks() -> int:
    """E-mail each person their open tasks due within REMIND_DAYS_AHEAD days."""
    from medoffice.worklist.services import tasks_remind

    return tasks_remind(days_ahead=REMIND_DAYS_AHEAD)


def east_most_zone(now: datetime) -> ZoneInfo:
    """The office zone that reaches a given hour first (the site's zone without offices)."""
    from medoffice.core.models import Location

    names = set(Location.objects.values_list("time_zone", flat=True).distinct())
    zones = [ZoneInfo(name) for name in names] or [ZoneInfo(settings.TIME_ZONE)]
    return max(zones, key=lambda zone: (now.astimezone(zone).utcoffset(), zone.key))


def day_began(now=None, zone=None):
    """When the current daily period began: today's DAILY_FROM, or yesterday's before it,
    on `zone`'s clock (the east-most office's by default)."""
    now = now or timezone.now()
    local = now.astimezone(zone or east_most_zone(now))
    start = datetime.combine(local.date(), DAILY_FROM, tzinfo=local.tzinfo)
    return (
        start
        if local >= start
        else datetime.combine(local.date() - timedelta(days=1), DAILY_FROM, tzinfo=local.tzinfo)
    )


def enqueue_once_a_day(job, began=None) -> bool:
    """Queue `job` unless it was queued since the day began (`began`, else worked out
    here) or is waiting; True if queued."""
    from django_tasks_db.models import DBTaskResult

    done = DBTaskResult.objects.filter(task_path=job.module_path).filter(
        Q(status__in=["READY", "RUNNING"]) | Q(enqueued_at__gte=began or day_began())
    )
    if done.exists():
        return False
    job.enqueue()
    return True


def enqueue_daily_jobs() -> list[str]:
    """The worker's clock: queue each daily job due; returns the names queued."""
    queued, began = [], day_began()  # the offices' zones read once a tick, not per job
    for path in DAILY_JOBS:
        job = import_string(path)
        if enqueue_once_a_day(job, began):
            queued.append(job.name)
    return queued
