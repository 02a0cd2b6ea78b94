"""Rescheduling moves the holds with the visit, or changes nothing at all."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.models import Appointment, Hold
from medoffice.scheduling.services import appointment_reschedule
from medoffice.scheduling.slots import units
from tests.scheduling.conftest import counts, hold_set, next_weekday_at


@pytest.fixture
def visit(office, patient, book):
    return book(patient, next_weekday_at(9))


def held_units(appointment, kind="P") -> set[int]:
    return set(
        Hold.objects.filter(appointment=appointment, kind=kind).values_list("unit", flat=True)
    )


def snapshot(appointment):
    row = Appointment.objects.get(pk=appointment.pk)
    return (row.starts_at, row.ends_at, row.provider_id, row.room_id, row.status, hold_set(row))


def test_moving_a_visit_moves_its_holds_and_keeps_its_id(visit, provider, audit_mark, audit_since):
    old_start = visit.starts_at
    old_units = set(units(visit.starts_at, visit.ends_at))
    mark = audit_mark()
    new_start = next_weekday_at(10, 30)
    moved = appointment_reschedule(appointment=visit, starts_at=new_start)
    assert moved.pk == visit.pk
    assert moved.public_id == visit.public_id
    row = Appointment.objects.get(pk=visit.pk)
    assert (row.starts_at, row.ends_at) == (new_start, new_start + timedelta(minutes=30))
    new_units = set(units(new_start, new_start + timedelta(minutes=30)))
    for kind in ("P", "T", "R"):
        assert held_units(visit, kind) == new_units
    assert not Hold.objects.filter(unit__in=old_units).exists()
    assert Appointment.objects.count() == 1
    events = [e for e in audit_since(mark) if e.category == "scheduling"]
    assert [e.action for e in events] == ["update"]
    assert events[0].detail.startswith("rescheduled from ")
    assert datetime.fromisoformat(events[0].detail.removeprefix("rescheduled from ")) == old_start
    assert events[0].object_id == str(visit.public_id)


def test_the_old_time_is_free_for_someone_else_after_a_move(visit, make_patient, book):
    old_start = visit.starts_at
    appointment_reschedule(appointment=visit, starts_at=next_weekday_at(11))
    other = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    assert book(other, old_start).starts_at == old_start


def test_a_visit_can_move_into_part_of_its_own_time(visit):
    later = visit.starts_at + timedelta(minutes=15)
    appointment_reschedule(appointment=visit, starts_at=later)
    assert held_units(visit) == set(units(later, later + timedelta(minutes=30)))


def test_a_visit_can_move_to_another_provider(visit, second_provider):
    moved = appointment_reschedule(
        appointment=visit, starts_at=visit.starts_at, provider=second_provider
    )
    assert moved.provider == second_provider
    assert set(
        Hold.objects.filter(appointment=visit, kind="P").values_list("resource_id", flat=True)
    ) == {second_provider.id}


def test_when_the_new_time_is_taken_the_old_booking_stands(visit, make_patient, book):
    other = make_patient(first_name="Zed", last_name="Quinn", mobile_phone="")
    taken = book(other, next_weekday_at(10))
    before, taken_before = snapshot(visit), snapshot(taken)
    total = counts()
    with pytest.raises(SlotTakenError):
        appointment_reschedule(appointment=visit, starts_at=next_weekday_at(10, 15))
    assert snapshot(visit) == before
    assert snapshot(taken) == taken_before
    assert counts() == total


def test_when_the_patient_is_busy_then_the_old_booking_stands(
    visit, patient, second_provider, book
):
    elsewhere = book(patient, next_weekday_at(11), provider_=second_provider)
    before = snapshot(visit)
    with pytest.raises(SlotTakenError):
        appointment_reschedule(appointment=visit, starts_at=next_weekday_at(11))
    assert snapshot(visit) == before
    assert len(hold_set(elsewhere)) == 18


def test_a_move_outside_the_template_is_refused_and_changes_nothing(visit):
    before = snapshot(visit)
    with pytest.raises(ValidationError) as excinfo:
        appointment_reschedule(appointment=visit, starts_at=next_weekday_at(19))
    assert "starts_at" in excinfo.value.message_dict
    assert snapshot(visit) == before
    with pytest.raises(ValidationError):
        appointment_reschedule(appointment=visit, starts_at=next_weekday_at(9, 7))
    assert snapshot(visit) == before


@pytest.mark.parametrize(
    "path", [["arrived"], ["arrived", "fulfilled"], ["cancelled"], ["noshow"]],
    ids=["arrived", "fulfilled", "cancelled", "noshow"],
)  # fmt: skip
def test_only_a_booked_visit_can_be_moved(visit, path, move, freeze):
    for status in path:
        move(visit, status)
    freeze(None)
    before = snapshot(visit)
    with pytest.raises(StatusMoveError):
        appointment_reschedule(appointment=visit, starts_at=next_weekday_at(11))
    assert snapshot(visit) == before
