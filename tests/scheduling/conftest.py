"""A small office to schedule in: one location, two providers, exam rooms, an ECG, templates."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Provider
from medoffice.scheduling.models import AppointmentType, Equipment, Room, TemplateBlock

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def second_provider(practice, location) -> Provider:
    doctor = Provider.objects.create(
        practice=practice, first_name="Ben", last_name="Okafor", credentials="DO",
        specialty="Internal medicine", npi=npi_from_stem("187654321"),
    )  # fmt: skip
    doctor.locations.add(location)
    return doctor


@pytest.fixture
def rooms(location) -> list[Room]:
    return [Room.objects.create(location=location, name=f"Exam {n}") for n in (1, 2)]


@pytest.fixture
def ecg(location) -> Equipment:
    return Equipment.objects.create(location=location, name="ECG cart", kind="ECG")


@pytest.fixture
def visit_type(practice) -> AppointmentType:
    return AppointmentType.objects.create(
        practice=practice, name="Office visit", duration_minutes=30, room_kind="exam"
    )


@pytest.fixture
def ecg_type(practice) -> AppointmentType:
    return AppointmentType.objects.create(
        practice=practice, name="ECG visit", duration_minutes=20, room_kind="exam",
        equipment_kinds="ECG",
    )  # fmt: skip


@pytest.fixture
def weekday_mornings(provider, second_provider, location):
    """Both providers see patients 9:00-12:00 Chicago time, Monday to Friday."""
    for doctor in (provider, second_provider):
        for weekday in range(5):
            TemplateBlock.objects.create(
                provider=doctor, location=location, weekday=weekday,
                start_time=time(9, 0), end_time=time(12, 0), slot_minutes=15,
            )  # fmt: skip


def next_weekday_at(hour: int, minute: int = 0, *, weekday: int = 1) -> datetime:
    """The next given weekday (default Tuesday) at least two days ahead, Chicago wall time."""
    day = datetime.now(CHICAGO).date() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)
