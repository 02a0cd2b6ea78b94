"""The outbox's writers: queue a message for an appointment change, deliver what waits.

Delivery runs oldest first. A receiver that is unavailable stops the run (the
message stays pending, and so does everything after it, so the receiver later
gets them in order); a message the receiver refuses is marked failed and the
run goes on. Pending messages go out with the next change or `medoffice hl7
resend`; failed ones only with `medoffice hl7 resend`, once someone has looked.

Two processes may deliver at once: a process claims a message for a while
(`claimed_until`) before sending it, and the other skips it, so we do not send
a message twice (receivers should still ignore a repeated MSH-10, as HL7
expects). A claim that outlives a crashed process simply expires. The
message queued for a change is claimed as it is written, which spares a
durable commit per message on the path every booking takes.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from medoffice.interop.hl7v2 import siu_message
from medoffice.interop.models import OutboundMessage, OutboundStatus, new_control_id
from medoffice.interop.transports import (
    MessageRefused,
    Outgoing,
    ReceiverUnavailable,
    Transport,
)
from medoffice.interop.transports.file import FileDrop
from medoffice.interop.transports.mllp import MllpClient
from medoffice.scheduling.models import Appointment

logger = logging.getLogger(__name__)

_ERROR_LENGTH = OutboundMessage._meta.get_field("last_error").max_length
_DESTINATION_LENGTH = OutboundMessage._meta.get_field("destination").max_length


def feed_is_on() -> bool:
    return settings.MEDOFFICE_HL7_FEED["transport"] != "off"


def transport_from_settings() -> Transport:
    target = settings.MEDOFFICE_HL7_FEED
    if target["transport"] == "file":
        return FileDrop(target["directory"])
    if target["transport"] == "mllp":
        return MllpClient(
            target["host"], target["port"], timeout=settings.MEDOFFICE_HL7_TIMEOUT_SECONDS
        )
    raise ValueError("the HL7 feed is off (MEDOFFICE_HL7_FEED=off)")


def _claim_period() -> timedelta:
    """Long enough for one delivery (connect plus wait for the ACK) with room to spare."""
    return timedelta(seconds=max(60, 3 * settings.MEDOFFICE_HL7_TIMEOUT_SECONDS))


@transaction.atomic
def outbound_message_queue(
    *,
    appointment: Appointment,
    event: str,
    previous: dict,
    control_id: str | None = None,
    claim: bool = False,
) -> OutboundMessage:
    """Write the message for one committed appointment change to the outbox.

    `claim`: the caller delivers it straight away, so no other process may.
    """
    control_id = control_id or new_control_id()
    created_at = timezone.now()
    trigger, text = siu_message(
        appointment, event, previous, control_id=control_id, created_at=created_at
    )
    return OutboundMessage.objects.create(
        control_id=control_id,
        trigger=trigger.value,
        appointment=appointment,
        text=text,
        created_at=created_at,
        claimed_until=created_at + _claim_period() if claim else None,
    )


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    held: str = ""  # the control id the run stopped at: receiver unavailable
    reason: str = ""


def _claim(message_id: int, statuses: tuple[str, ...]) -> bool:
    now = timezone.now()
    return bool(
        OutboundMessage.objects.filter(id=message_id, status__in=statuses)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + _claim_period())
    )


def _finish(message_id: int, *, status: str, error: str = "", **fields) -> None:
    """Record one attempt and release the claim."""
    OutboundMessage.objects.filter(id=message_id).update(
        status=status,
        attempts=F("attempts") + 1,
        last_attempt_at=timezone.now(),
        last_error=error[:_ERROR_LENGTH],
        claimed_until=None,
        **fields,
    )


def _release(message_id: int) -> None:
    OutboundMessage.objects.filter(id=message_id).update(claimed_until=None)


def outbox_deliver(
    *,
    transport: Transport | None = None,
    statuses: tuple[str, ...] = (OutboundStatus.PENDING,),
    control_ids: list[str] | None = None,
    claimed: OutboundMessage | None = None,
) -> DeliveryReport:
    """Send the messages in `statuses` (all of them, or those named), oldest first.

    `claimed`: a message this process queued with `claim=True`; it goes out in
    its turn, and its claim is released if the run stops before it.
    """
    transport = transport or transport_from_settings()
    waiting = OutboundMessage.objects.filter(status__in=statuses).order_by("id")
    if control_ids is not None:
        waiting = waiting.filter(control_id__in=control_ids)
    # Ids first: rows change as we go, and an SQLite cursor does not isolate that.
    queue = list(waiting.values_list("id", flat=True))
    own = claimed.id if claimed is not None else None
    report = DeliveryReport()
    attempted: set[int] = set()
    try:
        with transport.session() as session:
            for message_id in queue:
                if message_id != own and not _claim(message_id, statuses):
                    continue  # another process is sending it
                attempted.add(message_id)
                if not _send_one(session, message_id, report):
                    break
    finally:
        if own is not None and own not in attempted:
            _release(own)
    return report


def _send_one(session, message_id: int, report: DeliveryReport) -> bool:
    """Send one claimed message; False when the run must stop."""
    message = OutboundMessage.objects.get(id=message_id)
    outgoing = Outgoing(
        control_id=message.control_id,
        trigger=message.trigger,
        text=message.text,
        created_at=message.created_at,
    )
    try:
        destination = session.send(outgoing)
    except ReceiverUnavailable as exc:
        _finish(message.id, status=OutboundStatus.PENDING, error=str(exc))
        logger.warning(
            "HL7 message %s held: receiver unavailable (%s)",
            message.control_id,
            type(exc.__cause__ or exc).__name__,
        )
        report.held, report.reason = message.control_id, str(exc)
        return False
    except MessageRefused as exc:
        _finish(message.id, status=OutboundStatus.FAILED, error=str(exc))
        logger.warning("HL7 message %s refused by the receiver", message.control_id)
        report.refused.append(message.control_id)
        return True
    _finish(
        message.id,
        status=OutboundStatus.SENT,
        destination=destination[:_DESTINATION_LENGTH],
        sent_at=timezone.now(),
    )
    report.sent.append(message.control_id)
    return True
