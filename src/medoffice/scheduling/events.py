"""What other parts of the office hear when an appointment changes.

Services send `appointment_changed` after their transaction commits, so a
listener (the HL7 feed, reminders, the cancellation list) never acts on a
booking that was rolled back. Listeners must not raise: a failing feed must
not undo a booking the patient was already told about.
"""

from enum import StrEnum

from django.db import transaction
from django.dispatch import Signal


class AppointmentEvent(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    STATUS = "status"  # any other status move (check-in, check-out, back to booked...)


# kwargs: appointment, event (AppointmentEvent), previous (dict of the old
# starts_at/ends_at/provider_id/location_id/status before the change).
appointment_changed = Signal()


def announce(appointment, event: AppointmentEvent, previous: dict | None = None) -> None:
    """Tell listeners once the surrounding transaction has committed."""
    transaction.on_commit(
        lambda: appointment_changed.send(
            sender=type(appointment),
            appointment=appointment,
            event=event,
            previous=previous or {},
        )  # fmt: skip
    )


# kwargs: offer (a WaitlistOffer), news ("offer": a time is offered to the patient;
# "taken": the time they were offered went to someone else). Sent after commit.
waitlist_news = Signal()
