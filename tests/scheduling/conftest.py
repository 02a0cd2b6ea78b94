"""A small office to schedule in: one location, two providers, exam rooms, an ECG, templates."""

from datetime import datetime, time, timedelta

import pytest

from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Provider
from medoffice.scheduling.models import AppointmentType, Equipment, Room, TemplateBlock
from tests.clock import CHICAGO


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


# ---------------------------------------------------------------- shared by the new test files


@pytest.fixture
def office(weekday_mornings, rooms, location):
    """Two providers, weekday mornings 9-12 Chicago, two exam rooms."""
    return location


@pytest.fixture
def book(provider, location, visit_type):
    """book(patient, starts_at, type_=visit_type, provider_=provider, **kw) via the service."""
    from medoffice.scheduling.services import appointment_book

    def make(patient, starts_at, *, type_=None, provider_=None, location_=None, **kw):
        return appointment_book(
            patient=patient, appointment_type=type_ or visit_type,
            provider=provider_ or provider, location=location_ or location,
            starts_at=starts_at, **kw,
        )  # fmt: skip

    return make


@pytest.fixture
def patients(make_patient):
    """patients(n) -> n distinct active patients."""
    names = iter(
        ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper",
         "Indy", "Jules", "Kai", "Lane", "Morgan", "Noel", "Oakley", "Parker"]
    )  # fmt: skip

    def make(n: int):
        return [
            make_patient(first_name=next(names), last_name="Tester", mobile_phone="")
            for _ in range(n)
        ]

    return make


@pytest.fixture
def medical_assistant(practice, location):
    from medoffice.core.roles import Role
    from medoffice.core.services import staff_user_create

    user = staff_user_create(
        username="ma1", password=None, role=Role.MEDICAL_ASSISTANT, practice=practice,
        locations=[location],
    )  # fmt: skip
    return user.staff


def counts() -> tuple[int, int]:
    """(appointments, holds): what a refused booking must leave unchanged."""
    from medoffice.scheduling.models import Appointment, Hold

    return Appointment.objects.count(), Hold.objects.count()


def hold_set(appointment) -> set[tuple[str, int, int]]:
    from medoffice.scheduling.models import Hold

    return set(
        Hold.objects.filter(appointment=appointment).values_list("kind", "resource_id", "unit")
    )


def local_times(slots) -> list[str]:
    return [s.starts_at.astimezone(CHICAGO).strftime("%a %H:%M") for s in slots]


@pytest.fixture
def arrive(freeze):
    """arrive(appointment, **check-in fields): on the visit's day, 10 minutes early, check in."""
    from medoffice.scheduling.front_desk import visit_check_in
    from medoffice.scheduling.models import Appointment

    def check_in(appointment, **fields):
        freeze(appointment.starts_at - timedelta(minutes=10))
        visit_check_in(
            appointment=appointment,
            **{"demographics_verified": True, "insurance_verified": True} | fields,
        )
        return Appointment.objects.get(pk=appointment.pk)

    return check_in


@pytest.fixture
def move(arrive, freeze):
    """move(appointment, status): the way the front desk makes each move, at a time it can."""
    from medoffice.scheduling.services import appointment_set_status

    def make(appointment, status):
        if status == "arrived":
            return arrive(appointment)
        if status == "noshow":
            freeze(appointment.starts_at + timedelta(minutes=20))
        return appointment_set_status(
            appointment=appointment, status=status,
            reason="patient called" if status == "cancelled" else "",
        )  # fmt: skip

    return make
