"""Background jobs of eligibility, run by `medoffice worker` (django-tasks-db).

`run_batch` asks about every booked visit of the next days (queued by
`medoffice eligibility run --queue`, e.g. from a daily timer); `collect_responses` picks
up 271s waiting at the gateway (the clearinghouse inbox) and settles checks that waited
too long.
"""

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
