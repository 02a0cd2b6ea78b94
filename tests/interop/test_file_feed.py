"""The default feed: one file per committed change, written whole, in an owner-only directory,
by the worker in batches."""

import logging
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from medoffice.interop import feed, services
from medoffice.interop.models import OutboundMessage, OutboundStatus
from medoffice.interop.transports import Outgoing, ReceiverUnavailable
from medoffice.interop.transports.file import FileDrop, file_name
from medoffice.scheduling.models import AppointmentChange
from medoffice.scheduling.services import appointment_cancel, appointment_reschedule
from tests.interop.conftest import messages
from tests.interop.hl7 import er7, parse_strict
from tests.scheduling.conftest import next_weekday_at


def files(directory) -> list:
    return sorted(directory.iterdir()) if directory.exists() else []


def test_each_change_writes_one_file_in_order(
    feed_dir, office, book, patients, django_capture_on_commit_callbacks
):
    (patient,) = patients(1)

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(patient, next_weekday_at(9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(appointment=appointment, starts_at=next_weekday_at(10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, reason="Feeling better")

    written = files(feed_dir)
    assert [path.name.rsplit("_", 1)[1] for path in written] == ["S12.hl7", "S13.hl7", "S15.hl7"]
    triggers = [er7(parse_strict(path.read_bytes().decode()).msh.msh_9.msg_2) for path in written]
    assert triggers == ["S12", "S13", "S15"]


def test_the_file_is_the_outbox_message_named_by_time_control_id_and_trigger(
    feed_dir, office, book, patients, django_capture_on_commit_callbacks
):
    (patient,) = patients(1)
    with django_capture_on_commit_callbacks(execute=True):
        book(patient, next_weekday_at(9, 0))

    (message,) = messages()
    (path,) = files(feed_dir)
    made = message.created_at.strftime("%Y%m%dT%H%M%S%fZ")
    assert path.name == f"{made}_{message.control_id}_S12.hl7"
    assert path.read_bytes() == message.text.encode()
    assert message.destination == str(path)
    assert message.status == OutboundStatus.SENT
    assert message.attempts == 1
    assert message.claimed_until is None


def test_directory_is_owner_only_and_files_are_private(
    feed_dir, office, book, patients, django_capture_on_commit_callbacks
):
    (patient,) = patients(1)
    with django_capture_on_commit_callbacks(execute=True):
        book(patient, next_weekday_at(9, 0))

    (path,) = files(feed_dir)
    assert stat.S_IMODE(feed_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(feed_dir.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_resend_replaces_the_same_file_and_leaves_no_temporary_one(tmp_path):
    outgoing = Outgoing(control_id="ABC", trigger="S12", text="MSH|x\r", created_at=timezone.now())

    with FileDrop(tmp_path / "out").session() as session:
        session.send(outgoing)
        session.send(outgoing)

    assert [p.name for p in files(tmp_path / "out")] == [file_name(outgoing)]


def test_a_rolled_back_booking_produces_no_message(
    feed_dir, office, book, patients, django_capture_on_commit_callbacks
):
    (patient,) = patients(1)

    def failing_request():
        with transaction.atomic():
            book(patient, next_weekday_at(9, 0))
            raise RuntimeError("the clerk's request failed after booking")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_request()

    assert messages() == []
    assert files(feed_dir) == []


def test_off_means_no_outbox_and_no_files(
    settings, feed_dir, office, book, patients, django_capture_on_commit_callbacks
):
    settings.MEDOFFICE_HL7_FEED = {"transport": "off"}
    (patient,) = patients(1)

    with django_capture_on_commit_callbacks(execute=True):
        book(patient, next_weekday_at(9, 0))

    assert messages() == []
    assert files(feed_dir) == []


def test_an_unwritable_directory_keeps_the_message_pending_and_the_booking(
    settings, tmp_path, office, book, patients, django_capture_on_commit_callbacks
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDOFFICE_HL7_FEED = {"transport": "file", "directory": blocker / "out"}
    (patient,) = patients(1)

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(patient, next_weekday_at(9, 0))

    appointment.refresh_from_db()
    (message,) = messages()
    assert message.status == OutboundStatus.PENDING
    assert message.attempts == 1
    assert "cannot write" in message.last_error
    assert message.claimed_until is None

    settings.MEDOFFICE_HL7_FEED = {"transport": "file", "directory": tmp_path / "out"}
    report = services.outbox_deliver()
    assert report.sent == [message.control_id]
    assert len(files(tmp_path / "out")) == 1


def test_a_failing_feed_never_fails_the_booking_and_logs_no_phi(
    feed_dir, office, book, patients, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    (patient,) = patients(1)

    def broken(*args, **kwargs):
        raise ValueError(f"cannot encode {patient.last_name} {patient.mrn}")

    monkeypatch.setattr(feed, "appointment_snapshot", broken)
    with (
        caplog.at_level(logging.INFO, logger="medoffice.interop"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        appointment = book(patient, next_weekday_at(9, 0))

    assert appointment.pk is not None
    (record,) = [r for r in caplog.records if r.name.startswith("medoffice.interop")]
    assert "not queued (ValueError)" in record.getMessage()
    assert patient.last_name not in caplog.text
    assert patient.mrn not in caplog.text
    assert record.exc_info is None  # a traceback would carry the exception's text


def test_a_message_that_cannot_be_rendered_is_failed_and_the_rest_go_out(
    feed_dir, office, book, patients, monkeypatch, caplog
):
    """The worker renders each message from the snapshot its change queued; one that fails
    to render (here: its snapshot damaged) is marked failed without PHI in the log, and the
    messages after it are still sent."""
    first, second = patients(2)
    book(first, next_weekday_at(9, 0))
    book(second, next_weekday_at(10, 0))
    services.outbox_fill()  # the worker makes the messages from the journal's rows
    broken, fine = messages()
    assert broken.text == ""
    assert broken.snapshot["patient_id"] == first.id
    OutboundMessage.objects.filter(id=broken.id).update(
        snapshot=broken.snapshot | {"starts_at": f"{first.last_name} {first.mrn}"}
    )

    with caplog.at_level(logging.INFO, logger="medoffice.interop"):
        report = services.outbox_deliver()

    assert report.sent == [fine.control_id]
    broken.refresh_from_db()
    assert broken.status == OutboundStatus.FAILED
    assert broken.text == ""
    assert "could not be rendered (ValueError)" in broken.last_error
    assert [f.name.split("_")[1] for f in files(feed_dir)] == [fine.control_id]
    assert first.last_name not in caplog.text
    assert first.mrn not in caplog.text


@pytest.fixture
def database_queue(settings):
    """Background work goes to django-tasks-db, as in production: a worker reads the outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "messaging"]}}  # fmt: skip


def test_with_a_worker_the_booking_only_writes_the_journal_and_the_worker_sends_batches(
    feed_dir, database_queue, office, book, patients, django_capture_on_commit_callbacks
):
    people = patients(5)
    with django_capture_on_commit_callbacks(execute=True):
        for n, patient in enumerate(people):
            book(patient, next_weekday_at(9 + n // 2, 30 * (n % 2)))
    assert files(feed_dir) == []  # nothing written in the requests
    assert messages() == []  # nor any message made: the journal's rows wait for the worker
    assert AppointmentChange.objects.filter(feed_done_at=None).count() == 5
    assert not DBTaskResult.objects.filter(task_path__endswith="deliver_hl7_outbox").exists()

    report = services.outbox_deliver(batch_size=2)  # what the worker's feed clock runs

    queued = messages()
    assert [m.appointment.patient for m in queued] == people  # in the order of the changes
    assert not AppointmentChange.objects.filter(feed_done_at=None).exists()
    assert report.batches == 3
    assert report.sent == [m.control_id for m in queued]  # oldest first
    written = files(feed_dir)
    assert [p.name for p in written] == [Path(m.destination).name for m in queued]
    assert [p.read_bytes() for p in written] == [m.text.encode() for m in queued]
    assert {(m.status, m.attempts, m.claimed_until) for m in queued} == {
        (OutboundStatus.SENT, 1, None)
    }
    assert not list(feed_dir.glob(".*.tmp"))
    assert services.outbox_deliver().sent == []  # exactly once: nothing goes twice
    assert len(messages()) == 5  # and no change becomes two messages


def test_each_journal_row_becomes_one_message_once(
    feed_dir, database_queue, office, book, patients
):
    """Two workers filling the outbox one after the other: the second finds nothing left; a
    change the feed has taken keeps its row for the notice until that is queued too."""
    first, second = patients(2)
    book(first, next_weekday_at(9, 0))
    book(second, next_weekday_at(10, 0))

    assert services.outbox_fill(limit=1) == 2  # in transactions of one row each
    assert services.outbox_fill() == 0
    assert [m.trigger for m in messages()] == ["S12", "S12"]
    assert AppointmentChange.objects.filter(feed_done_at=None).count() == 0
    assert AppointmentChange.objects.filter(notice_done_at=None).count() == 2


def test_a_batch_left_by_a_worker_that_died_is_written_again_to_the_same_files(
    feed_dir, database_queue, office, book, patients, freeze
):
    first, second = patients(2)
    book(first, next_weekday_at(9, 0))
    book(second, next_weekday_at(10, 0))
    # A worker claims the batch and writes its files, then dies before recording it.
    services.outbox_fill()
    batch = services._claim_batch((OutboundStatus.PENDING,), None, 10, 0)
    FileDrop(feed_dir).send_many([services._outgoing(m) for m in batch])
    before = {p.name: p.read_bytes() for p in files(feed_dir)}
    assert len(before) == 2

    report = services.outbox_deliver()  # another worker, while the claim lives
    assert report.busy
    assert report.sent == []

    freeze(timezone.now() + services._claim_period() + timedelta(seconds=1))
    report = services.outbox_deliver()  # the claim has expired: the batch goes again

    assert report.sent == [m.control_id for m in batch]
    assert {p.name: p.read_bytes() for p in files(feed_dir)} == before  # no second copy
    assert {m.status for m in messages()} == {OutboundStatus.SENT}


def test_a_batch_is_written_whole_in_order_with_private_files(tmp_path):
    made = timezone.now()
    batch = [
        Outgoing(control_id=f"C{n:02d}", trigger="S12", text=f"MSH|{n}\r", created_at=made
                 + timedelta(microseconds=n))
        for n in range(12)
    ]  # fmt: skip

    destinations = FileDrop(tmp_path / "out").send_many(batch)

    written = files(tmp_path / "out")
    assert [str(p) for p in written] == destinations
    assert [p.read_bytes() for p in written] == [m.text.encode() for m in batch]
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}


def test_a_batch_that_cannot_be_written_leaves_no_file_and_is_reported_unavailable(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    outgoing = Outgoing(control_id="ABC", trigger="S12", text="MSH|x\r", created_at=timezone.now())

    with pytest.raises(ReceiverUnavailable, match="cannot write"):
        FileDrop(blocker / "out").send_many([outgoing])
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-directory"]


def test_the_hl7_message_and_the_patients_notice_are_queued_inside_the_booking(
    office, patients, book, settings, tmp_path
):
    """With the database task queue, the booking's own transaction (before any commit)
    writes one row of the change journal, for both the feed (with the visit's snapshot)
    and the notice: it commits, or rolls back, with the booking. The message and the
    notice's task are the worker's (no outbox row, no task row, no file)."""
    settings.MEDOFFICE_HL7_FEED = {"transport": "file", "directory": tmp_path / "hl7"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "messaging"]}}  # fmt: skip
    (patient,) = patients(1)
    with CaptureQueriesContext(connection) as queries:
        appointment = book(patient, next_weekday_at(9))
    assert connection.in_atomic_block  # the test's transaction: nothing has committed
    (change,) = AppointmentChange.objects.filter(appointment=appointment)
    assert (change.event, change.feed_done_at, change.notice_done_at) == ("booked", None, None)
    assert change.snapshot["public_id"] == str(appointment.public_id)
    assert change.starts_at == appointment.starts_at
    assert not OutboundMessage.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not any(q["sql"].upper().startswith("COMMIT") for q in queries)
    assert not list((tmp_path / "hl7").glob("*"))  # the worker writes the file

    from medoffice.messaging.management.commands.run_worker import pass_on_changes

    pass_on_changes()  # what the worker's feed clock runs

    (message,) = OutboundMessage.objects.filter(appointment=appointment)
    assert message.status == OutboundStatus.SENT
    (notice,) = DBTaskResult.objects.filter(task_path__endswith="send_appointment_notice")
    public_id, event, starts_at = notice.args_kwargs["args"]
    assert (public_id, event) == (str(appointment.public_id), "booked")
    assert datetime.fromisoformat(starts_at) == appointment.starts_at
    assert len(list((tmp_path / "hl7").glob("*.hl7"))) == 1
    pass_on_changes()  # nothing twice
    assert OutboundMessage.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_appointment_notice").count() == 1


def test_a_feed_that_is_off_leaves_the_journal_to_the_notice(
    settings, feed_dir, database_queue, office, book, patients
):
    settings.MEDOFFICE_HL7_FEED = {"transport": "off"}
    (patient,) = patients(1)
    appointment = book(patient, next_weekday_at(9, 0))

    (change,) = AppointmentChange.objects.filter(appointment=appointment)
    assert change.snapshot is None
    assert change.feed_done_at is not None  # the feed does not wait for it
    assert change.notice_done_at is None
