"""The change journal (models.AppointmentChange): what the readers of appointment changes
that act later (the HL7 SIU feed, the patient's notice) are told, in one row per change.

A change writes its row by one prepared INSERT inside its own transaction
(events.announce): the outbox listeners of `appointment_changing` only fill in a
`JournalEntry` (the feed its snapshot, the notice that it wants the change) and the entry
becomes one row, not one outbox row per listener. The worker's feed clock (about once a
second, `medoffice worker`) then takes the rows each reader has not taken yet, in its own
transaction, and turns them into the reader's own work (interop.services.outbox_fill:
the SIU messages; messaging.tasks.queue_waiting_notices: the notices' tasks), so a row is
taken if and only if its work was queued, once.

Ids do not commit in order on PostgreSQL (a lower id can commit after a higher one was
read), so a reader keeps no "last id seen": each row carries a mark per reader, and the
rows a reader still waits for are found through the partial index of the rows some reader
waits for. The rows of one visit are in the order of its changes: every change of a visit
locks it first (services.py), so the next change's row is written after the last one
committed. Two workers never take the same rows: the taking transaction is the writer on
SQLite (IMMEDIATE transactions), and holds an advisory lock on PostgreSQL.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from medoffice.scheduling.models import AppointmentChange

logger = logging.getLogger(__name__)

FEED = "feed_done_at"
NOTICE = "notice_done_at"
READERS = (FEED, NOTICE)
# Any number will do, as long as nothing else in the database takes this advisory lock.
_TAKE_LOCK = 0x4A_52_4E_4C  # "JRNL"
# Rows that both readers took are kept this long (to look into a feed's or a notice's
# history), then deleted by the daily job.
KEEP_DONE = timedelta(days=7)


@dataclass(slots=True)
class JournalEntry:
    """What the outbox listeners want written about one change (events.announce)."""

    feed: bool = False  # the HL7 feed waits for it
    notice: bool = False  # the patient's notice waits for it
    snapshot: dict | None = None  # the feed's: the visit as the change left it


def journal_write(appointment, event: str, entry: JournalEntry) -> AppointmentChange | None:
    """The change's row, in the change's transaction (the caller's block, see
    events.announce): one INSERT, or none when no reader waits for it."""
    from medoffice.core.bulk import insert_row

    if not (entry.feed or entry.notice):
        return None
    now = timezone.now()
    return insert_row(  # objects.create()'s INSERT, its statement built once (core/bulk.py)
        AppointmentChange(
            appointment_id=appointment.id,
            event=str(event),
            starts_at=appointment.starts_at,
            snapshot=entry.snapshot,
            created_at=now,
            feed_done_at=None if entry.feed else now,
            notice_done_at=None if entry.notice else now,
        )
    )


def journal_take(reader: str, *, limit: int) -> list[AppointmentChange]:
    """The oldest rows `reader` (FEED or NOTICE) has not taken, at most `limit`, marked taken.
    Call it in the transaction that queues their work: the marks commit with it."""
    if reader not in READERS or not connection.in_atomic_block:
        raise ValueError("journal_take: a reader of READERS, inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TAKE_LOCK])
    rows = list(
        AppointmentChange.objects.filter(**{f"{reader}__isnull": True}).order_by("id")[:limit]
    )
    if rows:
        AppointmentChange.objects.filter(id__in=[row.id for row in rows]).update(
            **{reader: timezone.now()}
        )
    return rows


def journal_prune(*, now=None) -> int:
    """Delete the rows both readers took more than KEEP_DONE ago; how many went."""
    before = (now or timezone.now()) - KEEP_DONE
    deleted, _ = AppointmentChange.objects.filter(
        feed_done_at__lt=before, notice_done_at__lt=before
    ).delete()
    return deleted


@task(queue_name="default")
def prune_change_journal() -> int:
    """The worker's daily job (worklist/tasks.py): the journal's rows both readers took."""
    with transaction.atomic():
        return journal_prune()
