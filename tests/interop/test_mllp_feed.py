"""The MLLP transport against a real receiver on 127.0.0.1: ACKs, refusals, outages, resends."""

import pytest

from medoffice.cli import main
from medoffice.interop.models import OutboundStatus
from medoffice.interop.selectors import WAITING
from medoffice.interop.services import outbox_deliver, outbox_fill
from medoffice.scheduling.services import appointment_cancel
from tests.interop.conftest import messages
from tests.interop.hl7 import er7, parse_strict
from tests.interop.mllp_receiver import MllpReceiver, closed_port
from tests.scheduling.conftest import next_weekday_at


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """commit(fn, *args): run fn and its on-commit callbacks (the feed), return its result."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def down(settings):
    settings.MEDOFFICE_HL7_FEED = {"transport": "mllp", "host": "127.0.0.1", "port": closed_port()}


@pytest.fixture
def quick_timeout(settings):
    settings.MEDOFFICE_HL7_TIMEOUT_SECONDS = 1


def test_a_booking_is_sent_and_acknowledged(settings, office, book, patients, commit):
    (patient,) = patients(1)
    with MllpReceiver("AA") as receiver:
        settings.MEDOFFICE_HL7_FEED = receiver.feed_setting()
        commit(book, patient, next_weekday_at(9, 0))

    (message,) = messages()
    assert receiver.received == [message.text]
    assert er7(parse_strict(receiver.received[0]).msh.msh_9.msg_2) == "S12"
    assert message.status == OutboundStatus.SENT
    assert message.destination == f"mllp://127.0.0.1:{receiver.port}"


def test_a_receiver_that_is_down_loses_nothing_and_the_booking_stands(
    settings, down, office, book, patients, commit
):
    (patient,) = patients(1)

    appointment = commit(book, patient, next_weekday_at(9, 0))
    commit(appointment_cancel, appointment=appointment, reason="Feeling better")

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    first, second = messages()
    assert (first.status, first.attempts) == (OutboundStatus.PENDING, 2)
    assert "ConnectionRefusedError" in first.last_error
    assert second.status == OutboundStatus.PENDING

    with MllpReceiver("AA") as receiver:
        settings.MEDOFFICE_HL7_FEED = receiver.feed_setting()
        main(["hl7", "resend"])

    assert [er7(parse_strict(t).msh.msh_9.msg_2) for t in receiver.received] == ["S12", "S15"]
    assert receiver.connections == 1  # one connection carries the backlog
    assert {m.status for m in messages()} == {OutboundStatus.SENT}


def test_a_refused_message_is_kept_as_failed_and_resent_on_request(
    settings, office, book, patients, commit, capsys
):
    first_patient, second_patient = patients(2)
    with MllpReceiver("AE") as refusing:
        settings.MEDOFFICE_HL7_FEED = refusing.feed_setting()
        commit(book, first_patient, next_weekday_at(9, 0))
    (refused,) = messages()
    assert refused.status == OutboundStatus.FAILED
    assert refused.last_error == "AE: Unknown provider"

    with MllpReceiver("AA") as receiver:
        settings.MEDOFFICE_HL7_FEED = receiver.feed_setting()
        commit(book, second_patient, next_weekday_at(10, 0))
        assert len(receiver.received) == 1  # a refused message waits for a person to look
        main(["hl7", "resend"])

    assert receiver.received[1] == refused.text
    assert {m.status for m in messages()} == {OutboundStatus.SENT}
    assert "HL7 messages sent: 1" in capsys.readouterr().out


def test_a_receiver_that_never_answers_times_out_and_keeps_the_message(
    settings, quick_timeout, office, book, patients, commit
):
    (patient,) = patients(1)
    with MllpReceiver("silent") as receiver:
        settings.MEDOFFICE_HL7_FEED = receiver.feed_setting()
        commit(book, patient, next_weekday_at(9, 0))

    (message,) = messages()
    assert len(receiver.received) == 1
    assert message.status == OutboundStatus.PENDING
    assert message.last_error.endswith("timed out")


def test_an_acknowledgment_of_another_message_is_no_acknowledgment(
    settings, office, book, patients, commit
):
    (patient,) = patients(1)
    with MllpReceiver("wrong-id") as receiver:
        settings.MEDOFFICE_HL7_FEED = receiver.feed_setting()
        commit(book, patient, next_weekday_at(9, 0))

    (message,) = messages()
    assert message.status == OutboundStatus.FAILED
    assert "another message" in message.last_error


def test_resend_exits_1_naming_where_it_stopped(down, office, book, patients, commit, capsys):
    (patient,) = patients(1)
    commit(book, patient, next_weekday_at(9, 0))
    (message,) = messages()

    with pytest.raises(SystemExit) as caught:
        main(["hl7", "resend"])

    assert caught.value.code == 1
    assert f"stopped at {message.control_id}" in capsys.readouterr().err


def test_the_outbox_lists_waiting_messages_without_phi(
    down, office, book, patients, commit, capsys
):
    (patient,) = patients(1)
    commit(book, patient, next_weekday_at(9, 0))
    (message,) = messages()

    main(["hl7", "outbox"])

    out = capsys.readouterr().out
    assert message.control_id in out
    assert f"{message.control_id}  S12  pending" in out
    assert patient.last_name not in out
    assert patient.mrn not in out


def test_delivery_by_statuses_leaves_sent_messages_alone(settings, office, book, patients, commit):
    (patient,) = patients(1)
    with MllpReceiver("AA") as receiver:
        settings.MEDOFFICE_HL7_FEED = receiver.feed_setting()
        commit(book, patient, next_weekday_at(9, 0))
        report = outbox_deliver(statuses=WAITING)

    assert report.sent == []
    assert len(receiver.received) == 1


def test_mllp_delivery_is_left_to_the_worker(settings, office, book, patients,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    """A network receiver is sent to by the worker: the booking's request never waits on it."""
    from medoffice.interop.models import OutboundMessage

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "messaging"]}}  # fmt: skip
    settings.MEDOFFICE_HL7_FEED = {"transport": "mllp", "host": "127.0.0.1", "port": 9}
    (patient,) = patients(1)
    with django_capture_on_commit_callbacks(execute=True):
        book(patient, next_weekday_at(9, 0))
    assert not OutboundMessage.objects.exists()  # the change's journal row waits for it
    assert outbox_fill() == 1  # what the worker's feed clock does first
    (message,) = OutboundMessage.objects.all()
    assert message.status == "pending"
    assert message.attempts == 0
    assert message.claimed_until is None


@pytest.mark.django_db(transaction=True)
def test_siu_round_trip_against_our_own_listener_which_refuses_it_with_ar(
    transactional_db, settings, office, book, patients, commit
):
    """SIU out, ACK in, both ends ours: our listener does not take SIU, so it answers AR
    with the reason, and the sender keeps the message as failed with that reason."""
    from medoffice.interop.listener import MllpListener

    (patient,) = patients(1)
    practice = patient.practice
    with MllpListener(practice=practice, host="127.0.0.1", port=0, timeout=2,
                      max_bytes=1 << 20) as listener:  # fmt: skip
        settings.MEDOFFICE_HL7_FEED = {
            "transport": "mllp", "host": "127.0.0.1", "port": listener.address[1],
        }  # fmt: skip
        commit(book, patient, next_weekday_at(9, 0))

    (message,) = messages()
    assert message.status == OutboundStatus.FAILED
    assert message.last_error == "AR: message type SIU is not taken here (ADT, ORU)"
    from medoffice.interop.models import InboundMessage

    stored = InboundMessage.objects.get()
    assert (stored.control_id, stored.ack_code) == (message.control_id, "AR")
    parse_strict(stored.ack_text)
