"""Background jobs of patient accounts, run by `medoffice worker` (django-tasks-db).

The worker's clock (messaging/management/commands/run_worker.py, CLOCK_JOBS) asks
`enqueue_statement_cycles` every minute; it queues `run_statement_cycles` once a day
(worklist.tasks.enqueue_once_a_day: from 06:00, or at once when a worker starts and the
day's run is missing). The job runs, for each practice whose Account settings ask for it,
the statement cycle whose turn it is today (accounts/statements.py).
"""

from django_tasks import task

from medoffice.core.context import Actor, reset_actor, set_actor

WORKER = Actor(None, "medoffice worker", "", "", "")


@task(queue_name="default")
def run_statement_cycles() -> dict[str, int]:
    from medoffice.accounts.statements import statement_cycles_due

    token = set_actor(WORKER)
    try:
        return statement_cycles_due()
    finally:
        reset_actor(token)


def enqueue_statement_cycles() -> bool:
    """Queue the day's statement cycles unless queued since the day began or waiting."""
    from medoffice.worklist.tasks import enqueue_once_a_day

    return enqueue_once_a_day(run_statement_cycles)
