"""The equipment register: upkeep due dates, repairs, and the block in scheduling. A device
out for repair or overdue for calibration cannot be booked for that time: the slot finder
does not offer it and booking refuses it; the time before stays bookable."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.inventory.models import EquipmentRecord, MaintenancePlan, TicketStatus
from medoffice.inventory.services import (
    equipment_daily,
    maintenance_record,
    ticket_move,
    ticket_open,
)
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import Hold
from medoffice.scheduling.selectors import find_slots
from medoffice.scheduling.slots import unit_of
from medoffice.worklist.models import Task
from tests.clock import office_today
from tests.scheduling.conftest import CHICAGO, next_weekday_at


@pytest.fixture
def ecg_record(ecg, vendor):
    return EquipmentRecord.objects.create(
        equipment=ecg, asset_tag="EQ-0001", make="GE", model="MAC 2000", serial_number="S1",
        vendor=vendor,
    )  # fmt: skip


@pytest.fixture
def calibration(ecg_record):
    return MaintenancePlan.objects.create(
        record=ecg_record, kind="calibration", interval_days=365,
        last_done_on=office_today() - timedelta(days=100), performed_by="Biomed Co",
    )  # fmt: skip


def _ecg_times(ecg_type, day):
    after = datetime.combine(day, time(0), tzinfo=CHICAGO)
    slots = find_slots(appointment_type=ecg_type, after=after, limit=200, days=0)
    return [s.starts_at for s in slots if s.starts_at.astimezone(CHICAGO).date() == day]


def test_calibration_due_blocks_booking_from_the_due_day(
    office, ecg_type, calibration, book, patients, manager
):
    tuesday = next_weekday_at(9)
    due = tuesday.date() + timedelta(days=7)
    calibration.last_done_on = due - timedelta(days=365)
    calibration.save()
    assert _ecg_times(ecg_type, due)

    equipment_daily(practice=calibration.record.equipment.location.practice)

    assert _ecg_times(ecg_type, due) == []
    assert _ecg_times(ecg_type, tuesday.date())  # the week before stays bookable
    (patient,) = patients(1)
    with pytest.raises(SlotTakenError):
        book(patient, datetime.combine(due, time(9), tzinfo=CHICAGO), type_=ecg_type)
    book(patient, tuesday, type_=ecg_type)


def test_the_due_calibration_is_on_the_task_list_days_ahead_and_done_clears_it(
    office, ecg_type, calibration, manager
):
    practice = calibration.record.equipment.location.practice
    today = office_today()
    calibration.last_done_on = today - timedelta(days=360)  # due in 5 days
    calibration.save()

    equipment_daily(practice=practice)
    task = Task.objects.get(kind="equipment_due", status="open")
    assert task.title.startswith("Calibration of ECG cart (EQ-0001) due")
    assert task.due_on == calibration.next_due_on

    maintenance_record(plan=calibration, done_on=today, by=manager)
    task.refresh_from_db()
    assert task.status == "done"
    assert not Hold.objects.filter(appointment__isnull=True).exists()


def test_last_done_in_the_future_is_refused(calibration, manager):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        maintenance_record(plan=calibration, done_on=date.today() + timedelta(days=2), by=manager)  # noqa: DTZ011

    calibration.refresh_from_db()
    assert calibration.events.count() == 0


def test_out_for_repair_blocks_until_expected_back_then_returned_frees_it(
    office, ecg_type, ecg_record, manager, patients, book
):
    tuesday = next_weekday_at(9)
    (patient,) = patients(1)
    booked = book(patient, tuesday + timedelta(days=14), type_=ecg_type)

    ticket = ticket_open(record=ecg_record, problem="Lead II noisy", by=manager)
    ticket_move(ticket=ticket, status=TicketStatus.VENDOR_CALLED, by=manager)
    ticket_move(ticket=ticket, status=TicketStatus.IN_REPAIR, by=manager,
                expected_back_on=tuesday.date() + timedelta(days=21))  # fmt: skip

    assert _ecg_times(ecg_type, tuesday.date()) == []
    assert _ecg_times(ecg_type, tuesday.date() + timedelta(days=28))
    clash = Task.objects.get(kind="equipment_clash", status="open")
    assert clash.title.startswith("1 booked visit(s) need ECG cart")
    assert booked.holds.filter(kind="E").exists()  # the booked visit keeps its holds

    ticket_move(ticket=ticket, status=TicketStatus.RETURNED, by=manager)

    assert _ecg_times(ecg_type, tuesday.date())
    # Released from now on (a slow run may cross into a new 5-minute unit while in repair:
    # the units already past stay held, as history).
    later = Hold.objects.filter(appointment__isnull=True, unit__gte=unit_of(timezone.now()))
    assert not later.exists()
    clash.refresh_from_db()
    assert clash.status == "done"


def test_a_calibration_certificate_is_kept_and_downloaded_as_an_attachment(
    ecg_record, manager, make_user, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from medoffice.core.roles import Role
    from medoffice.inventory.models import EquipmentDocument

    page = f"/inventory/equipment/{ecg_record.public_id}/"
    office_manager = client_for(manager)
    certificate = b"%PDF-1.4\n% calibration certificate EQ-0001\n%%EOF\n"

    kept = office_manager.post(f"{page}documents/", {
        "kind": "certificate", "title": "Calibration 2026",
        "file": SimpleUploadedFile("scan.pdf", certificate),
    })  # fmt: skip
    disguised = office_manager.post(f"{page}documents/", {
        "kind": "manual", "title": "Manual",
        "file": SimpleUploadedFile("manual.pdf", b"<html><script>alert(1)</script>"),
    })  # fmt: skip

    assert kept.status_code == 302
    assert disguised.status_code == 422
    assert "Only JPEG, PNG, PDF files are accepted." in disguised.content.decode()
    (document,) = EquipmentDocument.objects.all()
    assert document.file.name.endswith(".pdf")
    assert "scan" not in document.file.name
    assert "Calibration certificate: Calibration 2026" in office_manager.get(page).content.decode()
    download = office_manager.get(f"/inventory/equipment/documents/{document.public_id}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Security-Policy"] == "sandbox"
    assert b"".join(download.streaming_content) == certificate
    clinician = client_for(make_user(Role.CLINICIAN))
    assert clinician.post(f"{page}documents/", {"kind": "manual"}).status_code == 403
