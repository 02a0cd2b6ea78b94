"""Recurring appointments: a series booked occurrence by occurrence, in local wall-clock time.

Weekly therapy at 9:00 stays at 9:00 across a daylight-saving change, because each
occurrence is the same local time on a later local date, converted on its own.
Each occurrence is booked in its own savepoint, so one that is taken or closed is
reported (or moved to the nearest open time that day) without losing the others;
the series as a whole is one transaction, so a failed request leaves no half series.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from medoffice.core.models import Location, Provider
from medoffice.patients.models import Patient
from medoffice.scheduling import services
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import Appointment, AppointmentType
from medoffice.scheduling.selectors import Preferences, find_slots
from medoffice.scheduling.states import AppointmentStatus

MAX_OCCURRENCES = 52


class OnConflict:
    SKIP = "skip"
    NEAREST = "nearest"  # the first open time the same day with the same provider


@dataclass(frozen=True)
class Occurrence:
    requested: datetime
    appointment: Appointment | None
    problem: str = ""  # why it was not booked at the requested time

    @property
    def moved(self) -> bool:
        return self.appointment is not None and self.appointment.starts_at != self.requested


def occurrence_times(first: datetime, *, zone: ZoneInfo, every_weeks: int, count: int):
    local = first.astimezone(zone)
    return [
        datetime.combine(local.date() + timedelta(weeks=every_weeks * n), local.time(), zone)
        for n in range(count)
    ]


def _nearest_same_day(appointment_type, provider, location, requested, zone, patient_id):
    day_start = datetime.combine(requested.astimezone(zone).date(), time(0), zone)
    slots = find_slots(
        appointment_type=appointment_type, after=day_start, limit=1, patient_id=patient_id,
        prefs=Preferences(provider_ids=(provider.id,), location_ids=(location.id,)), days=0,
    )  # fmt: skip
    same_day = [s for s in slots if s.starts_at.astimezone(zone).date() == day_start.date()]
    return same_day[0].starts_at if same_day else None


@transaction.atomic
def appointment_book_series(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    provider: Provider,
    location: Location,
    first_starts_at: datetime,
    every_weeks: int,
    count: int,
    reason: str = "",
    booked_by=None,
    on_conflict: str = OnConflict.SKIP,
) -> list[Occurrence]:
    errors = {}
    if not 1 <= every_weeks <= 12:
        errors["every_weeks"] = ["Repeat every 1 to 12 weeks."]
    if not 2 <= count <= MAX_OCCURRENCES:
        errors["count"] = [f"A series has 2 to {MAX_OCCURRENCES} visits."]
    if on_conflict not in (OnConflict.SKIP, OnConflict.NEAREST):
        errors["on_conflict"] = ["Skip a taken time, or take the nearest that day."]
    if errors:
        raise ValidationError(errors)
    zone = location.zone
    series = uuid.uuid4()
    outcomes = []
    for requested in occurrence_times(
        first_starts_at, zone=zone, every_weeks=every_weeks, count=count
    ):
        booking = {
            "patient": patient, "appointment_type": appointment_type, "provider": provider,
            "location": location, "reason": reason, "booked_by": booked_by, "series": series,
        }  # fmt: skip
        try:
            with transaction.atomic():
                appointment = services.appointment_book(starts_at=requested, **booking)
            outcomes.append(Occurrence(requested, appointment))
            continue
        except SlotTakenError as exc:
            problem = str(exc)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        if on_conflict == OnConflict.NEAREST:
            nearest = _nearest_same_day(
                appointment_type, provider, location, requested, zone, patient.id
            )
            if nearest is not None:
                try:
                    with transaction.atomic():
                        appointment = services.appointment_book(starts_at=nearest, **booking)
                    outcomes.append(Occurrence(requested, appointment, problem))
                    continue
                except (SlotTakenError, ValidationError):
                    pass  # taken in the meantime: reported as not booked
        outcomes.append(Occurrence(requested, None, problem))
    if not any(o.appointment for o in outcomes):
        transaction.set_rollback(True)
    return outcomes


@transaction.atomic
def appointment_cancel_series(*, appointment: Appointment, reason: str) -> list[Appointment]:
    """Cancel this visit and the later booked visits of its series."""
    if appointment.series is None:
        return [services.appointment_cancel(appointment=appointment, reason=reason)]
    later = Appointment.objects.filter(
        series=appointment.series,
        starts_at__gte=appointment.starts_at,
        status=AppointmentStatus.BOOKED,
    ).order_by("starts_at")
    return [services.appointment_cancel(appointment=a, reason=reason) for a in later]
