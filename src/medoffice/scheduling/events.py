"""What other parts of the office hear when an appointment changes.

Services send `appointment_changed` after their transaction commits, so a
listener (the HL7 feed's delivery, the cancellation list, billing) never acts
on a booking that was rolled back. Listeners must not raise: a failing feed
must not undo a booking the patient was already told about.

Just before that, inside the change's own transaction, they send
`appointment_changing`, for listeners whose work must commit or roll back with the
change. The outbox readers (the HL7 feed, the patient's notice) fill in the change's
`journal` entry (a journal.JournalEntry: that they want the change, and the feed's
snapshot of the visit), and the entry becomes one row of the change journal
(journal.py), which the worker turns into their messages later. Nothing is then
queued for a change that was rolled back, nothing is lost if the process stops
between the commit and a listener, and a booking pays for one commit and one small
INSERT rather than one commit or one outbox row per listener (on SQLite with
synchronous=FULL each commit is an fsync, most of a booking's time). A listener that
writes rows of its own does so in a savepoint of its own (beside_the_change) and
catches its errors, so that it cannot undo the change either; so is the journal's row.
"""

import logging
from contextlib import nullcontext
from enum import StrEnum

from django.db import connection, transaction
from django.dispatch import Signal

from medoffice.scheduling.journal import JournalEntry, journal_write

logger = logging.getLogger(__name__)


class AppointmentEvent(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    STATUS = "status"  # any other status move (check-in, check-out, back to booked...)


# kwargs: appointment, event (AppointmentEvent), previous (dict of the old
# starts_at/ends_at/provider_id/location_id/status before the change).
appointment_changed = Signal()
# The same kwargs, sent inside the change's transaction (see above), `setup`: the
# practice's kept scheduling set-up the change was checked against, or None, and
# `journal`: the change's journal.JournalEntry, for the outbox readers to fill in.
appointment_changing = Signal()


def announce(
    appointment, event: AppointmentEvent, previous: dict | None = None, *, setup=None
) -> None:
    """Tell the outbox listeners now, inside the change's transaction, and write the change's
    journal row if a reader wants it; tell the others once it has committed. `setup`: the
    kept set-up the service already read in this transaction (schedule_setup.py), so that
    listeners need not ask for its token again."""
    entry = JournalEntry()
    appointment_changing.send(
        sender=type(appointment),
        appointment=appointment,
        event=event,
        previous=previous or {},
        setup=setup,
        journal=entry,
    )
    if entry.feed or entry.notice:
        try:
            with beside_the_change(one_statement=True):
                journal_write(appointment, event, entry)
        except Exception as exc:  # the change stands; its messages are lost (logged, no PHI)
            logger.error(
                "the journal row of appointment %s (%s) not written (%s)",
                appointment.id, event, type(exc).__name__,
            )  # fmt: skip
    transaction.on_commit(
        lambda: appointment_changed.send(
            sender=type(appointment),
            appointment=appointment,
            event=event,
            previous=previous or {},
        )  # fmt: skip
    )


# kwargs: offer (a WaitlistOffer), news ("offer": a time is offered to the patient;
# "taken": the time they were offered went to someone else). Sent after commit.
waitlist_news = Signal()


def beside_the_change(*, one_statement: bool = False):
    """The block an outbox listener writes in, inside the change's transaction, so that a
    failed write cannot undo the change: a savepoint. Not only does a failed statement
    spoil the whole transaction on PostgreSQL: Django marks the enclosing atomic block for
    rollback whenever a save fails inside it (also on SQLite, where the statement undoes
    only itself), and that block then rolls back on exit without raising, so without the
    savepoint a booking whose outbox row failed returned as booked and was silently not
    stored (found by fault injection, tests/attack/test_faults.py).

    `one_statement`: the listener writes one plain statement and no save()
    (core/bulk.insert_row), so nothing marks the block. On SQLite a failed statement then
    undoes only itself and the transaction goes on, and the savepoint (two statements and
    their bookkeeping, for each listener of each change) is left out; PostgreSQL keeps it."""
    if one_statement and connection.vendor == "sqlite":
        return nullcontext()
    return transaction.atomic()


def enqueue_with_the_change(task, *args, what: str) -> None:
    """Queue a background task so that it exists if and only if the change commits.

    A queue kept in this database (django-tasks-db) gets its row in the change's
    transaction, in a savepoint; any other backend (the immediate one runs the task at
    once) is called after the commit. A queue that fails is logged (`what`: which task,
    no PHI), never raised: the change stands.
    """
    from django_tasks_db import DatabaseBackend

    def enqueue(beside, queue) -> None:
        try:
            with beside():
                queue()
        except Exception:
            logger.exception("could not queue %s", what)

    try:
        backend = task.get_backend()
    except Exception:  # a queue that cannot even name its backend: tried after the commit
        backend = None
    if isinstance(backend, DatabaseBackend):
        enqueue(
            lambda: beside_the_change(one_statement=True), lambda: _queue_row(backend, task, args)
        )
    else:
        transaction.on_commit(lambda: enqueue(transaction.atomic, lambda: task.enqueue(*args)))


def _queue_row(backend, task, args: tuple) -> None:
    """django-tasks-db's `DatabaseBackend.enqueue` (0.13), its row written by one prepared
    INSERT (core/bulk.insert_row) instead of the ORM's create, which was a fifth of a
    booking's CPU time: the same checks, the same row (id, JSON arguments, priority, queue,
    enqueued_at), the model's save signals (its pre_save sets `run_after`) and the same
    `task_enqueued` signal; its worker reads it as any other."""
    from django.db.models.signals import post_save, pre_save
    from django_tasks.signals import task_enqueued
    from django_tasks.utils import normalize_json
    from django_tasks_db.models import DBTaskResult

    from medoffice.core.bulk import insert_row

    backend.validate_task(task)
    row = DBTaskResult(
        id=backend._get_id(),
        # normalize_json's answer for plain text arguments (what the notices pass), without
        # its pattern match per value; anything else goes through it.
        args_kwargs={"args": list(args), "kwargs": {}}
        if all(type(arg) is str for arg in args)
        else normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    using = connection.alias
    pre_save.send(DBTaskResult, instance=row, raw=False, using=using, update_fields=None)
    insert_row(row)
    post_save.send(
        DBTaskResult, instance=row, created=True, update_fields=None, raw=False, using=using
    )
    task_enqueued.send(type(backend), task_result=row.task_result)
