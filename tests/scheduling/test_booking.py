"""Booking holds every resource at once; the database refuses any overlap."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import Hold
from medoffice.scheduling.selectors import Preferences, find_slots
from medoffice.scheduling.services import appointment_book, appointment_cancel
from tests.scheduling.conftest import CHICAGO, next_weekday_at


@pytest.fixture
def office(weekday_mornings, rooms, location, provider):
    return location


def _book(patient, visit_type, provider, location, starts_at, **kw):
    return appointment_book(
        patient=patient, appointment_type=visit_type, provider=provider, location=location,
        starts_at=starts_at, **kw,
    )  # fmt: skip


def test_the_finder_offers_template_times_in_wall_clock_order(office, visit_type, provider):
    after = next_weekday_at(0)
    slots = find_slots(
        appointment_type=visit_type, after=after, limit=4,
        prefs=Preferences(provider_ids=(provider.id,)),
    )  # fmt: skip
    local = [s.starts_at.astimezone(CHICAGO).strftime("%H:%M") for s in slots]
    assert local == ["09:00", "09:15", "09:30", "09:45"]
    assert all(s.room_id is not None for s in slots)


def test_a_booked_time_is_held_and_no_longer_offered(office, visit_type, provider, patient):
    start = next_weekday_at(9)
    appointment = _book(patient, visit_type, provider, office, start)
    kinds = set(Hold.objects.filter(appointment=appointment).values_list("kind", flat=True))
    assert kinds == {"P", "T", "R"}
    assert Hold.objects.filter(appointment=appointment, kind="P").count() == 6  # 30 min
    slots = find_slots(
        appointment_type=visit_type, after=next_weekday_at(0), limit=3,
        prefs=Preferences(provider_ids=(provider.id,)),
    )  # fmt: skip
    assert [s.starts_at.astimezone(CHICAGO).strftime("%H:%M") for s in slots] == [
        "09:30", "09:45", "10:00",
    ]  # fmt: skip


def test_the_same_provider_time_cannot_be_booked_twice(
    office, visit_type, provider, patient, make_patient
):
    start = next_weekday_at(10)
    _book(patient, visit_type, provider, office, start)
    other = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    with pytest.raises((SlotTakenError, ValidationError)):
        _book(other, visit_type, provider, office, start + timedelta(minutes=15))
    assert Hold.objects.filter(kind="T", resource_id=other.id).count() == 0


def test_cancelling_releases_the_time(office, visit_type, provider, patient, make_patient):
    start = next_weekday_at(11)
    appointment = _book(patient, visit_type, provider, office, start)
    appointment_cancel(appointment=appointment, reason="patient called")
    assert not Hold.objects.filter(appointment=appointment).exists()
    other = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    assert _book(other, visit_type, provider, office, start).starts_at == start


def test_booking_outside_the_template_is_refused_without_override(
    office, visit_type, provider, patient
):
    evening = next_weekday_at(18)
    with pytest.raises(ValidationError) as excinfo:
        _book(patient, visit_type, provider, office, evening)
    assert "starts_at" in excinfo.value.message_dict
    assert _book(patient, visit_type, provider, office, evening, override=True).overbooked is False
