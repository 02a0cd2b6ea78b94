"""Scheduling tells us about committed changes; we queue the patient's notice.

Listeners must not raise (scheduling/events.py): a queue that cannot be written
must not look like a failed booking to the clerk who made it.
"""

import logging

from medoffice.messaging.services import NOTICE_PURPOSES

logger = logging.getLogger(__name__)


def notify_patient_of_change(sender, appointment, event, previous, **kwargs) -> None:
    if event not in NOTICE_PURPOSES:
        return
    from medoffice.messaging.tasks import send_appointment_notice

    try:
        send_appointment_notice.enqueue(
            str(appointment.public_id), str(event), appointment.starts_at.isoformat()
        )
    except Exception:
        logger.exception("could not queue the %s notice of %s", event, appointment.public_id)


def tell_waiting_patient(sender, offer, news, **kwargs) -> None:
    from medoffice.messaging.tasks import send_waitlist_news

    try:
        send_waitlist_news.enqueue(str(offer.public_id), news)
    except Exception:
        logger.exception("could not queue the waitlist %s of offer %s", news, offer.public_id)
