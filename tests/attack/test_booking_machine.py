"""SC-01 as a Hypothesis state machine: any sequence of bookings, moves and cancellations keeps
the schedule's invariants, and the booking service agrees with a model of the office.

The office: two providers seeing patients Tuesday 9:00-12:00 (15-minute grid), two exam
rooms, one ECG cart, one medical assistant; four patients; three visit types (30 minutes
in an exam room; 20 minutes with the ECG; 15 minutes with the assistant). The machine
books, reschedules and cancels at any time from 8:30 to 12:30 on a 5-minute mark, with
and without `override`, through the real services on the real database.

The model (`Visit` rows kept beside the database) says what must happen:
- outside the template (off the grid, before 9:00, running past 12:00) without
  override: refused;
- the provider, the patient, the ECG (for ECG visits) or the assistant busy then, or both
  rooms busy: refused; and a move that is refused leaves the visit where it was;
- otherwise (template time or override, everything free): booked.
After every step (`invariant`): raw SQL finds no two live visits overlapping for one
provider, patient, room, item of equipment or assistant; each live visit holds exactly
its resources for exactly its 5-minute units and a cancelled one holds nothing; every
live visit outside the template was booked or moved with override; the database's live
visits are the model's.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from medoffice.scheduling.errors import SchedulingError
from medoffice.scheduling.models import Appointment, AppointmentType, Hold
from medoffice.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from medoffice.scheduling.slots import units
from tests.scheduling.conftest import next_weekday_at

from .budget import report, size

EXAMPLES = size("MEDOFFICE_BOOKING_EXAMPLES", 10, 500)
STEPS = size("MEDOFFICE_BOOKING_STEPS", 15, 40)
LIVE = ("booked", "arrived", "fulfilled")
RELEASED = ("cancelled", "noshow", "entered-in-error")
# 8:30 .. 12:30, every 5 minutes
MINUTES = [510 + 5 * n for n in range(49)]


@dataclass
class Visit:
    id: int
    patient: int
    provider: int
    kind: str  # "visit", "ecg", "assistant"
    start: datetime
    end: datetime
    override: bool
    room: int | None = None
    equipment: list[int] = field(default_factory=list)
    assistant: int | None = None


class Office:
    """The fixture objects the machine books with (set by the test before it runs)."""

    providers: list = []
    patients: list = []
    types: dict = {}
    location = None
    day = None
    ecg = None
    assistant = None
    stats: dict = {}


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


class BookingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.visits: dict[int, Visit] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # ------------------------------------------------------------ the model's verdict

    def _at(self, minute: int) -> datetime:
        return Office.day + timedelta(minutes=minute)

    def _template_time(self, start: datetime, kind: str) -> bool:
        end = start + timedelta(minutes=Office.types[kind].duration_minutes)
        nine, noon = self._at(540), self._at(720)
        return (
            nine <= start
            and end <= noon
            and (start - nine) % timedelta(minutes=15) == (timedelta(0))
        )

    def _free(self, *, patient, provider, kind, start, end, ignore=None) -> bool:
        others = [v for v in self.visits.values() if v.id != ignore]
        busy = [v for v in others if _overlaps(v.start, v.end, start, end)]
        if any(v.provider == provider or v.patient == patient for v in busy):
            return False
        rooms_taken = {v.room for v in busy if v.room is not None}  # at some time of the span
        if kind != "assistant" and len(rooms_taken) >= 2:  # (the injection needs no room)
            return False
        if kind == "ecg" and any(v.equipment for v in busy):
            return False
        return not (kind == "assistant" and any(v.assistant for v in busy))

    def _expect(self, *, patient, provider, kind, start, override, ignore=None) -> bool:
        end = start + timedelta(minutes=Office.types[kind].duration_minutes)
        if not override and not self._template_time(start, kind):
            return False
        return self._free(patient=patient, provider=provider, kind=kind, start=start, end=end,
                          ignore=ignore)  # fmt: skip

    def _remember(self, appointment: Appointment, kind: str, override: bool) -> None:
        appointment.refresh_from_db()
        self.visits[appointment.id] = Visit(
            appointment.id, appointment.patient_id, appointment.provider_id, kind,
            appointment.starts_at, appointment.ends_at, override, appointment.room_id,
            list(appointment.equipment.values_list("id", flat=True)), appointment.assistant_id,
        )  # fmt: skip

    def _count(self, outcome: str) -> None:
        Office.stats[outcome] = Office.stats.get(outcome, 0) + 1

    # ------------------------------------------------------------ rules

    @rule(
        patient=st.integers(0, 3), provider=st.integers(0, 1),
        kind=st.sampled_from(["visit", "ecg", "assistant"]), minute=st.sampled_from(MINUTES),
        override=st.booleans(),
    )  # fmt: skip
    def book(self, patient, provider, kind, minute, override):
        start = self._at(minute)
        expected = self._expect(patient=Office.patients[patient].id,
                                provider=Office.providers[provider].id, kind=kind,
                                start=start, override=override)  # fmt: skip
        refusal = None
        try:
            with transaction.atomic():
                appointment = appointment_book(
                    patient=Office.patients[patient], appointment_type=Office.types[kind],
                    provider=Office.providers[provider], location=Office.location,
                    starts_at=start, override=override,
                )  # fmt: skip
        except (ValidationError, SchedulingError) as exc:
            refusal = exc
        if refusal is not None:
            assert not expected, f"refused although free: {refusal}"
            self._count("booking refused")
            return
        assert expected, "booked although the model says it must be refused"
        self._remember(appointment, kind, override)
        self._count("booked")

    @precondition(lambda self: self.visits)
    @rule(pick=st.integers(0, 1000), minute=st.sampled_from(MINUTES), override=st.booleans())
    def reschedule(self, pick, minute, override):
        visit = self.visits[sorted(self.visits)[pick % len(self.visits)]]
        start = self._at(minute)
        expected = self._expect(patient=visit.patient, provider=visit.provider, kind=visit.kind,
                                start=start, override=override, ignore=visit.id)  # fmt: skip
        holds_before = set(Hold.objects.filter(appointment_id=visit.id)
                           .values_list("kind", "resource_id", "unit"))  # fmt: skip
        refusal = None
        try:
            with transaction.atomic():
                appointment = appointment_reschedule(
                    appointment=Appointment.objects.get(pk=visit.id), starts_at=start,
                    override=override,
                )  # fmt: skip
        except (ValidationError, SchedulingError) as exc:
            refusal = exc
        if refusal is not None:
            assert not expected, f"move refused although free: {refusal}"
            kept = Appointment.objects.get(pk=visit.id)
            assert (kept.starts_at, kept.status) == (visit.start, "booked")
            assert set(Hold.objects.filter(appointment_id=visit.id)
                       .values_list("kind", "resource_id", "unit")) == holds_before  # fmt: skip
            self._count("move refused")
            return
        assert expected, "moved although the model says it must be refused"
        self._remember(appointment, visit.kind, override)
        self._count("moved")

    @precondition(lambda self: self.visits)
    @rule(pick=st.integers(0, 1000))
    def cancel(self, pick):
        visit_id = sorted(self.visits)[pick % len(self.visits)]
        appointment_cancel(appointment=Appointment.objects.get(pk=visit_id), reason="called")
        del self.visits[visit_id]
        self._count("cancelled")

    # ------------------------------------------------------------ invariants

    @invariant()
    def no_resource_is_held_twice_at_once(self):
        placeholders = ", ".join(["%s"] * len(RELEASED))
        pairs = {
            "provider": ("a.provider_id", "b.provider_id"),
            "patient": ("a.patient_id", "b.patient_id"),
            "room": ("a.room_id", "b.room_id"),
            "assistant": ("a.assistant_id", "b.assistant_id"),
        }
        with connection.cursor() as cursor:
            for name, (left, right) in pairs.items():
                cursor.execute(
                    "SELECT a.id, b.id FROM scheduling_appointment a JOIN scheduling_appointment b"  # noqa: S608
                    f" ON {left} = {right} AND a.id < b.id"
                    " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
                    f" WHERE a.status NOT IN ({placeholders}) AND b.status NOT IN ({placeholders})",
                    [*RELEASED, *RELEASED],
                )
                assert cursor.fetchall() == [], f"two live visits share a {name}"
            through = Appointment.equipment.through._meta.db_table
            cursor.execute(
                f"SELECT a.id, b.id FROM {through} x JOIN {through} y"  # noqa: S608
                " ON x.equipment_id = y.equipment_id AND x.appointment_id < y.appointment_id"
                " JOIN scheduling_appointment a ON a.id = x.appointment_id"
                " JOIN scheduling_appointment b ON b.id = y.appointment_id"
                " WHERE a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
                f" AND a.status NOT IN ({placeholders}) AND b.status NOT IN ({placeholders})",
                [*RELEASED, *RELEASED],
            )
            assert cursor.fetchall() == [], "two live visits share an item of equipment"

    @invariant()
    def holds_are_exactly_the_live_visits_resources(self):
        expected = set()
        for v in self.visits.values():
            resources = [("T", v.patient), ("P", v.provider)]
            resources += [("R", v.room)] if v.room else []
            resources += [("E", e) for e in v.equipment]
            resources += [("A", v.assistant)] if v.assistant else []
            expected |= {(v.id, k, r, u) for k, r in resources for u in units(v.start, v.end)}
        actual = set(Hold.objects.filter(appointment__isnull=False)
                     .values_list("appointment_id", "kind", "resource_id", "unit"))  # fmt: skip
        assert actual == expected

    @invariant()
    def live_visits_are_the_models_and_off_template_ones_had_override(self):
        live = {a.id: a for a in Appointment.objects.filter(status__in=LIVE)}
        assert set(live) == set(self.visits)
        for v in self.visits.values():
            a = live[v.id]
            assert (a.starts_at, a.provider_id, a.patient_id) == (v.start, v.provider, v.patient)
            if not v.override:
                assert self._template_time(a.starts_at, v.kind), "off the template, no override"


@pytest.mark.django_db
def test_booking_state_machine_keeps_every_invariant(
    office, provider, second_provider, ecg, medical_assistant, make_patient, practice,
):  # fmt: skip
    Office.providers = [provider, second_provider]
    Office.patients = [make_patient(first_name=n, last_name="Machine", mobile_phone="")
                       for n in ("Avery", "Blake", "Casey", "Devon")]  # fmt: skip
    Office.types = {
        "visit": AppointmentType.objects.create(
            practice=practice, name="Machine visit", duration_minutes=30, room_kind="exam"),
        "ecg": AppointmentType.objects.create(
            practice=practice, name="Machine ECG", duration_minutes=20, room_kind="exam",
            equipment_kinds="ECG"),
        "assistant": AppointmentType.objects.create(
            practice=practice, name="Machine injection", duration_minutes=15,
            needs_assistant=True),
    }  # fmt: skip
    Office.location = office
    Office.day = next_weekday_at(0, 0)
    Office.stats = {}
    BookingMachine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        derandomize=True, suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    BookingMachine.TestCase().runTest()
    report("Booking state machine (SC-01)", examples=EXAMPLES, steps_per_example=STEPS,
           double_bookings=0, **Office.stats)  # fmt: skip
    print(Office.stats)  # noqa: T201 - shown with -s
    assert Office.stats.get("booked", 0) > 0
    assert Office.stats.get("booking refused", 0) > 0
