"""Checking a patient in opens the visit's encounter (after the check-in commits), once; an
undone check-in voids an untouched encounter; a failure in billing never undoes a check-in."""

import logging
from datetime import datetime, time, timedelta

import pytest

from medoffice.billing import services
from medoffice.billing.models import Encounter
from medoffice.scheduling.models import Appointment, AppointmentType
from medoffice.scheduling.services import appointment_set_status
from tests.billing.conftest import CHICAGO, DOS


@pytest.fixture
def visit(billing_office, patient, provider, location, freeze):
    """A visit booked for 9:30 on the date of service (written directly: it starts today)."""
    kind = AppointmentType.objects.create(
        practice=location.practice, name="Follow-up", duration_minutes=20
    )
    starts = datetime.combine(DOS, time(9, 30), tzinfo=CHICAGO)
    freeze(starts - timedelta(minutes=15))

    def make(place="11"):
        return Appointment.objects.create(
            patient=patient, appointment_type=kind, provider=provider, location=location,
            starts_at=starts, ends_at=starts + timedelta(minutes=20), place_of_service=place,
        )  # fmt: skip

    return make


def test_check_in_opens_the_encounter_with_the_visits_facts(
    visit, arrive, coverage, django_capture_on_commit_callbacks
):
    appointment = visit(place="10")

    with django_capture_on_commit_callbacks(execute=True):
        arrive(appointment)

    encounter = Encounter.objects.get(appointment=appointment)
    assert encounter.status == "open"
    assert (encounter.patient, encounter.provider, encounter.location) == (
        appointment.patient, appointment.provider, appointment.location,
    )  # fmt: skip
    assert (encounter.date_of_service, encounter.place_of_service) == (DOS, "10")
    assert encounter.coverage == coverage


def test_the_encounter_opens_only_after_the_check_in_commits(visit, arrive):
    arrive(visit())  # the test transaction never commits: no on_commit callbacks run

    assert not Encounter.objects.exists()


def test_opening_is_idempotent(visit, arrive, django_capture_on_commit_callbacks):
    appointment = visit()
    with django_capture_on_commit_callbacks(execute=True):
        arrive(appointment)

    again = services.encounter_open_for_appointment(appointment=appointment)

    assert Encounter.objects.filter(appointment=appointment).count() == 1
    assert again == Encounter.objects.get()


def test_an_undone_check_in_voids_the_untouched_encounter_and_a_new_one_reopens_it(
    visit, arrive, django_capture_on_commit_callbacks
):
    appointment = visit()
    with django_capture_on_commit_callbacks(execute=True):
        arrive(appointment)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_set_status(appointment=Appointment.objects.get(pk=appointment.pk),
                               status="booked")  # fmt: skip
    assert Encounter.objects.get().status == "void"

    with django_capture_on_commit_callbacks(execute=True):
        arrive(Appointment.objects.get(pk=appointment.pk))

    assert Encounter.objects.get().status == "open"


def test_an_undone_check_in_keeps_an_encounter_already_coded(
    visit, arrive, django_capture_on_commit_callbacks
):
    appointment = visit()
    with django_capture_on_commit_callbacks(execute=True):
        arrive(appointment)
    services.superbill_save(encounter=Encounter.objects.get(), diagnoses=["I10"], lines=[])

    with django_capture_on_commit_callbacks(execute=True):
        appointment_set_status(appointment=Appointment.objects.get(pk=appointment.pk),
                               status="booked")  # fmt: skip

    assert Encounter.objects.get().status == "open"


def test_a_failure_in_billing_is_logged_and_never_undoes_the_check_in(
    visit, arrive, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "encounter_open_for_appointment", broken)
    appointment = visit()

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        arrived = arrive(appointment)

    assert arrived.status == "arrived"
    assert not Encounter.objects.exists()
    assert f"appointment {appointment.public_id} (RuntimeError)" in caplog.text
    assert appointment.patient.last_name not in caplog.text


def test_the_copay_taken_at_the_desk_goes_on_the_claim_as_paid_by_the_patient(
    visit, arrive, coverage, clinician
):
    from decimal import Decimal

    from medoffice.billing.claim_records import claim_records
    from tests.billing.claimwork import claim_for
    from tests.billing.conftest import line

    coverage.copay = Decimal("30.00")
    coverage.save(update_fields=["copay"])
    appointment = arrive(
        visit(), copay_collected=Decimal("30.00"), copay_method="card", copay_reference="A1"
    )
    encounter = services.encounter_open_for_appointment(appointment=appointment)
    services.superbill_save(encounter=encounter, diagnoses=["I10"], lines=[line("99213")])
    claim = claim_for(services.encounter_sign(encounter=encounter, signed_by=clinician))

    (record,) = claim_records([claim.pk]).values()

    assert record.patient_paid == Decimal("30.00")  # AMT*F5 in the 837P
