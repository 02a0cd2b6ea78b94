"""The status table: every move appointment_set_status allows or refuses, what each does to
the holds, the stamps it sets and the one audit row it writes."""

from datetime import timedelta
from itertools import product

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.scheduling.errors import StatusMoveError
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.services import appointment_book, appointment_set_status
from medoffice.scheduling.states import TRANSITIONS, AppointmentStatus
from tests.scheduling.conftest import counts, hold_set, next_weekday_at

S = AppointmentStatus
STATUSES = list(S.values)

# Written out here on purpose, so a change to states.TRANSITIONS is a visible change to a test.
EXPECTED_TABLE = {
    "booked": {"arrived", "cancelled", "noshow", "entered-in-error"},
    "arrived": {"fulfilled", "booked", "entered-in-error"},
    "fulfilled": {"entered-in-error"},
    "cancelled": {"entered-in-error"},
    "noshow": {"booked", "entered-in-error"},
    "entered-in-error": set(),
}
KEEPS_HOLDS = {"booked", "arrived", "fulfilled"}
RELEASES_HOLDS = {"cancelled", "noshow", "entered-in-error"}

# How to reach each status from a fresh booking, through allowed moves only.
PATH = {
    "booked": [],
    "arrived": ["arrived"],
    "fulfilled": ["arrived", "fulfilled"],
    "cancelled": ["cancelled"],
    "noshow": ["noshow"],
    "entered-in-error": ["entered-in-error"],
}


def test_the_transition_table_is_the_documented_one():
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED_TABLE
    assert set(STATUSES) == KEEPS_HOLDS | RELEASES_HOLDS


@pytest.fixture
def visit(office, patient, visit_type, provider, location):
    return appointment_book(
        patient=patient, appointment_type=visit_type, provider=provider, location=location,
        starts_at=next_weekday_at(9),
    )  # fmt: skip


@pytest.mark.parametrize(("current", "new"), list(product(STATUSES, STATUSES)))
def test_every_move_of_the_table(visit, current, new, audit_mark, audit_since, move):
    booked_holds = hold_set(visit)
    assert len(booked_holds) == 18
    for step in PATH[current]:
        move(visit, step)
    visit.refresh_from_db()
    assert visit.status == current
    holds_before, mark = hold_set(visit), audit_mark()
    if new in EXPECTED_TABLE[current]:
        moved = move(visit, new)
        visit.refresh_from_db()
        assert moved.status == visit.status == new
        events = [e for e in audit_since(mark) if e.object_type == "scheduling.appointment"]
        assert [(e.category, e.action, e.detail) for e in events] == [
            ("scheduling", "update", f"status {current} -> {new}")
        ]
        assert events[0].object_id == str(visit.public_id)
        if new in KEEPS_HOLDS:
            # a visit that holds time holds all of it, whatever it came from
            assert hold_set(visit) == booked_holds
        else:
            assert hold_set(visit) == set()
    else:
        with pytest.raises(StatusMoveError):
            move(visit, new)
        visit.refresh_from_db()
        assert visit.status == current
        assert hold_set(visit) == holds_before
        assert audit_since(mark) == []


def test_cancelling_needs_a_reason(visit, audit_mark, audit_since):
    mark = audit_mark()
    with pytest.raises(ValidationError) as excinfo:
        appointment_set_status(appointment=visit, status="cancelled", reason="")
    assert "cancel_reason" in excinfo.value.message_dict
    visit.refresh_from_db()
    assert visit.status == "booked"
    assert visit.cancel_reason == ""
    assert len(hold_set(visit)) == 18
    assert audit_since(mark) == []
    appointment_set_status(appointment=visit, status="cancelled", reason="weather")
    visit.refresh_from_db()
    assert visit.cancel_reason == "weather"


def test_check_in_stamps_arrival_and_check_out_stamps_departure(visit, arrive):
    assert visit.arrived_at is None
    visit = arrive(visit)
    assert visit.arrived_at == timezone.now()
    assert visit.checked_out_at is None
    appointment_set_status(appointment=visit, status="fulfilled")
    visit.refresh_from_db()
    assert visit.arrived_at <= visit.checked_out_at <= timezone.now()


def test_an_unknown_status_is_refused(visit):
    with pytest.raises(StatusMoveError):
        appointment_set_status(appointment=visit, status="waitlist")
    assert Appointment.objects.get(pk=visit.pk).status == "booked"


@pytest.mark.parametrize("releasing", sorted(RELEASES_HOLDS))
def test_a_released_time_can_be_booked_by_someone_else(
    visit, make_patient, releasing, move, freeze
):
    move(visit, releasing)
    freeze(visit.starts_at - timedelta(hours=1))  # a no-show's time is only free in hindsight
    other = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    before = counts()
    again = appointment_book(
        patient=other, appointment_type=visit.appointment_type, provider=visit.provider,
        location=visit.location, starts_at=visit.starts_at,
    )  # fmt: skip
    assert counts() == (before[0] + 1, before[1] + 18)
    assert again.room_id is not None


def test_a_no_show_cannot_return_to_booked_once_its_time_is_taken(
    visit, make_patient, move, freeze
):
    move(visit, "noshow")
    freeze(visit.starts_at - timedelta(hours=1))
    other = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    appointment_book(
        patient=other, appointment_type=visit.appointment_type, provider=visit.provider,
        location=visit.location, starts_at=visit.starts_at,
    )  # fmt: skip
    from medoffice.scheduling.errors import SlotTakenError

    with pytest.raises(SlotTakenError):
        move(visit, "booked")
    visit.refresh_from_db()
    assert visit.status == "noshow"
    assert hold_set(visit) == set()


def test_a_confirmation_is_stamped_once_and_only_on_a_booked_visit(office, book, patients):
    from medoffice.scheduling.services import appointment_confirm

    (patient,) = patients(1)
    appointment = book(patient, next_weekday_at(9, 0))
    first = appointment_confirm(appointment=appointment, via="sms").confirmed_at
    again = appointment_confirm(appointment=appointment, via="email")
    assert again.confirmed_at == first
    assert again.confirmed_via == "sms"
    appointment_set_status(appointment=appointment, status="cancelled", reason="Moved away")
    with pytest.raises(StatusMoveError):
        appointment_confirm(appointment=appointment, via="sms")
