"""The worker delivers the feed: bookings committed with the database queue reach the directory
once `medoffice worker` runs, in order, one file per message."""

import signal

import pytest
from django.core.management import call_command

from medoffice.interop.models import OutboundStatus
from tests.interop.conftest import messages
from tests.scheduling.conftest import next_weekday_at


@pytest.fixture
def signals_restored():
    """db_worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


# The worker closes connections it finds inside a transaction: this test commits.
@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_files_of_committed_bookings(
    transactional_db, settings, feed_dir, office, book, patients, signals_restored
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "messaging"]}}  # fmt: skip
    for n, patient in enumerate(patients(3)):
        book(patient, next_weekday_at(9 + n, 0))
    assert not feed_dir.exists() or not list(feed_dir.iterdir())

    call_command("run_worker", batch=True, sweep_every=0, verbosity=0)

    queued = messages()
    assert [m.status for m in queued] == [OutboundStatus.SENT] * 3
    assert sorted(p.name for p in feed_dir.iterdir()) == [
        m.destination.rsplit("/", 1)[1] for m in queued
    ]
