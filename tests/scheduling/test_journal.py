"""The change journal: one row per committed change, in the order of a visit's changes, each
taken once by each reader, and kept a week after both took it."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from medoffice.scheduling.journal import FEED, KEEP_DONE, NOTICE, journal_prune, journal_take
from medoffice.scheduling.models import AppointmentChange
from medoffice.scheduling.services import appointment_cancel, appointment_reschedule
from tests.scheduling.conftest import next_weekday_at


def test_a_visits_changes_are_journalled_in_order_and_a_rolled_back_one_not_at_all(
    office, book, patients
):
    first, second = patients(2)
    appointment = book(first, next_weekday_at(9, 0))
    appointment_reschedule(appointment=appointment, starts_at=next_weekday_at(10, 0))

    def failing_request():
        with transaction.atomic():
            book(second, next_weekday_at(11, 0))
            raise RuntimeError("the request failed after booking")

    with pytest.raises(RuntimeError):
        failing_request()
    appointment_cancel(appointment=appointment, reason="Feeling better")

    rows = list(AppointmentChange.objects.order_by("id"))
    assert [(r.appointment_id, r.event) for r in rows] == [
        (appointment.id, "booked"), (appointment.id, "rescheduled"), (appointment.id, "cancelled"),
    ]  # fmt: skip
    assert [r.starts_at for r in rows] == [next_weekday_at(9, 0)] + [next_weekday_at(10, 0)] * 2
    was = datetime.fromisoformat(rows[1].snapshot["previous"]["starts_at"])
    assert was == next_weekday_at(9, 0)


def test_each_reader_takes_each_row_once(office, book, patients):
    for n, patient in enumerate(patients(3)):
        book(patient, next_weekday_at(9 + n, 0))

    with transaction.atomic():
        taken = journal_take(FEED, limit=2)
    with transaction.atomic():
        rest = journal_take(FEED, limit=2)
    with transaction.atomic():
        assert journal_take(FEED, limit=2) == []
        notices = journal_take(NOTICE, limit=10)  # the other reader's marks are its own

    assert [r.id for r in taken + rest] == [r.id for r in notices] == sorted(r.id for r in notices)


def test_rows_both_readers_took_go_after_a_week(office, book, patients):
    first, second = patients(2)
    book(first, next_weekday_at(9, 0))
    book(second, next_weekday_at(10, 0))
    long_ago = timezone.now() - KEEP_DONE - timedelta(hours=1)
    old, waiting = AppointmentChange.objects.order_by("id")
    AppointmentChange.objects.filter(id=old.id).update(
        feed_done_at=long_ago, notice_done_at=long_ago
    )
    AppointmentChange.objects.filter(id=waiting.id).update(feed_done_at=long_ago)  # notice waits

    assert journal_prune() == 1
    assert list(AppointmentChange.objects.values_list("id", flat=True)) == [waiting.id]
