"""Run the background worker: django-tasks-db's db_worker on our queues, plus a clock that
queues the reminder sweep every minute (and the claim follow-up hourly, the supply closet's
daily job, the task reminders and the statement cycle once a day: medoffice.worklist.tasks,
medoffice.accounts.tasks), and refreshes the dashboard's rollups every minute.

Why a clock thread in the worker rather than a sweep that re-queues itself: a
self-rescheduling chain breaks for good the first time one link fails or is lost,
and two workers starting together make two chains. Here the sweep runs as long as
a worker runs, every failure is isolated to one minute, and several workers queue
at most one waiting sweep between them (the sweep itself is idempotent anyway).

A second clock passes the change journal on every `--feed-every` seconds
(pass_on_changes): appointment changes only write their row of the journal
(scheduling/journal.py), and this thread turns the new rows into the HL7 feed's
messages and sends what waits in batches (interop/tasks.py), and queues the patients'
notices of the changes (messaging/tasks.py). Several workers may run it: one takes
each row, one delivers at a time.
"""

import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.module_loading import import_string

from medoffice.accounts.tasks import enqueue_statement_cycles
from medoffice.billing.tasks import enqueue_follow_up_unless_waiting
from medoffice.eligibility.tasks import enqueue_eligibility_unless_waiting
from medoffice.interop.tasks import deliver_waiting_feed
from medoffice.messaging.tasks import enqueue_sweep_unless_waiting, queue_waiting_notices
from medoffice.worklist.tasks import enqueue_daily_jobs

logger = logging.getLogger("medoffice.worker")

QUEUES = "default,messaging"


# What the clock queues each tick; each job queues its task only when none is waiting (the
# daily jobs once a day), so every worker may run the clock.
CLOCK_JOBS = (
    (enqueue_sweep_unless_waiting, "the reminder sweep"),
    (enqueue_follow_up_unless_waiting, "the claim follow-up"),
    (enqueue_daily_jobs, "the daily jobs"),
    (enqueue_eligibility_unless_waiting, "the eligibility batch or pickup"),
    (enqueue_statement_cycles, "the day's statement cycle"),
    # By dotted path: nothing imports the reports app (it reads everything).
    (
        lambda: import_string("medoffice.reports.tasks.refresh_rollups")(),
        "the dashboard's rollups (refreshed here: pages only read them)",
    ),
)


def _clock(every: float) -> None:
    while True:
        time.sleep(every)
        try:
            for job, what in CLOCK_JOBS:
                try:
                    job()
                except Exception:
                    logger.exception("could not queue %s", what)
        finally:
            connection.close()  # this thread's own connection; a new one next minute


def pass_on_changes() -> None:
    """The change journal's readers: the patients' notices queued, the HL7 feed delivered.
    Neither raises."""
    queue_waiting_notices()
    deliver_waiting_feed()


def _feed_clock(every: float) -> None:
    while True:
        time.sleep(every)
        try:
            pass_on_changes()
        finally:
            connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = "Run background tasks (reminders, notices, the HL7 feed) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--queues", default=QUEUES, help="comma-separated queue names")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--batch", action="store_true", help="run what is waiting (and one sweep), then exit"
        )
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--sweep-every", type=float, default=60.0,
            help="seconds between reminder sweeps; 0 turns them off",
        )  # fmt: skip
        parser.add_argument(
            "--feed-every", type=float, default=1.0,
            help="seconds between passes of the change journal (the HL7 feed's deliveries,"
            " the notices of appointment changes); 0 turns them off",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        every = options["sweep_every"]
        if every > 0:
            for job, _what in CLOCK_JOBS:
                job()
            if not options["batch"]:
                threading.Thread(target=_clock, args=(every,), daemon=True, name="sweep").start()
        feed_every = options["feed_every"]
        if feed_every > 0:
            pass_on_changes()
            if not options["batch"]:
                threading.Thread(
                    target=_feed_clock, args=(feed_every,), daemon=True, name="journal"
                ).start()
        worker_options = {
            "queue_name": options["queues"],
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": False,
            "startup_delay": False,
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"]:
            worker_options["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **worker_options)
