"""Background delivery of the HL7 feed over the network, run by `medoffice worker`.

A file drop is written in the request that made the change (a local write is
quick and keeps the feed in step); a network receiver may be slow or hang, so
MLLP delivery runs on the worker and the clerk's request never waits for it.
"""

from django_tasks import task

from medoffice.interop.services import outbox_deliver


@task(queue_name="default")
def deliver_hl7_outbox() -> int:
    """Send what is pending, oldest first; returns how many went out."""
    return len(outbox_deliver().sent)
