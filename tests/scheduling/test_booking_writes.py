"""How a booking writes: few statements, holds inserted in batches, and nothing left behind
when any part fails, inside a larger transaction as on its own."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from medoffice.core import audit
from medoffice.core.models import AuditEvent
from medoffice.scheduling import selectors
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import Appointment, AppointmentType, Hold
from medoffice.scheduling.schedule_setup import schedule_setup
from medoffice.scheduling.slots import units
from tests.scheduling.conftest import counts, hold_set, next_weekday_at


def test_a_booking_with_the_setup_kept_runs_a_handful_of_statements(
    office, patients, book, settings, immediate_tasks
):
    """The booking's own statements: no HL7 feed, and a task queue outside the database
    (its task waits for the commit), so no outbox listener writes in the transaction."""
    settings.MEDOFFICE_HL7_FEED = {"transport": "off"}
    first, second = patients(2)
    book(first, next_weekday_at(9))  # the set-up is now kept
    with CaptureQueriesContext(connection) as queries:
        book(second, next_weekday_at(10))
    statements = [q["sql"].split()[0].upper() for q in queries]
    # savepoint, set-up token, busy rooms, appointment, holds, chain head (read, update),
    # audit row, release: the rule checks and the template check read nothing more. On
    # PostgreSQL the appointment and holds are written in a savepoint of their own (two more
    # statements), so a room lost to a simultaneous booking can be chosen again.
    assert statements.count("SELECT") == 3
    assert statements.count("INSERT") == 3
    assert len(statements) <= (11 if connection.vendor == "postgresql" else 9)


def test_a_long_visits_holds_are_written_in_batches(practice, office, patients, provider, rooms):
    long_visit = AppointmentType.objects.create(
        practice=practice, name="Day case", duration_minutes=480, room_kind="exam"
    )
    first, second = patients(2)
    starts_at = next_weekday_at(8)
    appointment = book_overriding(first, long_visit, provider, office, starts_at)
    span = units(starts_at, starts_at + timedelta(minutes=480))
    assert len(span) == 96
    assert hold_set(appointment) == {
        (kind, resource_id, unit)
        for kind, resource_id in (("T", first.id), ("P", provider.id), ("R", rooms[0].id))
        for unit in span
    }
    before = counts()
    with pytest.raises(SlotTakenError):
        book_overriding(second, long_visit, provider, office, starts_at + timedelta(hours=4))
    assert counts() == before


def book_overriding(patient, kind, provider, location, starts_at):
    from medoffice.scheduling.services import appointment_book

    return appointment_book(
        patient=patient, appointment_type=kind, provider=provider, location=location,
        starts_at=starts_at, override=True,
    )  # fmt: skip


def test_a_refused_booking_leaves_the_callers_transaction_usable(office, patients, book):
    first, second = patients(2)
    with transaction.atomic():
        book(first, next_weekday_at(9))
        with pytest.raises(SlotTakenError):
            book(second, next_weekday_at(9))  # the provider is taken
        moved = book(second, next_weekday_at(9, 30))
    assert Appointment.objects.filter(pk=moved.pk).exists()
    assert Appointment.objects.count() == 2


def test_a_booking_whose_audit_row_fails_leaves_nothing(office, patient, book, monkeypatch):
    before, events = counts(), AuditEvent.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("no key")

    monkeypatch.setattr(audit, "compute_mac", broken)
    with pytest.raises(RuntimeError):
        book(patient, next_weekday_at(9))
    assert counts() == before
    assert AuditEvent.objects.count() == events


def test_resource_holds_of_the_appointment_being_moved_do_not_count(
    office, visit_type, location, patient, book
):
    appointment = book(patient, next_weekday_at(9))
    needs = selectors.needs_at(visit_type, [location.id], schedule_setup(location.practice_id))
    span = units(appointment.starts_at, appointment.ends_at)
    assert ("R", appointment.room_id) in selectors.resources_busy(needs[location.id], span)
    assert selectors.resources_busy(needs[location.id], span, ignore=appointment.pk) == set()


def test_the_finder_offers_the_same_times_whatever_its_read_windows(
    office, visit_type, patients, book, second_provider, monkeypatch
):
    people = patients(6)
    for n, patient in enumerate(people):
        kw = {"provider_": second_provider} if n % 2 else {}
        book(patient, next_weekday_at(9) + timedelta(minutes=30 * (n // 2)), **kw)
    after = next_weekday_at(0)

    def found():
        slots = selectors.find_slots(appointment_type=visit_type, after=after, limit=20)
        return [(s.starts_at, s.provider_id, s.room_id) for s in slots]

    usual = found()
    monkeypatch.setattr(selectors, "FIRST_WINDOW_CELLS", 1)
    monkeypatch.setattr(selectors, "FIRST_WINDOW_UNITS", (1, 1))
    assert found() == usual
    assert len(usual) == 20
    assert Hold.objects.exists()
