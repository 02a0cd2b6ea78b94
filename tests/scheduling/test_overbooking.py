"""Controlled overbooking: deliberate, audited, and within the provider's daily limit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import Appointment
from tests.scheduling.conftest import counts, next_weekday_at


@pytest.fixture
def full_morning(office, book, patients):
    """9:00 is booked; the provider allows one overbooked visit a day."""
    first, *_ = patients(1)
    appointment = book(first, next_weekday_at(9, 0))
    appointment.provider.max_overbooks_per_day = 1
    appointment.provider.save()
    return appointment


def test_an_overbooking_holds_the_room_and_patient_but_not_the_provider(
    full_morning, book, patients, audit_mark, audit_since
):
    (second,) = patients(1)
    with pytest.raises(SlotTakenError):
        book(second, next_weekday_at(9, 0))
    mark = audit_mark()
    extra = book(second, next_weekday_at(9, 0), overbook=True)
    assert extra.overbooked
    assert extra.room_id != full_morning.room_id  # the second exam room
    assert set(extra.holds.values_list("kind", flat=True)) == {"T", "R"}
    assert [e.detail for e in audit_since(mark)] == ["booked overbook"]


def test_the_daily_limit_is_enforced(full_morning, book, patients):
    second, third = patients(2)
    book(second, next_weekday_at(9, 0), overbook=True)
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        book(third, next_weekday_at(10, 0), overbook=True)
    assert "at most 1 overbooked" in excinfo.value.message_dict["overbook"][0]
    assert counts() == before
    # the next day is a new day
    assert book(third, next_weekday_at(9, 0, weekday=2), overbook=True).overbooked


def test_a_cancelled_overbooking_gives_its_place_back(full_morning, book, patients):
    from medoffice.scheduling.services import appointment_cancel

    second, third = patients(2)
    extra = book(second, next_weekday_at(9, 0), overbook=True)
    appointment_cancel(appointment=extra, reason="Feeling better")
    assert book(third, next_weekday_at(9, 0), overbook=True).overbooked


def test_no_overbooking_for_a_provider_whose_limit_is_zero(full_morning, book, patients):
    full_morning.provider.max_overbooks_per_day = 0
    full_morning.provider.save()
    (second,) = patients(1)
    with pytest.raises(ValidationError):
        book(second, next_weekday_at(9, 0), overbook=True)


def test_the_booking_screen_books_a_named_time_over_a_visit(
    full_morning, patients, visit_type, front_desk, client_for
):
    (second,) = patients(1)
    client = client_for(front_desk)
    url = reverse("scheduling:appointment-book", args=[second.public_id])
    when = next_weekday_at(9, 0)
    data = {
        "appointment_type": visit_type.pk, "reason": "Fever", "mode": "specific",
        "at-day": when.date().isoformat(), "at-time": "09:00",
        "at-provider": full_morning.provider.pk, "at-location": full_morning.location.pk,
    }  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert "Tick overbook" in refused.content.decode()
    response = client.post(url, data | {"at-overbook": "on"})
    assert response.status_code == 302
    extra = Appointment.objects.get(patient=second)
    assert extra.overbooked
    assert extra.starts_at == when
    assert extra.reason == "Fever"
