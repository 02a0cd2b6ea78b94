"""The demo practice's past: its last weeks lived through the real services.

A practice that opened this morning has an empty dashboard, no A/R, no remittances and
no statements to send, and an office manager or biller trying the demo would see
nothing of what they would use. So the demo lives its past instead of having rows
made up: with the clock set back (time-machine) to each weekday of the last weeks, the
front desk books the day's visits, checks patients in and collects copays, rooms them
and checks them out or marks the no-shows; the clinician codes and signs the visit;
every Friday the biller sends the week's claims to the demo's simulated clearinghouse,
and on the next business day picks up its 999 and 277CA and the simulated payers'
835s, which the ERA posting posts. Every row comes from the service a user would call,
so the past is exactly what the software makes (only the dashboard's rollups are rebuilt
at the end). The last week's claims are left unsent, for the biller to send.
Deterministic from the seed; idempotent (done once per practice).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.core.models import Practice
from medoffice.reports import rollups

DIAGNOSES = (("I10", "E78.5"), ("E11.9",), ("J06.9",), ("N39.0",), ("K21.9",), ("M54.50",),
             ("J02.0",), ("E03.9",), ("F41.9",), ("R05.1",))  # fmt: skip
SERVICES = (("99213",), ("99214",), ("99212",), ("99213", "36415"), ("99214", "93000"),
            ("99213", "81002"), ("99215",), ("99213", "87880"))  # fmt: skip
NOSHOW_RATE = 0.07
CANCEL_RATE = 0.06
VISITS_PER_PROVIDER_DAY = 6


def _at(day: date, clock: time, zone) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def _weekdays(first: date, last: date):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def load_demo_history(
    *, practice: Practice, seed: int, weeks: int = 6, per_day: int = VISITS_PER_PROVIDER_DAY
) -> dict:
    from medoffice.billing.models import ClearinghouseConnection, Encounter

    if Encounter.objects.filter(
        patient__practice=practice, appointment__isnull=False, status="signed"
    ).exists():
        return {"created": False}
    connection = ClearinghouseConnection.objects.filter(
        practice=practice, simulate_responses=True, is_active=True
    ).first()
    zone = practice.locations.order_by("id").first().zone
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = timezone.now().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks)
    counts = {"visits": 0, "no-shows": 0, "cancelled": 0, "batches": 0, "remittances": 0}
    office = _Office.of(practice)
    for day in _weekdays(first, monday - timedelta(days=1)):
        _live_day(office, day, zone, rng, counts, per_day)
        if day.weekday() == 0 and connection is not None and day > first:
            _pick_up(connection, _at(day, time(9, 0), zone), counts)
        if day.weekday() == 4 and connection is not None and day < monday - timedelta(days=3):
            _send(practice, connection, _at(day, time(17, 30), zone), counts)
    if connection is not None:
        _pick_up(connection, _at(monday, time(9, 0), zone), counts)
    # The rollups find changed days by their rows' times since the last refresh: rows made
    # with the clock set back look older than that, so the dashboard's days are made afresh.
    rollups.rebuild()
    return {"created": True, **counts}


@dataclass(frozen=True)
class _Office:
    """What every day of the history books with, read once: the visit types, the patients,
    the locations, the providers and the clinician who signs for a provider without a login."""

    types: list
    patients: list
    locations: dict
    providers: list
    signer: object

    @classmethod
    def of(cls, practice: Practice) -> "_Office":
        from medoffice.patients.models import Patient, PatientStatus
        from medoffice.scheduling.models import AppointmentType

        return cls(
            types=list(AppointmentType.objects.filter(
                practice=practice, is_active=True, patient_kind="any", modality="in_person"
            ).order_by("id")),
            patients=list(Patient.objects.filter(
                practice=practice, status=PatientStatus.ACTIVE, coverages__order=1,
                coverages__status="active",
            ).order_by("id")[:400]),
            locations={location.id: location for location in practice.locations.all()},
            providers=list(practice.providers.filter(is_active=True).order_by("id")),
            signer=get_user_model().objects.filter(username="clinician").first(),
        )  # fmt: skip


def _live_day(office: _Office, day: date, zone, rng: random.Random, counts: dict, per_day: int):
    from medoffice.scheduling.errors import SlotTakenError
    from medoffice.scheduling.selectors import Preferences, find_slots
    from medoffice.scheduling.services import appointment_book

    types, patients, locations = office.types, office.patients, office.locations
    if not types:
        return
    booked = []
    with time_machine.travel(_at(day, time(7, 30), zone), tick=False):
        for provider in office.providers:
            slots = find_slots(
                appointment_type=types[0], after=_at(day, time(0, 0), zone), limit=24, days=0,
                prefs=Preferences(provider_ids=(provider.id,)),
            )  # fmt: skip
            for slot in rng.sample(slots, min(per_day, len(slots))):
                try:
                    booked.append(appointment_book(
                        patient=rng.choice(patients), appointment_type=rng.choice(types),
                        provider=provider, location=locations[slot.location_id],
                        starts_at=slot.starts_at, reason="Follow-up",
                    ))  # fmt: skip
                except (SlotTakenError, ValidationError):
                    continue  # a longer visit than the slot, or the patient already booked
    for appointment in sorted(booked, key=lambda a: a.starts_at):
        _visit(appointment, rng, counts, office.signer)


def _visit(appointment, rng: random.Random, counts: dict, signer) -> None:
    """One visit from the desk's and the clinician's side, each step at its own time."""
    from medoffice.billing import services as billing
    from medoffice.billing.rules import LineInput
    from medoffice.scheduling.front_desk import copay_quote, visit_check_in, visit_step
    from medoffice.scheduling.models import AppointmentStatus
    from medoffice.scheduling.services import appointment_cancel, appointment_set_status

    start = appointment.starts_at
    roll = rng.random()
    if roll < CANCEL_RATE:
        with time_machine.travel(start - timedelta(hours=3), tick=False):
            appointment_cancel(appointment=appointment, reason="Patient called: feeling better")
        counts["cancelled"] += 1
        return
    if roll < CANCEL_RATE + NOSHOW_RATE:
        with time_machine.travel(start + timedelta(minutes=30), tick=False):
            appointment_set_status(appointment=appointment, status=AppointmentStatus.NOSHOW)
        counts["no-shows"] += 1
        return
    with time_machine.travel(start - timedelta(minutes=rng.randint(2, 15)), tick=False):
        due = copay_quote(appointment).amount
        paid = due > 0 and rng.random() < 0.85
        card = rng.random() < 0.6
        visit_check_in(
            appointment=appointment, demographics_verified=True, insurance_verified=True,
            copay_collected=due if paid else Decimal("0.00"),
            copay_method=("card" if card else "cash") if paid else "waived",
            copay_reference=f"DEMO-TERMINAL-{rng.randrange(10**6):06d}" if paid and card else "",
        )  # fmt: skip
    with time_machine.travel(start + timedelta(minutes=rng.randint(0, 12)), tick=False):
        visit_step(appointment=appointment, step="roomed")
    with time_machine.travel(start + timedelta(minutes=rng.randint(13, 22)), tick=False):
        visit_step(appointment=appointment, step="seen")
    with time_machine.travel(appointment.ends_at + timedelta(minutes=10), tick=False):
        appointment_set_status(appointment=appointment, status=AppointmentStatus.FULFILLED)
        # The check-in opened it (on commit); asked for here so it also holds inside a test.
        encounter = billing.encounter_open_for_appointment(appointment=appointment)
        encounter = billing.superbill_save(
            encounter=encounter, diagnoses=list(rng.choice(DIAGNOSES)),
            lines=[LineInput(code=code) for code in rng.choice(SERVICES)],
        )  # fmt: skip
        billing.encounter_sign(encounter=encounter, signed_by=appointment.provider.user or signer)
    counts["visits"] += 1


def _send(practice, connection, at: datetime, counts: dict) -> None:
    from medoffice.billing.exchange import claims_send

    with time_machine.travel(at, tick=False):
        report = claims_send(practice_id=practice.id)
    counts["batches"] += len(report.batches)


def _pick_up(connection, at: datetime, counts: dict) -> None:
    from medoffice.billing.acks import responses_pick_up
    from medoffice.billing.simulator import simulate_payments
    from medoffice.payments.era import era_pick_up

    with time_machine.travel(at, tick=False):
        responses_pick_up(connection)  # the 999s and 277CAs of last week's batches
        simulate_payments(connection)
        results = era_pick_up(connection)
    counts["remittances"] += sum(result.status == "posted" for result in results)
