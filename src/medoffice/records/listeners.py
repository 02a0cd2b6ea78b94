"""Records hears the schedule: when a referred patient's visit opens its encounter (billing
does that on check-in), the referring provider is copied onto it for the claim.

Sent after the scheduling transaction commits and after billing's own listener (billing is
installed first): failures are logged (class and the appointment's opaque id) and swallowed.
"""

import logging

from medoffice.scheduling.events import AppointmentEvent

logger = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, event, previous, **kwargs) -> None:
    if event != AppointmentEvent.STATUS:
        return
    try:
        from medoffice.records.services import referral_carry_to_encounter

        referral_carry_to_encounter(appointment=appointment)
    except Exception as exc:
        logger.error(
            "Referring provider not carried to the encounter of appointment %s (%s)",
            appointment.public_id,
            type(exc).__name__,
        )
