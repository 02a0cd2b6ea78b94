"""The home page ("Today", core/home.py): each role's cards, counts equal to what the linked
page lists for that user (a user limited to another location included), no patient's name,
a bounded number of queries."""

import re

import pytest
from django.urls import reverse

from medoffice.core.models import Location
from medoffice.core.roles import Role
from medoffice.scheduling.models import Appointment
from tests.scheduling.conftest import next_weekday_at


def _count(html: str, label: str) -> list[int]:
    return [int(n) for n in re.findall(rf"<strong>(\d+)</strong>{re.escape(label)}</a>", html)]


@pytest.fixture
def the_day(office, book, patients, freeze):
    """8:00 Chicago on a weekday: three visits booked, one of them checked in."""
    freeze(next_weekday_at(8, 0))
    first, second, third = patients(3)
    visits = [
        book(first, next_weekday_at(9, 0)),
        book(second, next_weekday_at(9, 30)),
        book(third, next_weekday_at(10, 0)),
    ]
    Appointment.objects.filter(pk=visits[0].pk).update(status="arrived")
    return visits


@pytest.fixture
def north(practice):
    return Location.objects.create(
        practice=practice, name="North", address1="1 North Rd", city="Springfield",
        state="IL", zip_code="62702", time_zone="America/Chicago",
    )  # fmt: skip


def test_front_desk_sees_the_day_by_state_as_the_board_lists_it(
    the_day, front_desk, client_for, location
):
    client = client_for(front_desk)
    html = client.get(reverse("core:home")).content.decode()
    assert f"Today at {location.name}" in html
    assert _count(html, "Booked") == [2]
    assert _count(html, "Checked in") == [1]
    assert _count(html, "No-show") == [0]
    board = client.get(reverse("scheduling:day-board"), {"location": location.public_id})
    assert board.content.decode().count('class="visit status-') == 3  # the same three visits


def test_a_user_limited_to_another_location_counts_only_that_location(
    the_day, make_user, client_for, north, location
):
    desk = make_user(Role.FRONT_DESK)
    desk.staff.limited_to_locations = True
    desk.staff.save()
    desk.staff.locations.set([north])
    html = client_for(desk).get(reverse("core:home")).content.decode()
    assert "Today at North" in html
    assert f"Today at {location.name}" not in html
    assert _count(html, "Booked") == [0]


def test_the_home_page_names_no_patient(the_day, front_desk, client_for):
    html = client_for(front_desk).get(reverse("core:home")).content.decode()
    for visit in the_day:
        assert visit.patient.last_name not in html
        assert visit.patient.mrn not in html


def test_the_waiting_list_card_counts_the_list_page_rows(
    the_day, front_desk, client_for, visit_type
):
    from medoffice.scheduling.models import WaitlistEntry

    for visit in the_day[:2]:
        WaitlistEntry.objects.create(
            patient=visit.patient, appointment_type=visit_type, earliest=visit.starts_at.date()
        )
    client = client_for(front_desk)
    html = client.get(reverse("core:home")).content.decode()
    assert _count(html, "Waiting") == [2]
    page = client.get(reverse("scheduling:waitlist")).content.decode()
    assert "(2 waiting)" in page


@pytest.mark.parametrize(
    ("role", "shown", "absent"),
    [
        (Role.FRONT_DESK, ["Today at", "Waiting list", "My tasks"], ["Coding", "Claim work"]),
        (Role.CODER, ["Coding"], ["Claim work queues", "Records requests"]),
        (Role.BILLER, ["Claim work queues", "Claims to send"], ["Amendment requests", "Coding<"]),
        (Role.RECORDS, ["Records requests"], ["Claim work queues"]),
        (Role.CLINICIAN, ["Chart prep for tomorrow"], ["Claim work queues", "Claims to send"]),
        (Role.PRIVACY_OFFICER, ["Privacy and security"], ["Claims to send"]),
    ],
)  # fmt: skip
def test_each_role_sees_its_cards_and_not_the_others(
    role, shown, absent, make_user, client_for, location
):
    """A card shows only with the permission of the page it links to."""
    user = make_user(role)
    html = client_for(user).get(reverse("core:home")).content.decode()
    for title in shown:
        assert title in html, (role, title)
    for title in absent:
        assert title not in html, (role, title)


@pytest.mark.parametrize("role", list(Role))
def test_the_home_page_reads_a_bounded_number_of_queries(
    role, the_day, make_user, client_for, django_assert_max_num_queries
):
    client = client_for(make_user(role))
    with django_assert_max_num_queries(45):
        assert client.get(reverse("core:home")).status_code == 200
