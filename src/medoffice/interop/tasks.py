"""Delivery of the HL7 feed, run by `medoffice worker`.

The worker's feed clock (messaging/management/commands/run_worker.py) calls
`deliver_waiting_feed` about once a second: every pending message goes out in
batches (interop/services.py), so a booking's request only writes its outbox
row. `deliver_hl7_outbox` is the same delivery as a task, for task backends
that run in-line (no worker polls the outbox then; see interop/feed.py).

`clear_expired_searches` is one of the worker's daily jobs (worklist/tasks.py): the FHIR
page links' kept searches (fhir/paging.py) that have expired are deleted there.
"""

import logging

from django.conf import settings
from django_tasks import task

from medoffice.interop.services import feed_is_on, outbox_deliver

logger = logging.getLogger(__name__)


def worker_reads_the_outbox() -> bool:
    """Whether background work goes to the database queue, i.e. a `medoffice worker` runs it
    (and its feed clock delivers the outbox)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend == "django_tasks_db.DatabaseBackend"


def deliver_waiting_feed() -> int:
    """Send what is pending, oldest first, in batches; how many went out. Never raises."""
    if not feed_is_on():
        return 0
    try:
        report = outbox_deliver()
    except Exception as exc:  # the clock goes on; the messages stay pending
        logger.error("HL7 feed delivery failed (%s)", type(exc).__name__)
        return 0
    return len(report.sent)


@task(queue_name="default")
def deliver_hl7_outbox() -> int:
    """Send what is pending, oldest first; returns how many went out."""
    return deliver_waiting_feed()


@task(queue_name="default")
def clear_expired_searches() -> int:
    """Delete the FHIR searches kept for page links that have expired; how many went."""
    from medoffice.interop.fhir.paging import clear_expired

    return clear_expired()
