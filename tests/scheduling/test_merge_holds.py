"""Merging two records carries the retired record's visits, and their holds, to the survivor."""

from datetime import timedelta

import pytest

from medoffice.patients.errors import MergeError
from medoffice.patients.models import Patient
from medoffice.patients.services import patient_merge
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import AppointmentType, Hold
from medoffice.scheduling.services import appointment_book
from tests.scheduling.conftest import next_weekday_at


@pytest.fixture
def quick_visit(practice):
    return AppointmentType.objects.create(practice=practice, name="Quick", duration_minutes=15)


def _book(patient, kind, provider, location, starts_at):
    return appointment_book(
        patient=patient, appointment_type=kind, provider=provider, location=location,
        starts_at=starts_at, override=True,
    )  # fmt: skip


def test_the_survivor_cannot_be_double_booked_against_a_moved_visit(
    make_patient, quick_visit, provider, second_provider, location
):
    survivor = make_patient(first_name="Robert", last_name="Johnson")
    retired = make_patient(first_name="Bob", last_name="Johnson", mobile_phone="")
    start = next_weekday_at(10)
    _book(retired, quick_visit, provider, location, start)
    patient_merge(survivor=survivor, duplicate=retired)
    assert set(Hold.objects.filter(kind="T").values_list("resource_id", flat=True)) == {survivor.id}
    with pytest.raises(SlotTakenError):
        _book(survivor, quick_visit, second_provider, location, start)


def test_a_merge_of_records_with_visits_at_the_same_time_is_refused(
    make_patient, quick_visit, provider, second_provider, location
):
    survivor = make_patient(first_name="Robert", last_name="Johnson")
    retired = make_patient(first_name="Bob", last_name="Johnson", mobile_phone="")
    start = next_weekday_at(10)
    _book(survivor, quick_visit, provider, location, start)
    _book(retired, quick_visit, second_provider, location, start + timedelta(minutes=5))
    with pytest.raises(MergeError, match="visit at the same time"):
        patient_merge(survivor=survivor, duplicate=retired)
    assert Patient.objects.get(pk=retired.pk).status == "active"
    assert retired.appointments.count() == 1
