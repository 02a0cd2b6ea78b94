"""Recurring appointments: local wall-clock times across DST, per-occurrence conflicts."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from medoffice.scheduling.models import Appointment, ScheduleException
from medoffice.scheduling.series import (
    OnConflict,
    appointment_book_series,
    appointment_cancel_series,
)
from tests.scheduling.conftest import CHICAGO, next_weekday_at


def next_dst_change(after) -> datetime:
    """The first local date after `after` whose UTC offset differs from the day before."""
    day = after
    while True:
        day += timedelta(days=1)
        noon = datetime.combine(day, time(12), CHICAGO)
        if noon.utcoffset() != (noon - timedelta(days=1)).utcoffset():
            return day


def tuesday_before_dst_change() -> datetime:
    earliest = datetime.now(CHICAGO).date() + timedelta(days=2)
    change = next_dst_change(earliest)
    day = max(earliest, change - timedelta(days=14))
    while day.weekday() != 1:
        day += timedelta(days=1)
    if day >= change:  # too close to this change: the next one
        change = next_dst_change(change)
        day = change - timedelta(days=14)
        while day.weekday() != 1:
            day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), CHICAGO)


@pytest.fixture
def series_args(office, patient, visit_type, provider, location):
    visit_type.max_days_ahead = 365
    visit_type.save()
    return {
        "patient": patient, "appointment_type": visit_type, "provider": provider,
        "location": location,
    }  # fmt: skip


def test_weekly_visits_keep_their_local_time_across_a_dst_change(series_args):
    first = tuesday_before_dst_change()
    outcomes = appointment_book_series(first_starts_at=first, every_weeks=1, count=4,
                                       **series_args)  # fmt: skip
    local = [o.appointment.starts_at.astimezone(CHICAGO) for o in outcomes]
    assert [t.strftime("%H:%M") for t in local] == ["09:00"] * 4
    assert len({t.utcoffset() for t in local}) == 2  # the series does cross the change
    assert len({o.appointment.series for o in outcomes}) == 1


def test_a_taken_week_is_skipped_or_moved_to_the_nearest_time(series_args, book, patients):
    (other,) = patients(1)
    first = next_weekday_at(9, 0)
    book(other, first + timedelta(weeks=1))  # week 2 at 9:00 is taken
    ScheduleException.objects.create(
        location=series_args["location"], provider=series_args["provider"], reason="Vacation",
        starts_at=first + timedelta(weeks=2) - timedelta(hours=2),
        ends_at=first + timedelta(weeks=2, hours=4),
    )  # fmt: skip
    skipped = appointment_book_series(first_starts_at=first, every_weeks=1, count=4,
                                      **series_args)  # fmt: skip
    assert [bool(o.appointment) for o in skipped] == [True, False, False, True]
    assert "taken" in skipped[1].problem
    assert "does not see" in skipped[2].problem
    for o in skipped:
        if o.appointment:
            appointment_cancel_series(appointment=o.appointment, reason="Redo")
            break
    moved = appointment_book_series(first_starts_at=first, every_weeks=1, count=4,
                                    on_conflict=OnConflict.NEAREST, **series_args)  # fmt: skip
    assert moved[1].moved
    assert moved[1].appointment.starts_at.astimezone(CHICAGO).date() == (
        (first + timedelta(weeks=1)).date()
    )
    assert moved[2].appointment is None  # the provider is away all that morning


def test_cancelling_the_series_from_one_visit_cancels_it_and_the_later_ones(series_args):
    outcomes = appointment_book_series(first_starts_at=next_weekday_at(10, 0), every_weeks=2,
                                       count=3, **series_args)  # fmt: skip
    cancelled = appointment_cancel_series(appointment=outcomes[1].appointment, reason="Moved")
    assert [a.pk for a in cancelled] == [o.appointment.pk for o in outcomes[1:]]
    statuses = [Appointment.objects.get(pk=o.appointment.pk).status for o in outcomes]
    assert statuses == ["booked", "cancelled", "cancelled"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"every_weeks": 0, "count": 4}, "every_weeks"), ({"every_weeks": 1, "count": 1}, "count"),
     ({"every_weeks": 1, "count": 53}, "count"),
     ({"every_weeks": 1, "count": 4, "on_conflict": "pray"}, "on_conflict")],
)  # fmt: skip
def test_bad_series_settings_are_refused(series_args, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        appointment_book_series(first_starts_at=next_weekday_at(9, 0), **kwargs, **series_args)
    assert field in excinfo.value.message_dict
    assert not Appointment.objects.exists()


def test_the_booking_screen_books_a_series(series_args, front_desk, client_for):
    patient, visit_type = series_args["patient"], series_args["appointment_type"]
    first = next_weekday_at(9, 0)
    response = client_for(front_desk).post(
        reverse("scheduling:appointment-book", args=[patient.public_id]),
        {"appointment_type": visit_type.pk, "repeat_weeks": "1", "occurrences": "3",
         "on_conflict": "skip", "starts_at": first.isoformat(),
         "slot_provider": series_args["provider"].pk, "slot_location": series_args["location"].pk},
        follow=True,
    )  # fmt: skip
    assert "Booked 3 of 3 visits of the series" in response.content.decode()
    assert Appointment.objects.filter(patient=patient).count() == 3
