"""Appointment statuses (FHIR Appointment.status) and the moves allowed between them."""

from django.db import models


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Checked in"
    FULFILLED = "fulfilled", "Checked out"
    CANCELLED = "cancelled", "Cancelled"
    NOSHOW = "noshow", "No-show"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


S = AppointmentStatus

# from -> the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.BOOKED: frozenset({S.ARRIVED, S.CANCELLED, S.NOSHOW, S.ENTERED_IN_ERROR}),
    S.ARRIVED: frozenset(
        {S.FULFILLED, S.BOOKED, S.ENTERED_IN_ERROR}
    ),  # back: checked in by mistake
    S.FULFILLED: frozenset({S.ENTERED_IN_ERROR}),
    S.CANCELLED: frozenset({S.ENTERED_IN_ERROR}),
    S.NOSHOW: frozenset({S.BOOKED, S.ENTERED_IN_ERROR}),  # the patient came late after all
    S.ENTERED_IN_ERROR: frozenset(),
}

# Statuses that keep their resources held (the others release them).
HOLDING = frozenset({S.BOOKED, S.ARRIVED, S.FULFILLED})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
