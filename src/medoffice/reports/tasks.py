"""The dashboard's rollups rebuilt once a day by the worker (worklist.tasks.DAILY_JOBS):
the figures refresh them before every page, and the rebuild also drops what a deleted
source row left behind (see reports/rollups.py)."""

from django_tasks import task


@task(queue_name="default")
def rebuild_rollups() -> dict:
    from medoffice.reports.rollups import rebuild

    return rebuild()
