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


@pytest.fixture
def on_the_day(booked, freeze):
    """The clock at 8:00 Chicago on the visit's day: the board offers check-in."""
    freeze(next_weekday_at(8, 0))
    return booked


def test_the_board_shows_each_working_provider_and_the_visit_in_local_time(
    on_the_day, booked, front_desk, client_for, second_provider
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


def test_check_in_is_offered_only_on_the_visit_day(booked, front_desk, client_for):
    html = _board(client_for(front_desk), booked).content.decode()
    assert "Smith, John" in html
    assert "Check in" not in html  # two or more days ahead


def test_checking_in_from_the_board_and_through_the_day(on_the_day, front_desk, client_for, freeze):
    client = client_for(front_desk)
    board = _board(client, on_the_day).content.decode()
    check_in_url = reverse("scheduling:appointment-check-in", args=[on_the_day.public_id])
    assert check_in_url in board
    response = client.post(check_in_url, {"demographics_verified": "on", "copay_collected": "0"})
    assert response.status_code == 302
    assert f"location={on_the_day.location.public_id}" in response["Location"]
    on_the_day.refresh_from_db()
    assert on_the_day.status == "arrived"
    board = client.get(response["Location"]).content.decode()
    assert "waiting 0 min" in board
    assert "Roomed" in board
    assert "Check out" in board
    step = reverse("scheduling:appointment-step", args=[on_the_day.public_id])
    freeze(next_weekday_at(8, 12))
    client.post(step, {"step": "roomed", "next": "board"})
    freeze(next_weekday_at(8, 20))
    client.post(step, {"step": "seen", "next": "board"})
    freeze(next_weekday_at(8, 30))  # within the session's idle limit
    response = client.post(step, {"step": "fulfilled", "next": "board"})
    on_the_day.refresh_from_db()
    assert on_the_day.status == "fulfilled"
    assert (on_the_day.roomed_at - on_the_day.arrived_at).seconds == 12 * 60
    assert (on_the_day.seen_at - on_the_day.roomed_at).seconds == 8 * 60
    assert "Checked out" in client.get(response["Location"]).content.decode()


def test_a_refused_move_is_said_and_changes_nothing(booked, front_desk, client_for):
    client = client_for(front_desk)
    response = client.post(
        reverse("scheduling:appointment-step", args=[booked.public_id]), {"step": "fulfilled"},
        follow=True,
    )  # fmt: skip
    assert "cannot become fulfilled" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_roles_that_only_view_get_no_buttons(on_the_day, booked, make_user, client_for):
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


def test_the_board_offers_open_times_and_books_one(on_the_day, front_desk, client_for, patients,
                                                   visit_type):  # fmt: skip
    (walk_in,) = patients(1)
    client = client_for(front_desk)
    board = _board(client, on_the_day).content.decode()
    assert "+ 9:00 AM open" in board
    assert board.count("+ 9:30 AM open") == 1  # the second provider's; the first's is booked
    when = next_weekday_at(9, 0)
    book_url = reverse("scheduling:book-at-time")
    where = {"provider": on_the_day.provider.pk, "location": on_the_day.location.public_id,
             "at": when.isoformat()}  # fmt: skip
    assert client.get(book_url, where).status_code == 200
    found = client.post(book_url, where | {"q": walk_in.last_name}).content.decode()
    assert walk_in.first_name in found
    booked = client.post(book_url, where | {"patient": walk_in.public_id,
                                            "appointment_type": visit_type.pk})  # fmt: skip
    assert booked.status_code == 302
    visit = walk_in.appointments.get()
    assert visit.starts_at == when
    again = client.post(book_url, where | {"patient": on_the_day.patient.public_id,
                                           "appointment_type": visit_type.pk})  # fmt: skip
    assert again.status_code == 409
    assert client.get(book_url, {"at": "soon"}).status_code == 302


def test_the_week_view_shows_a_providers_visits_and_open_times(on_the_day, front_desk,
                                                               client_for):  # fmt: skip
    html = (
        client_for(front_desk)
        .get(
            reverse("scheduling:week"),
            {
                "provider": on_the_day.provider.public_id,
                "week": next_weekday_at(9).date().isoformat(),
            },
        )
        .content.decode()
    )
    assert "Smith, John" in html
    assert "9:30 AM" in html
    assert "open:" in html
