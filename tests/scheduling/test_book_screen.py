"""Booking from a patient's record: find open times, take one; a time just taken is said."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from medoffice.core.models import Location, Provider
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.selectors import find_slots
from medoffice.scheduling.services import appointment_book


@pytest.fixture
def screen(weekday_mornings, rooms, patient):
    return reverse("scheduling:appointment-book", args=[patient.public_id])


def _post_for(slot, visit_type) -> dict:
    return {
        "appointment_type": visit_type.pk,
        "starts_at": slot.starts_at.isoformat(),
        "slot_provider": slot.provider_id,
        "slot_location": slot.location_id,
        "reason": "Cough",
    }


def test_the_screen_lists_open_times_and_books_the_one_clicked(
    screen, front_desk, client_for, visit_type, patient
):
    client = client_for(front_desk)
    page = client.get(screen, {"appointment_type": visit_type.pk})
    assert page.status_code == 200
    assert page.content.decode().count('name="starts_at"') == 12
    slot = find_slots(appointment_type=visit_type, limit=1, patient_id=patient.id)[0]
    response = client.post(screen, _post_for(slot, visit_type))
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert (booked.starts_at, booked.reason) == (slot.starts_at, "Cough")
    listing = client.get(response["Location"]).content.decode()
    assert "Booked Office visit" in listing


def test_a_time_taken_meanwhile_is_refused_with_fresh_times(
    screen, front_desk, client_for, visit_type, patient, make_patient
):
    slot = find_slots(appointment_type=visit_type, limit=1, patient_id=patient.id)[0]
    rival = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    for provider_id in {s.provider_id for s in find_slots(appointment_type=visit_type, limit=4)}:
        appointment_book(
            patient=rival if provider_id == slot.provider_id else make_patient(
                first_name=f"P{provider_id}", last_name="Other", mobile_phone=""),
            appointment_type=visit_type, provider=Provider.objects.get(pk=provider_id),
            location=Location.objects.get(pk=slot.location_id), starts_at=slot.starts_at,
        )  # fmt: skip
    response = client_for(front_desk).post(screen, _post_for(slot, visit_type))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Here are the times open now." in html
    assert slot.starts_at.isoformat() not in html
    assert not Appointment.objects.filter(patient=patient).exists()


def test_roles_that_cannot_book_are_refused(screen, make_user, client_for):
    assert client_for(make_user("coder")).get(screen).status_code == 403


def _shown(instant) -> str:
    """How the screen writes an instant: 'Tue 11/24/2026 9:00 AM'."""
    hour = instant.hour % 12 or 12
    return f"{instant:%a %m/%d/%Y} {hour}:{instant:%M} {'AM' if instant.hour < 12 else 'PM'}"


def test_open_times_are_shown_in_the_locations_wall_clock(
    screen, front_desk, client_for, visit_type, patient
):
    # The office is in Chicago while the server's zone is New York.
    first = find_slots(appointment_type=visit_type, limit=1, patient_id=patient.id)[0].starts_at
    html = client_for(front_desk).get(screen, {"appointment_type": visit_type.pk})
    first_row = html.content.decode().split('<td class="nowrap">', 1)[1].split("</td>", 1)[0]
    assert first_row == _shown(first.astimezone(ZoneInfo("America/Chicago")))
    assert first_row != _shown(first.astimezone(ZoneInfo("America/New_York")))


def test_a_tampered_booking_post_is_refused_and_books_nothing(
    screen, front_desk, client_for, visit_type, patient
):
    response = client_for(front_desk).post(
        screen, {"appointment_type": visit_type.pk, "starts_at": "soon", "slot_provider": "x"}
    )
    assert response.status_code == 422
    assert "Choose one of the times offered." in response.content.decode()
    assert not Appointment.objects.filter(patient=patient).exists()


def test_each_offered_time_carries_the_search_into_its_booking(
    screen, visit_type, front_desk, client_for
):
    search = {"appointment_type": visit_type.pk, "reason": "Cough", "repeat_weeks": "2",
              "occurrences": "4", "on_conflict": "nearest"}  # fmt: skip
    html = client_for(front_desk).get(screen, search).content.decode()
    assert f'name="appointment_type" value="{visit_type.pk}"' in html
    assert 'name="reason" value="Cough"' in html
    assert 'name="repeat_weeks" value="2"' in html
    assert 'name="on_conflict" value="nearest"' in html
    assert "Book the series" in html
