"""The background worker: tasks queued in the database run in a real django-tasks-db worker,
and two sweeps racing on PostgreSQL still send one reminder."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django_tasks_db.models import DBTaskResult

from medoffice.messaging import services
from medoffice.messaging.models import Message
from medoffice.messaging.services import reminders_send_due
from medoffice.messaging.tasks import enqueue_sweep_unless_waiting, send_due_reminders
from medoffice.scheduling.models import AppointmentChange
from tests.messaging.conftest import VISIT, reminders
from tests.sqlite_file import sqlite_file_copy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def signals_restored():
    """db_worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def reminder_texts(texts) -> list[str]:
    return [body for _, body in texts() if "a reminder of your visit" in body]


# The worker closes connections it finds inside a transaction (Django's
# close_old_connections), as a test's wrapping transaction would be: these tests commit.
@pytest.mark.django_db(transaction=True)
def test_a_sweep_queued_in_the_database_is_run_by_the_worker(
    transactional_db, visit, freeze, texts, signals_restored
):
    freeze(VISIT - timedelta(hours=24))
    queued = send_due_reminders.enqueue()
    assert DBTaskResult.objects.get(id=queued.id).status == "READY"
    assert reminder_texts(texts) == []  # nothing happens until a worker takes it

    call_command("run_worker", batch=True, sweep_every=0, verbosity=0)

    done = DBTaskResult.objects.get(id=queued.id)
    assert done.status == "SUCCESSFUL", done.traceback
    assert done.return_value == {"sent": 1}
    assert len(reminder_texts(texts)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_its_own_sweep_and_sends_queued_notices(
    transactional_db, visit, freeze, texts, signals_restored
):
    freeze(VISIT - timedelta(hours=24))
    # The booking committed its row of the change journal: the worker queues its notice.
    assert AppointmentChange.objects.filter(notice_done_at=None).count() == 1
    assert not DBTaskResult.objects.filter(task_path__endswith="send_appointment_notice").exists()

    call_command("run_worker", batch=True, verbosity=0)

    assert not AppointmentChange.objects.filter(notice_done_at=None).exists()
    (sweep,) = DBTaskResult.objects.filter(task_path=send_due_reminders.module_path)
    assert sweep.status == "SUCCESSFUL"
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    bodies = [body for _, body in texts()]
    assert len(bodies) == 2
    assert any(body.endswith("is booked.") for body in bodies)
    assert len(reminder_texts(texts)) == 1


def test_workers_share_one_waiting_sweep(db):
    assert enqueue_sweep_unless_waiting() is True
    assert enqueue_sweep_unless_waiting() is False
    assert DBTaskResult.objects.filter(task_path=send_due_reminders.module_path).count() == 1


def test_the_database_refuses_a_second_reminder_for_the_same_offset_and_time(visit, freeze):
    freeze(VISIT - timedelta(hours=24))
    reminders_send_due()
    (first,) = reminders()

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            direction="out", channel="email", purpose="reminder", status="queued",
            appointment=visit, appointment_starts_at=VISIT, offset_minutes=first.offset_minutes,
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_on_postgresql_send_one_reminder(
    transactional_db, visit, freeze, texts, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite serialises threads; the constraint test above covers it")
    freeze(VISIT - timedelta(hours=24))
    both_drafted = threading.Barrier(2, timeout=30)
    draft = services._draft

    def draft_then_wait(*args, **kwargs):
        # Both sweeps have found the visit unreminded before either writes its row.
        result = draft(*args, **kwargs)
        both_drafted.wait()
        return result

    monkeypatch.setattr(services, "_draft", draft_then_wait)
    outcomes = []

    def sweep():
        try:
            outcomes.append(reminders_send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes, key=str) == [{"already": 1}, {"sent": 1}]
    assert len(reminders()) == 1
    assert len(reminder_texts(texts)) == 1


def _database_for_another_process(tmp_path: Path) -> dict[str, str]:
    """The environment that points a `medoffice` process at what the test database holds: on
    SQLite a file copy of it (the test's is in memory), on PostgreSQL the test database itself.
    `migrate` made it for this run: a fresh installation's schema, nothing to migrate again."""
    env = {**os.environ, "MEDOFFICE_VAR_DIR": str(tmp_path)}
    if connection.vendor == "sqlite":
        sqlite_file_copy(tmp_path / "medoffice.sqlite3")
        env.pop("DATABASE_URL", None)
    else:
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


def test_medoffice_worker_runs_as_its_own_process(tmp_path, transactional_db):
    """`medoffice worker --batch` on a migrated, empty database: migrates nothing itself,
    queues the reminder sweep, the claim follow-up, the eligibility batch and pickup, the daily
    jobs and the statement cycle, runs them in the django-tasks-db worker and exits 0."""
    env = _database_for_another_process(tmp_path)

    worker = subprocess.run(
        [sys.executable, "-m", "medoffice.cli", "worker", "--batch"], env=env,
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip

    assert worker.returncode == 0, worker.stderr
    if connection.vendor == "sqlite":
        with sqlite3.connect(tmp_path / "medoffice.sqlite3") as db:
            rows = db.execute(
                "SELECT task_path, status FROM django_tasks_database_dbtaskresult"
            ).fetchall()
    else:
        rows = list(DBTaskResult.objects.values_list("task_path", "status"))
    assert sorted(rows) == [
        ("medoffice.accounts.tasks.run_statement_cycles", "SUCCESSFUL"),
        ("medoffice.billing.tasks.follow_up_claims", "SUCCESSFUL"),
        ("medoffice.eligibility.tasks.collect_responses", "SUCCESSFUL"),
        ("medoffice.eligibility.tasks.run_batch", "SUCCESSFUL"),
        ("medoffice.interop.tasks.clear_expired_searches", "SUCCESSFUL"),
        ("medoffice.inventory.tasks.inventory_daily_job", "SUCCESSFUL"),
        ("medoffice.messaging.tasks.send_due_reminders", "SUCCESSFUL"),
        ("medoffice.reports.tasks.rebuild_rollups", "SUCCESSFUL"),
        ("medoffice.scheduling.journal.prune_change_journal", "SUCCESSFUL"),
        ("medoffice.worklist.tasks.remind_due_tasks", "SUCCESSFUL"),
    ]
