"""The demo practice's schedule: rooms, equipment, visit types, weekly templates and bookings.

Deterministic from the seed, idempotent, and booked through `appointment_book`
itself, so the demo shows what the engine really does.
"""

import random
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.core.clock import today_at
from medoffice.core.models import Practice
from medoffice.patients.models import Patient, PatientStatus
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.holidays import holidays_load_federal
from medoffice.scheduling.models import AppointmentType, Equipment, Room, TemplateBlock
from medoffice.scheduling.selectors import Preferences, find_slots
from medoffice.scheduling.services import appointment_book
from medoffice.scheduling.waitlist import waitlist_add

VISIT_TYPES = (
    # name, minutes, room kind, equipment, modality, patient kind, color on the board
    ("New patient visit", 40, "exam", "", "in_person", "new", "#2f855a"),
    ("Follow-up visit", 20, "exam", "", "in_person", "any", "#1f6f8b"),
    ("Annual physical", 40, "exam", "", "in_person", "any", "#6b46c1"),
    ("ECG visit", 20, "exam", "ECG", "in_person", "any", "#c53030"),
    ("Telehealth follow-up", 20, "", "", "telehealth", "any", "#b7791f"),
)
REASONS = ("Follow-up", "Annual exam", "Blood pressure check", "Cough", "Medication review",
           "Back pain", "Rash", "Lab review", "Knee pain", "Headache")  # fmt: skip


@transaction.atomic
def load_demo_schedule(*, practice: Practice, seed: int, days: int = 10) -> dict:
    if AppointmentType.objects.filter(practice=practice).exists():
        return {"created": False}
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    locations = list(practice.locations.order_by("id"))
    for location in locations:
        for number in range(1, 5):
            Room.objects.create(location=location, name=f"Exam {number}")
        Room.objects.create(location=location, name="Procedure", kind="procedure")
        Equipment.objects.create(location=location, name="ECG cart", kind="ECG")
    types = [
        AppointmentType.objects.create(
            practice=practice, name=name, duration_minutes=minutes, room_kind=room,
            equipment_kinds=equipment, modality=modality, patient_kind=kind,
            min_notice_hours=0, color=color,
        )
        for name, minutes, room, equipment, modality, kind, color in VISIT_TYPES
    ]  # fmt: skip
    providers = list(practice.providers.filter(is_active=True).order_by("id"))
    for index, provider in enumerate(providers):
        location = locations[index % len(locations)]
        provider.locations.add(location)
        for weekday in range(5):
            for start, end in ((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))):
                TemplateBlock.objects.create(
                    provider=provider, location=location, weekday=weekday,
                    start_time=start, end_time=end, slot_minutes=20,
                )  # fmt: skip
    year = today_at(practice).year
    holidays_load_federal(practice=practice, years=[year, year + 1])
    booked = _book_some(practice, types, providers, rng, days)
    _wait_some(practice, types)
    return {"created": True, "appointments": booked}


def _wait_some(practice, types) -> None:
    """A few patients on the waiting list, so a cancellation in the demo offers its time."""
    follow_up = next(t for t in types if t.name == "Follow-up visit")
    waiting = Patient.objects.filter(
        practice=practice, status=PatientStatus.ACTIVE, appointments__isnull=True
    ).order_by("id")[:3]
    for priority, patient in zip((1, 3, 3), waiting, strict=False):
        waitlist_add(patient=patient, fields={"appointment_type": follow_up,
                                              "priority": priority})  # fmt: skip


def _book_some(practice, types, providers, rng, days) -> int:
    patients = list(
        Patient.objects.filter(practice=practice, status=PatientStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)[:2000]
    )
    zone = practice.locations.order_by("id").first().zone
    today = timezone.now().astimezone(zone).date()
    booked = 0
    follow_up = next(t for t in types if t.name == "Follow-up visit")
    for offset in range(days):
        day_start = datetime.combine(today + timedelta(days=offset), time(0, 0), tzinfo=zone)
        for provider in providers:
            slots = find_slots(
                appointment_type=follow_up, after=day_start, limit=24, days=0,
                prefs=Preferences(provider_ids=(provider.id,)),
            )  # fmt: skip
            for slot in slots:
                if rng.random() > 0.55:
                    continue
                kind = rng.choice([t for t in types if t.patient_kind == "any"])
                patient = Patient.objects.get(id=rng.choice(patients))
                try:
                    appointment_book(
                        patient=patient, appointment_type=kind, provider=provider,
                        location=provider.locations.first(),
                        starts_at=slot.starts_at, reason=rng.choice(REASONS),
                    )  # fmt: skip
                except (SlotTakenError, ValidationError):
                    # A longer visit than the slot, or equipment already in use: skip it.
                    continue
                booked += 1
    return booked
