"""Same-day urgent care: blocks held back until a set hour, open to urgent visits that day."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from medoffice.scheduling.models import Appointment, TemplateBlock
from medoffice.scheduling.selectors import Preferences, find_slots
from tests.scheduling.conftest import CHICAGO, next_weekday_at


@pytest.fixture
def held(office, provider, location):
    """Tuesdays 13:00-14:00: held for urgent care until 11:00 that day."""
    return TemplateBlock.objects.create(
        provider=provider, location=location, weekday=1, start_time=time(13, 0),
        end_time=time(14, 0), slot_minutes=15, urgent_until=time(11, 0),
    )  # fmt: skip


def afternoon(slots):
    return [s for s in slots if s.starts_at.astimezone(CHICAGO).hour == 13]


def test_held_times_are_never_offered_ahead(held, visit_type, provider):
    slots = find_slots(appointment_type=visit_type, limit=200, days=14,
                       prefs=Preferences(provider_ids=(provider.id,)))  # fmt: skip
    assert slots
    assert afternoon(slots) == []


def test_on_the_day_urgent_care_gets_them_and_at_the_hour_everyone(held, visit_type, freeze,
                                                                   provider):  # fmt: skip
    mine = Preferences(provider_ids=(provider.id,))
    freeze(next_weekday_at(8, 0))
    assert afternoon(find_slots(appointment_type=visit_type, limit=200, days=0, prefs=mine)) == []
    urgent = find_slots(
        appointment_type=visit_type,
        limit=200,
        days=0,
        prefs=Preferences(provider_ids=(provider.id,), urgent=True),
    )
    assert len(afternoon(urgent)) == 3  # 13:00, 13:15, 13:30 (30-minute visits)
    freeze(next_weekday_at(11, 0))
    assert len(afternoon(find_slots(appointment_type=visit_type, limit=200, days=0,
                                    prefs=mine))) == 3  # fmt: skip


def test_booking_a_held_time_says_why_and_urgent_is_today_only(held, book, patients, freeze):
    first, second = patients(2)
    with pytest.raises(ValidationError, match="Held for same-day urgent visits until 11:00 AM"):
        book(first, next_weekday_at(13, 0))
    with pytest.raises(ValidationError, match="today only"):
        book(first, next_weekday_at(13, 0), urgent=True)
    freeze(next_weekday_at(9, 0))
    visit = book(first, next_weekday_at(13, 0), urgent=True)
    assert visit.urgent
    with pytest.raises(ValidationError, match="Held"):
        book(second, next_weekday_at(13, 30))
    freeze(next_weekday_at(11, 5))
    assert book(second, next_weekday_at(13, 30)).urgent is False


def test_the_booking_screen_finds_and_books_urgent_times(held, patients, visit_type, freeze,
                                                         front_desk, client_for):  # fmt: skip
    (patient,) = patients(1)
    freeze(next_weekday_at(10, 0))
    client = client_for(front_desk)
    url = reverse("scheduling:appointment-book", args=[patient.public_id])
    search = {"appointment_type": visit_type.pk, "urgent": "on", "part_of_day": "afternoon"}
    page = client.get(url, search).content.decode()
    assert "1:00 PM" in page
    when = next_weekday_at(13, 0)
    response = client.post(url, {
        "appointment_type": visit_type.pk, "urgent": "on", "starts_at": when.isoformat(),
        "slot_provider": held.provider_id, "slot_location": held.location_id,
    })  # fmt: skip
    assert response.status_code == 302
    assert Appointment.objects.get(patient=patient).urgent


def test_a_telehealth_visit_is_place_of_service_10(office, book, patients, practice):
    from medoffice.scheduling.models import AppointmentType

    video = AppointmentType.objects.create(
        practice=practice, name="Video visit", duration_minutes=20, modality="telehealth"
    )
    (patient,) = patients(1)
    visit = book(patient, next_weekday_at(9, 0), type_=video)
    assert visit.place_of_service == "10"
    assert visit.telehealth_url.startswith("https://")
    assert book(patient, next_weekday_at(10, 0)).place_of_service == "11"
