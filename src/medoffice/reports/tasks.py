"""The dashboard's rollups: refreshed by the worker's clock every minute (pages only read
them, computing the few days changed since from the sources) and rebuilt once a day
(worklist.tasks.DAILY_JOBS), which also drops what a deleted source row left behind (see
reports/rollups.py)."""

from django_tasks import task


@task(queue_name="default")
def rebuild_rollups() -> dict:
    from medoffice.reports.rollups import rebuild

    return rebuild()


def refresh_rollups() -> dict:
    """The worker clock's minute: bring the rollups up to date with what changed (cheap
    when nothing did; several workers take turns on the refresh mark's row lock)."""
    from medoffice.reports.rollups import refresh

    return refresh()
