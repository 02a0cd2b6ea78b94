"""Billing hears the schedule: a check-in opens the visit's encounter.

`appointment_changed` is sent after the scheduling transaction commits, so
whatever happens here cannot undo the check-in: every failure is logged (the
error's class and the appointment's opaque id, never PHI) and swallowed.
"""

import logging

from medoffice.scheduling.events import AppointmentEvent

logger = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, event, previous, **kwargs) -> None:
    if event != AppointmentEvent.STATUS:
        return
    try:
        from medoffice.billing.services import on_appointment_status

        on_appointment_status(
            appointment=appointment, previous_status=(previous or {}).get("status", "")
        )
    except Exception as exc:
        logger.error(
            "Encounter not opened or voided for appointment %s (%s)",
            appointment.public_id,
            type(exc).__name__,
        )
