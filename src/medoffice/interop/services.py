"""The outbox's writers: make the messages of appointment changes, deliver what waits.

A change only writes its message's snapshot into its row of the change journal
(scheduling/journal.py), in its own transaction; the worker (`medoffice worker`,
interop/tasks.py) turns new journal rows into outbox messages (outbox_fill) and
delivers what waits, in batches, oldest first, about once a second. A batch is claimed
and its messages rendered from
their snapshots and kept as sent (one commit), handed to
the transport whole (the file drop writes every file of it and makes them
durable with one sync), and its outcome recorded (one commit): a few disk
syncs per batch instead of several per booking.

A receiver that is unavailable stops the run (the message stays pending, and
so does everything after it, so the receiver later gets them in order); a
message the receiver refuses is marked failed and the run goes on. Failed
messages go out again only with `medoffice hl7 resend`, once someone has looked.

One delivery run at a time: a run claims its batch (`claimed_until`) only while
no other claim is alive, so two workers never interleave and the receiver gets
the messages in order. A claim that outlives a crashed worker expires, and the
next run sends its batch again: a file keeps its name (time made, control id,
trigger), so a batch written again replaces the same files and a message never
becomes two files; an MLLP receiver may see the same MSH-10 again, which HL7
receivers are expected to ignore.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from medoffice.interop.hl7v2 import (
    named_rows,
    siu_message_from_snapshot,
    trigger_for,
)
from medoffice.interop.models import OutboundMessage, OutboundStatus, new_control_id
from medoffice.interop.transports import (
    MessageRefused,
    Outgoing,
    ReceiverUnavailable,
    Transport,
)
from medoffice.interop.transports.file import FileDrop
from medoffice.interop.transports.mllp import MllpClient
from medoffice.scheduling.journal import FEED, journal_take
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
    """Long enough for one batch (connect plus wait for each ACK) with room to spare."""
    return timedelta(seconds=max(60, 3 * settings.MEDOFFICE_HL7_TIMEOUT_SECONDS))


# Messages per batch: one claim, one sync of the files, one record of the outcome each.
BATCH_SIZE = 200
# Any number will do, as long as nothing else in the database takes this advisory lock.
_CLAIM_LOCK = 0x48_4C_37_46  # "HL7F"


def outbox_fill(*, limit: int = BATCH_SIZE) -> int:
    """Turn the change journal's rows the feed has not taken (scheduling/journal.py) into
    pending outbox messages, oldest first, each in the transaction that marks its rows
    taken: a change gets its message once. How many were made."""
    made = 0
    while True:
        with transaction.atomic():
            rows = journal_take(FEED, limit=limit)
            if not rows:
                return made
            ids = {row.appointment_id for row in rows}
            # A visit deleted since keeps its message, which no longer names it.
            still_there = set(Appointment.objects.filter(id__in=ids).values_list("id", flat=True))
            OutboundMessage.objects.bulk_create(
                OutboundMessage(
                    control_id=new_control_id(),
                    trigger=_trigger(row.snapshot["status"], row.event),
                    appointment_id=row.appointment_id if row.appointment_id in still_there
                    else None,
                    event=row.event,
                    snapshot=row.snapshot,
                    created_at=row.created_at,
                )
                for row in rows
                if row.snapshot is not None
            )  # fmt: skip
            made += len(rows)
        if len(rows) < limit:
            return made


def _trigger(status: str, event: str) -> str:
    """The SIU trigger of a change, from its snapshot's status (hl7v2.trigger_for)."""
    return trigger_for(Appointment(status=status), event).value


def _render_waiting(batch: list[OutboundMessage]) -> None:
    """Render the messages of a claimed batch that are still snapshots and keep their text
    (in the claim's transaction): the message as sent, the same text on any resend. One
    that cannot be rendered is marked failed (logged with its control id and the error's
    class only: its data is PHI) and keeps no text: it is not sent, and never holds up
    the feed."""
    waiting = [m for m in batch if not m.text and m.snapshot is not None]
    try:
        named = named_rows([m.snapshot for m in waiting]) if waiting else {}
    except (KeyError, TypeError):  # a damaged snapshot: each message reads its own rows
        named = {}
    for message in waiting:
        try:
            _, message.text = siu_message_from_snapshot(
                message.snapshot, message.event, appointment_id=message.appointment_id,
                control_id=message.control_id, created_at=message.created_at, named=named,
            )  # fmt: skip
        except Exception as exc:
            logger.error("HL7 message %s not rendered (%s)", message.control_id, type(exc).__name__)
            OutboundMessage.objects.filter(id=message.id).update(
                status=OutboundStatus.FAILED, claimed_until=None,
                last_error=f"could not be rendered ({type(exc).__name__})"[:_ERROR_LENGTH],
            )  # fmt: skip
            continue
        OutboundMessage.objects.filter(id=message.id).update(text=message.text)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    held: str = ""  # the control id the run stopped at: receiver unavailable
    reason: str = ""
    busy: bool = False  # another process was delivering: nothing was tried
    batches: int = 0


