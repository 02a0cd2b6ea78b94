"""Listeners hear about an appointment change only once it is committed."""

import pytest
from django.db import transaction

from medoffice.scheduling.events import appointment_changed
from medoffice.scheduling.services import (
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from tests.scheduling.conftest import next_weekday_at


@pytest.fixture
def heard():
    events = []

    def listener(sender, appointment, event, previous, **kwargs):
        events.append((event, appointment.public_id, previous.get("starts_at")))

    appointment_changed.connect(listener, weak=False)
    yield events
    appointment_changed.disconnect(listener)


def test_each_change_is_announced_after_commit(
    heard, office, book, patients, django_capture_on_commit_callbacks, freeze
):
    (patient,) = patients(1)
    first = next_weekday_at(9, 0)
    with django_capture_on_commit_callbacks() as pending:
        appointment = book(patient, first)
    assert heard == []  # nothing before the commit
    for callback in pending:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(appointment=appointment, starts_at=next_weekday_at(10, 0))
        freeze(next_weekday_at(10, 20))
        appointment_set_status(appointment=appointment, status="noshow")
        appointment_set_status(appointment=appointment, status="booked")
        appointment_cancel(appointment=appointment, reason="Feeling better")
    assert [e for e, _, _ in heard] == ["booked", "rescheduled", "noshow", "status", "cancelled"]
    assert heard[1][2] == first  # the reschedule says where the visit was


def test_a_rolled_back_booking_is_never_announced(
    heard, office, book, patients, django_capture_on_commit_callbacks
):
    (patient,) = patients(1)

    def failing_request():
        with transaction.atomic():
            book(patient, next_weekday_at(9, 0))
            raise RuntimeError("the clerk's request failed after booking")

    with django_capture_on_commit_callbacks(execute=True) as pending, pytest.raises(RuntimeError):
        failing_request()
    assert pending == []
    assert heard == []
