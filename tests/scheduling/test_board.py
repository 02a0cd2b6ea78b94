"""The day board: a column per provider, the day's visits in local time, check-in from it."""

import pytest
from django.urls import reverse

from medoffice.core.models import Location
from medoffice.scheduling.services import appointment_book
from tests.scheduling.conftest import next_weekday_at


@pytest.fixture
def booked(weekday_mornings, rooms, location, provider, visit_type, patient):
    return appointment_book(
        patient=patient, appointment_type=visit_type, provider=provider, location=location,
        starts_at=next_weekday_at(9, 30), reason="Cough",
    )  # fmt: skip


def _board(client, appointment, **headers):
    day = next_weekday_at(9).date().isoformat()
    return client.get(
        reverse("scheduling:day-board"),
        {"location": appointment.location.public_id, "day": day},
        headers=headers,
    )


def test_the_board_shows_each_working_provider_and_the_visit_in_local_time(
    booked, front_desk, client_for, second_provider
):
    html = _board(client_for(front_desk), booked).content.decode()
    assert str(booked.provider) in html
    assert str(second_provider) in html  # works that day, nothing booked yet
    assert "9:30 AM" in html
    assert "Smith, John" in html
    assert "Check in" in html


def test_htmx_refresh_returns_only_the_board(booked, front_desk, client_for):
    html = _board(client_for(front_desk), booked, **{"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html


def test_checking_in_from_the_board_moves_the_visit_and_returns_to_the_day(
    booked, front_desk, client_for
):
    client = client_for(front_desk)
    response = client.post(
        reverse("scheduling:appointment-status", args=[booked.public_id]), {"status": "arrived"}
    )
    assert response.status_code == 302
    assert f"location={booked.location.public_id}" in response["Location"]
    booked.refresh_from_db()
    assert booked.status == "arrived"
    assert booked.arrived_at is not None
    assert "Check out" in client.get(response["Location"]).content.decode()


def test_a_refused_move_is_said_and_changes_nothing(booked, front_desk, client_for):
    client = client_for(front_desk)
    response = client.post(
        reverse("scheduling:appointment-status", args=[booked.public_id]), {"status": "fulfilled"},
        follow=True,
    )  # fmt: skip
    assert "cannot become fulfilled" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_roles_that_only_view_get_no_buttons(booked, make_user, client_for):
    coder = client_for(make_user("coder"))
    html = _board(coder, booked).content.decode()
    assert "Smith, John" in html
    assert "Check in" not in html


def test_another_practices_location_is_not_found(booked, outsider, client_for, other_practice):
    theirs = client_for(outsider)
    response = theirs.get(reverse("scheduling:day-board"), {"location": booked.location.public_id})
    assert response.status_code == 404
    assert Location.objects.filter(practice=other_practice).count() == 0


def test_a_practice_without_locations_gets_not_found_not_an_error(outsider, client_for):
    assert client_for(outsider).get(reverse("scheduling:day-board")).status_code == 404
