"""Worker tasks of the privacy program: the retention purge and the agreement renewals."""

from django_tasks import task

from medoffice.core.context import WORKER, acting_as


@task()
def retention_purge(dry_run: bool = False) -> dict:
    from medoffice.core.retention import audit_purge
    from medoffice.privacy.retention import documents_purge

    with acting_as(WORKER):
        audit = audit_purge(dry_run=dry_run)
        documents = documents_purge(dry_run=dry_run)
    return {"audit_rows": audit.deleted if not dry_run else audit.eligible, **documents.counts}


@task()
def baa_renewals() -> int:
    from medoffice.privacy.services import baa_tasks_all

    with acting_as(WORKER):
        return baa_tasks_all()
