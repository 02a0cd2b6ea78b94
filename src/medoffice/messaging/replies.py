"""Answers to our texts: a registry from a message's purpose to the function that acts on a
reply, and the reminder's handler (C/Y confirm, N cancel).

Another feature plugs in by sending its texts with its own `purpose` (and
`expects_reply=True`, `reply_until`, `object_type`/`object_id` naming its record), and
registering a handler for that purpose in its AppConfig.ready():

    register_reply_handler("waitlist_offer", waitlist_offer_reply)

A handler gets a `ReplyContext` and returns a `ReplyOutcome`; it acts through its own
app's services (which audit) and must not raise for an answer it cannot act on.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from medoffice.messaging.content import (
    acknowledgement_text,
    offer_facts,
    visit_facts,
    waitlist_acknowledgement,
)
from medoffice.messaging.models import Message, MessageStatus, Purpose
from medoffice.messaging.rules import Intent
from medoffice.scheduling.errors import SchedulingError
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.services import appointment_cancel, appointment_confirm
from medoffice.scheduling.states import AppointmentStatus

PATIENT_TEXT_CANCEL_REASON = "Cancelled by patient by text message"


@dataclass(frozen=True)
class ReplyContext:
    intent: Intent
    body: str
    question: Message  # the newest open text to this number: the one being answered
    open_questions: list[Message] = field(default_factory=list)  # all of them, newest first


@dataclass(frozen=True)
class ReplyOutcome:
    status: str  # a MessageStatus for the inbound message
    note: str  # what happened, for the front desk (no PHI beyond the record itself)
    needs_attention: bool = False
    appointment: Appointment | None = None
    acknowledgement: str = ""  # a text to send back, if any


ReplyHandler = Callable[[ReplyContext], ReplyOutcome]
_HANDLERS: dict[str, ReplyHandler] = {}


def register_reply_handler(purpose: str, handler: ReplyHandler) -> None:
    """Route replies to texts of `purpose` to `handler` (idempotent for the same handler)."""
    existing = _HANDLERS.get(purpose)
    if existing is not None and existing is not handler:
        raise ValueError(f"replies to {purpose!r} already go to {existing.__qualname__}")
    _HANDLERS[purpose] = handler


def reply_handler_for(purpose: str) -> ReplyHandler | None:
    return _HANDLERS.get(purpose)


def _reminded_visit(context: ReplyContext) -> Appointment:
    """The patient's soonest visit among those they were reminded of and may still answer."""
    patient_id = context.question.patient_id
    reminded = [
        q.appointment
        for q in context.open_questions
        if q.purpose == Purpose.REMINDER and q.patient_id == patient_id and q.appointment
    ]
    booked = [a for a in reminded if a.status == AppointmentStatus.BOOKED]
    return min(booked or reminded, key=lambda a: a.starts_at)


def reminder_reply(context: ReplyContext) -> ReplyOutcome:
    appointment = _reminded_visit(context)
    facts = visit_facts(appointment)
    if context.intent not in (Intent.YES, Intent.NO):
        return ReplyOutcome(
            MessageStatus.NOT_UNDERSTOOD,
            "reply not understood: staff to read it",
            needs_attention=True,
            appointment=appointment,
            acknowledgement=acknowledgement_text("not_understood", facts),
        )
    try:
        if context.intent == Intent.YES:
            appointment_confirm(appointment=appointment, via="sms")
            kind, note = "confirmed", "visit confirmed by text"
        else:
            appointment_cancel(appointment=appointment, reason=PATIENT_TEXT_CANCEL_REASON)
            kind, note = "cancelled", "visit cancelled by text"
    except (SchedulingError, ValidationError):
        return ReplyOutcome(
            MessageStatus.HANDLED,
            f"visit is {appointment.get_status_display().lower()}: nothing changed",
            needs_attention=True,
            appointment=appointment,
            acknowledgement=acknowledgement_text("not_booked", facts),
        )
    return ReplyOutcome(
        MessageStatus.HANDLED,
        note,
        appointment=appointment,
        acknowledgement=acknowledgement_text(kind, facts),
    )


def waitlist_offer_reply(context: ReplyContext) -> ReplyOutcome:
    """YES takes the offered time (if still open), NO passes; either way the patient is told."""
    from medoffice.scheduling.models import WaitlistOffer
    from medoffice.scheduling.waitlist import OfferClosedError, offer_accept, offer_decline

    offer = (
        WaitlistOffer.objects.select_related("entry__patient", "location__practice")
        .filter(public_id=context.question.object_id)
        .first()
    )
    if offer is None:
        return ReplyOutcome(MessageStatus.NOT_UNDERSTOOD, "offer not found: staff to read it",
                            needs_attention=True)  # fmt: skip
    facts = offer_facts(offer)
    if context.intent not in (Intent.YES, Intent.NO):
        return ReplyOutcome(
            MessageStatus.NOT_UNDERSTOOD, "reply to a waitlist offer not understood",
            needs_attention=True, acknowledgement=waitlist_acknowledgement("other", facts),
        )  # fmt: skip
    try:
        if context.intent == Intent.YES:
            appointment = offer_accept(offer=offer)
            return ReplyOutcome(
                MessageStatus.HANDLED, "waitlist offer accepted by text: visit booked",
                appointment=appointment, acknowledgement=waitlist_acknowledgement("booked", facts),
            )  # fmt: skip
        offer_decline(offer=offer)
        return ReplyOutcome(
            MessageStatus.HANDLED,
            "waitlist offer declined by text",
            acknowledgement=waitlist_acknowledgement("declined", facts),
        )
    except OfferClosedError:
        return ReplyOutcome(
            MessageStatus.HANDLED,
            "waitlist offer no longer open",
            acknowledgement=waitlist_acknowledgement("closed", facts),
        )