def _claim_batch(
    statuses: tuple[str, ...], control_ids: list[str] | None, limit: int, after: int
) -> list[OutboundMessage] | None:
    """The oldest waiting messages, claimed for this run; None while another run holds a claim.

    Check and claim are one transaction that no other claim can interleave with: SQLite
    writes one transaction at a time (IMMEDIATE mode takes the lock at BEGIN), PostgreSQL
    by a transaction-scoped advisory lock.
    """
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CLAIM_LOCK])
        if OutboundMessage.objects.filter(claimed_until__gt=now).exists():
            return None
        waiting = OutboundMessage.objects.filter(status__in=statuses, id__gt=after)
        if control_ids is not None:
            waiting = waiting.filter(control_id__in=control_ids)
        batch = list(
            waiting.order_by("id").only(
                "id", "control_id", "trigger", "text", "created_at", "appointment_id", "event",
                "snapshot",
            )[:limit]
        )  # fmt: skip
        if batch:
            OutboundMessage.objects.filter(id__in=[m.id for m in batch]).update(
                claimed_until=now + _claim_period()
            )
            _render_waiting(batch)
    return batch


def _outgoing(message: OutboundMessage) -> Outgoing:
    return Outgoing(
        control_id=message.control_id,
        trigger=message.trigger,
        text=message.text,
        created_at=message.created_at,
    )


def _send_batch(session, batch: list[OutboundMessage], report: DeliveryReport) -> bool:
    """Hand one claimed batch to the transport and record what became of each message, in one
    transaction that also releases the claim. False when the run must stop."""
    outcome: dict[int, dict] = {}
    now = timezone.now()
    go_on = True
    if hasattr(session, "send_many"):  # the file drop: all files, then one sync
        try:
            destinations = session.send_many([_outgoing(m) for m in batch])
        except ReceiverUnavailable as exc:
            outcome[batch[0].id] = _held(batch[0], exc, report)
            go_on = False
        else:
            for message, destination in zip(batch, destinations, strict=True):
                outcome[message.id] = _sent(message, destination, now, report)
    else:  # one at a time, in order (MLLP: one ACK each)
        for message in batch:
            try:
                destination = session.send(_outgoing(message))
            except ReceiverUnavailable as exc:
                outcome[message.id] = _held(message, exc, report)
                go_on = False
                break
            except MessageRefused as exc:
                outcome[message.id] = {"status": OutboundStatus.FAILED, "error": str(exc)}
                logger.warning("HL7 message %s refused by the receiver", message.control_id)
                report.refused.append(message.control_id)
            else:
                outcome[message.id] = _sent(message, destination, now, report)
    with transaction.atomic():
        for message in batch:
            done = outcome.get(message.id)
            if done is None:  # not tried: the run stopped before it
                OutboundMessage.objects.filter(id=message.id).update(claimed_until=None)
                continue
            OutboundMessage.objects.filter(id=message.id).update(
                status=done["status"],
                attempts=F("attempts") + 1,
                last_attempt_at=now,
                last_error=done.get("error", "")[:_ERROR_LENGTH],
                claimed_until=None,
                **done.get("fields", {}),
            )
    report.batches += 1
    return go_on


def _sent(message, destination: str, now, report: DeliveryReport) -> dict:
    report.sent.append(message.control_id)
    return {
        "status": OutboundStatus.SENT,
        "fields": {"destination": destination[:_DESTINATION_LENGTH], "sent_at": now},
    }


def _held(message, exc: ReceiverUnavailable, report: DeliveryReport) -> dict:
    logger.warning(
        "HL7 message %s held: receiver unavailable (%s)",
        message.control_id,
        type(exc.__cause__ or exc).__name__,
    )
    report.held, report.reason = message.control_id, str(exc)
    return {"status": OutboundStatus.PENDING, "error": str(exc)}


def outbox_deliver(
    *,
    transport: Transport | None = None,
    statuses: tuple[str, ...] = (OutboundStatus.PENDING,),
    control_ids: list[str] | None = None,
    batch_size: int = BATCH_SIZE,
) -> DeliveryReport:
    """Send the messages in `statuses` (all of them, or those named), oldest first, in batches,
    until none waits, the receiver is unavailable, or another process is delivering. The
    journal's new changes become messages first (outbox_fill)."""
    transport = transport or transport_from_settings()
    outbox_fill()
    report = DeliveryReport()
    after = 0  # each batch starts after the last: a message refused now is not tried again
    with transport.session() as session:
        while True:
            batch = _claim_batch(statuses, control_ids, batch_size, after)
            if batch is None:
                report.busy = True
                break
            if not batch:
                break
            sendable = [message for message in batch if message.text]
            if sendable and not _send_batch(session, sendable, report):
                break
            after = batch[-1].id
    return report
