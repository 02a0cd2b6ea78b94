"""Bad bookings get a clear error naming the field, and leave nothing behind:
no Appointment, no Hold, no audit row of a booking."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from medoffice.core.models import AuditEvent
from medoffice.patients.models import PatientStatus
from medoffice.patients.services import patient_merge, patient_update
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import AppointmentType, Hold
from medoffice.scheduling.services import appointment_set_status
from tests.scheduling.conftest import CHICAGO, counts, next_weekday_at


@pytest.fixture
def refused(audit_mark, audit_since):
    """refused(call, field, match) -> the ValidationError, after checking nothing was written."""

    def check(call, field: str, match: str):
        before, mark = counts(), audit_mark()
        with pytest.raises(ValidationError) as excinfo:
            call()
        errors = excinfo.value.message_dict
        assert field in errors, errors
        assert any(match in message for message in errors[field]), errors
        assert counts() == before
        assert [e for e in audit_since(mark) if e.category == "scheduling"] == []
        return excinfo.value

    return check


@pytest.fixture
def fulfilled_visit(book, arrive, freeze):
    def make(patient, starts_at):
        appointment = arrive(book(patient, starts_at))
        appointment = appointment_set_status(appointment=appointment, status="fulfilled")
        freeze(None)
        return appointment

    return make


def test_a_time_in_the_past_is_refused(office, patient, book, refused):
    yesterday = datetime.now(CHICAGO).replace(hour=9, minute=0, second=0, microsecond=0)
    refused(lambda: book(patient, yesterday - timedelta(days=1)), "starts_at", "in the past")


@pytest.mark.parametrize("offset", [timedelta(minutes=7), timedelta(seconds=30)])
def test_a_time_off_the_five_minute_grid_is_refused(office, patient, book, refused, offset):
    refused(lambda: book(patient, next_weekday_at(9) + offset), "starts_at", "5-minute mark")


def test_a_time_between_template_slots_is_refused(office, patient, book, refused):
    # on the 5-minute grid, but the template offers quarter hours
    refused(lambda: book(patient, next_weekday_at(9, 5)), "starts_at", "does not see")
    assert book(patient, next_weekday_at(9, 5), override=True).starts_at == next_weekday_at(9, 5)


def test_a_naive_time_is_refused(office, patient, book, refused):
    naive = next_weekday_at(9).replace(tzinfo=None)
    refused(lambda: book(patient, naive), "starts_at", "time zone")


def test_outside_the_template_needs_an_override_which_is_audited(
    office, patient, book, refused, audit_mark, audit_since
):
    evening = next_weekday_at(18)
    refused(lambda: book(patient, evening), "starts_at", "does not see")
    mark = audit_mark()
    appointment = book(patient, evening, override=True)
    events = [e for e in audit_since(mark) if e.category == "scheduling"]
    assert [(e.action, e.detail, e.object_id) for e in events] == [
        ("create", "booked override", str(appointment.public_id))
    ]
    assert Hold.objects.filter(appointment=appointment).count() == 18  # P, T, R x 6 units


def test_an_ordinary_booking_is_audited_without_flags(
    office, patient, book, audit_mark, audit_since
):
    mark = audit_mark()
    appointment = book(patient, next_weekday_at(9))
    events = [e for e in audit_since(mark) if e.category == "scheduling"]
    assert [(e.action, e.detail, e.patient_id) for e in events] == [
        ("create", "booked", str(patient.public_id))
    ]
    assert appointment.overbooked is False


def test_an_inactive_provider_is_refused(office, patient, provider, book, refused):
    provider.is_active = False
    provider.save()
    refused(lambda: book(patient, next_weekday_at(9)), "provider", "not active")


def test_a_type_the_provider_does_not_offer_is_refused(
    office, patient, visit_type, second_provider, book, refused
):
    visit_type.providers.add(second_provider)
    refused(lambda: book(patient, next_weekday_at(9)), "appointment_type", "does not offer")


def test_an_inactive_type_is_refused(office, patient, visit_type, book, refused):
    visit_type.is_active = False
    visit_type.save()
    refused(lambda: book(patient, next_weekday_at(9)), "appointment_type", "does not offer")


@pytest.fixture
def new_type(practice):
    return AppointmentType.objects.create(
        practice=practice, name="New patient visit", duration_minutes=45, room_kind="exam",
        patient_kind="new",
    )  # fmt: skip


@pytest.fixture
def established_type(practice):
    return AppointmentType.objects.create(
        practice=practice, name="Follow-up", duration_minutes=15, room_kind="exam",
        patient_kind="established",
    )  # fmt: skip


def test_a_new_patient_type_is_refused_for_an_established_patient(
    office, patient, new_type, established_type, book, refused, fulfilled_visit
):
    assert book(patient, next_weekday_at(9), type_=new_type).starts_at  # new: allowed
    fulfilled_visit(patient, next_weekday_at(11))
    refused(
        lambda: book(patient, next_weekday_at(9, weekday=2), type_=new_type),
        "appointment_type", "new patients only",
    )  # fmt: skip
    assert book(patient, next_weekday_at(10, weekday=2), type_=established_type).starts_at


def test_an_established_type_is_refused_for_a_new_patient(
    office, patient, established_type, book, refused
):
    refused(
        lambda: book(patient, next_weekday_at(9), type_=established_type),
        "appointment_type", "established patients only",
    )  # fmt: skip
    booked_but_not_seen = book(patient, next_weekday_at(10))
    assert booked_but_not_seen.status == "booked"
    refused(
        lambda: book(patient, next_weekday_at(11), type_=established_type),
        "appointment_type", "established patients only",
    )  # fmt: skip


def test_a_merged_record_cannot_be_booked(office, patients, book, refused):
    survivor, duplicate = patients(2)
    patient_merge(survivor=survivor, duplicate=duplicate)
    duplicate.refresh_from_db()
    assert duplicate.status == PatientStatus.MERGED
    refused(lambda: book(duplicate, next_weekday_at(9)), "patient", "not active")


@pytest.mark.parametrize("status", [PatientStatus.INACTIVE, PatientStatus.DECEASED])
def test_an_inactive_or_deceased_record_cannot_be_booked(office, patient, book, refused, status):
    patient_update(patient=patient, fields={"status": status})
    refused(lambda: book(patient, next_weekday_at(9)), "patient", "not active")


def test_several_problems_are_reported_together(office, patient, provider, book, refused):
    provider.is_active = False
    provider.save()
    patient_update(patient=patient, fields={"status": PatientStatus.INACTIVE})
    error = refused(lambda: book(patient, next_weekday_at(9, 3)), "starts_at", "5-minute")
    assert {"starts_at", "provider", "patient"} <= set(error.message_dict)


def test_the_patient_cannot_be_in_two_visits_at_once(
    office, patient, second_provider, book, audit_mark, audit_since
):
    first = book(patient, next_weekday_at(9))
    before, mark = counts(), audit_mark()
    with pytest.raises(SlotTakenError):
        book(patient, next_weekday_at(9, 15), provider_=second_provider)
    assert counts() == before
    assert audit_since(mark) == []
    # the other provider's time was not taken by the failed attempt
    assert not Hold.objects.filter(kind="P", resource_id=second_provider.id).exists()
    # back to back is fine
    after = book(patient, first.ends_at, provider_=second_provider)
    assert after.starts_at == first.ends_at


def test_a_taken_provider_time_is_slot_taken_and_keeps_the_first_booking(office, patients, book):
    first_patient, second_patient = patients(2)
    first = book(first_patient, next_weekday_at(10))
    before = counts()
    with pytest.raises(SlotTakenError):
        book(second_patient, next_weekday_at(10, 15))
    assert counts() == before
    assert Hold.objects.filter(appointment=first).count() == 18


def test_overbooking_puts_a_second_patient_on_top_without_holding_the_provider(
    office, patients, rooms, book, audit_mark, audit_since
):
    first_patient, second_patient = patients(2)
    first = book(first_patient, next_weekday_at(10))
    mark = audit_mark()
    extra = book(second_patient, next_weekday_at(10), overbook=True)
    assert extra.overbooked is True
    assert {k for k, _, _ in Hold.objects.filter(appointment=extra).values_list(
        "kind", "resource_id", "unit")} == {"T", "R"}  # fmt: skip
    assert {first.room_id, extra.room_id} == {r.id for r in rooms}
    assert [e.detail for e in audit_since(mark) if e.category == "scheduling"] == [
        "booked overbook"
    ]


def test_a_location_without_the_needed_room_kind_is_refused(
    office, practice, patient, book, refused
):
    imaging = AppointmentType.objects.create(
        practice=practice, name="X-ray", duration_minutes=15, room_kind="imaging"
    )
    for override in (False, True):
        refused(
            lambda o=override: book(patient, next_weekday_at(9), type_=imaging, override=o),
            "location", "has no room",
        )  # fmt: skip


def test_the_audit_never_names_the_patient(office, patient, book, audit_mark, audit_since):
    mark = audit_mark()
    book(patient, next_weekday_at(9), reason="chest pain")
    for event in audit_since(mark):
        assert patient.last_name not in event.detail
        assert "chest" not in event.detail
    assert AuditEvent.objects.filter(id__gt=mark, category="scheduling").count() == 1
