"""The only writers of messages: reminders, notices of bookings and changes, replies.

Sending is at most once. A message row is committed (status "queued") before the
text or e-mail goes out, under a unique constraint for reminders, so two workers
sweeping at the same moment cannot both send; the row then records the outcome. A
worker that dies between the two leaves the row "queued" for staff to see rather
than risking a second text to the patient.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.core.clock import today_at
from medoffice.core.models import Practice
from medoffice.messaging import content, mail, selectors
from medoffice.messaging.models import (
    Channel,
    Direction,
    Message,
    MessageStatus,
    Purpose,
    ReminderPolicy,
    SmsOptOut,
)
from medoffice.messaging.replies import (
    PATIENT_TEXT_CANCEL_REASON,
    ReplyContext,
    reply_handler_for,
)
from medoffice.messaging.rules import Channel as RuleChannel
from medoffice.messaging.rules import ChannelChoice, Intent, choose_channel, in_quiet_hours
from medoffice.messaging.rules import due_offset as rules_due_offset
from medoffice.messaging.rules import reply_intent as rules_reply_intent
from medoffice.messaging.sms import SmsSendError, sms_gateway
from medoffice.patients.models import ConsentKind, Patient
from medoffice.patients.services import consent_revoke
from medoffice.scheduling.events import AppointmentEvent
from medoffice.scheduling.models import Appointment, WaitlistOffer
from medoffice.scheduling.states import AppointmentStatus

logger = logging.getLogger(__name__)

NOTICE_PURPOSES = {
    AppointmentEvent.BOOKED: Purpose.BOOKED,
    AppointmentEvent.RESCHEDULED: Purpose.RESCHEDULED,
    AppointmentEvent.CANCELLED: Purpose.CANCELLED,
}


def _local_now(appointment: Appointment, now: datetime) -> datetime:
    return now.astimezone(appointment.location.zone)


def _channel_for(
    patient: Patient, zone: str, policy: ReminderPolicy, now: datetime
) -> ChannelChoice:
    """The channel the patient consented to, judged on the day it is where the visit is."""
    day = now.astimezone(ZoneInfo(zone)).date()
    sms, email = selectors.reach_for(patient, policy, day)
    return choose_channel(preferred=patient.preferred_contact_method, sms=sms, email=email)


def _deliver(message: Message, email: EmailMultiAlternatives | None = None) -> Message:
    """Send a committed, queued message and record what happened. Never raises for a
    refusal of the gateway or mail server: the row says it failed, and staff see it."""
    try:
        if message.channel == Channel.SMS:
            message.provider_message_id = sms_gateway().send_sms(message.address, message.body)
        elif message.channel == Channel.EMAIL and email is not None:
            message.provider_message_id = mail.send_email(email)[:64]
        else:
            raise SmsSendError(f"nothing to send by {message.channel}")
    except Exception as exc:  # one message's failure must not stop the sweep
        message.status = MessageStatus.FAILED
        message.note = str(exc)[:300]
        message.needs_attention = True
        # The reason may quote the number or address: it stays in the row, not the log.
        logger.warning("message %s not sent (%s)", message.public_id, type(exc).__name__)
    else:
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
    message.save(update_fields=["status", "note", "needs_attention", "provider_message_id",
                                "sent_at"])  # fmt: skip
    return message


@dataclass(frozen=True)
class Draft:
    """What one message to a patient about a visit will say, on the chosen channel."""

    channel: str
    address: str
    subject: str
    body: str
    email: EmailMultiAlternatives | None = None
    ics_sequence: int | None = None


def _draft(appointment: Appointment, purpose: str, channel: RuleChannel, *, sequence: int) -> Draft:
    facts = content.visit_facts(appointment)
    patient = appointment.patient
    if channel == RuleChannel.SMS:
        return Draft(Channel.SMS, patient.mobile_phone, "", content.sms_text(purpose, facts))
    subject = content.email_subject(purpose, facts)
    invite = mail.invite_for(
        appointment, facts, sequence=sequence, cancel=purpose == Purpose.CANCELLED,
        attendee=patient.email,
    )  # fmt: skip
    email = mail.build_email(
        to=patient.email, subject=subject, purpose=purpose, facts=facts, invite=invite
    )
    return Draft(Channel.EMAIL, patient.email, subject, email.body, email, sequence)


def _about(appointment: Appointment) -> dict:
    """The fields that tie a message to a visit (and the visit time it spoke of)."""
    return {
        "practice": appointment.location.practice, "patient": appointment.patient,
        "appointment": appointment, "appointment_starts_at": appointment.starts_at,
    }  # fmt: skip


def _skipped(purpose: str, reason: str, **fields) -> Message:
    """A message not sent, and why: the front desk sees it on the Communications tab."""
    return Message.objects.create(
        direction=Direction.OUTBOUND, channel=Channel.NONE, purpose=purpose,
        status=MessageStatus.SKIPPED, note=f"not sent: {reason}"[:300], **fields,
    )  # fmt: skip


# ---------------------------------------------------------------- reminders


def reminder_send(
    *, appointment: Appointment, offset: timedelta, policy: ReminderPolicy, now: datetime
) -> str:
    """Remind one visit for one offset; returns what happened (sent, failed, skipped,
    held for quiet hours, not_due, already: another sweep has it)."""
    due = rules_due_offset(
        starts_at=appointment.starts_at, booked_at=appointment.created_at,
        offsets=policy.offset_list, now=now,
    )  # fmt: skip
    if due != offset:
        return "not_due"
    choice = _channel_for(appointment.patient, appointment.location.time_zone, policy, now)
    if choice.channel == RuleChannel.SMS and in_quiet_hours(
        _local_now(appointment, now).time(), start=policy.quiet_start, end=policy.quiet_end
    ):
        return "held"
    minutes = int(offset.total_seconds() // 60)
    try:
        with transaction.atomic():
            if choice.channel is None:
                _skipped(Purpose.REMINDER, choice.reason, offset_minutes=minutes,
                         **_about(appointment))  # fmt: skip
                return "skipped"
            draft = _draft(
                appointment, Purpose.REMINDER, choice.channel,
                sequence=selectors.calendar_sequence(appointment),
            )  # fmt: skip
            message = Message.objects.create(
                direction=Direction.OUTBOUND, channel=draft.channel,
                purpose=Purpose.REMINDER, status=MessageStatus.QUEUED, offset_minutes=minutes,
                address=draft.address, subject=draft.subject, body=draft.body,
                ics_sequence=draft.ics_sequence,
                expects_reply=draft.channel == Channel.SMS, reply_until=appointment.starts_at,
                **_about(appointment),
            )  # fmt: skip
    except IntegrityError:
        return "already"
    _deliver(message, draft.email)
    return message.status


def reminders_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep: every practice, every offset, the booked visits whose reminder is due.

    The visits starting within (previous offset, offset] of now are the ones whose
    smallest passed offset is `offset`; each is reminded once per offset and start time.
    """
    now = now or timezone.now()
    counts: Counter[str] = Counter()
    for practice in Practice.objects.order_by("pk"):
        policy = selectors.policy_for(practice)
        if not policy.is_active:
            continue
        lower = timedelta(0)
        for offset in sorted(policy.offset_list):
            for appointment in selectors.reminder_candidates(
                practice=practice, offset=offset, after=now + lower, until=now + offset
            ):
                counts[reminder_send(appointment=appointment, offset=offset, policy=policy,
                                     now=now)] += 1  # fmt: skip
            lower = offset
    return dict(counts)


# ---------------------------------------------------------------- notices


def appointment_notice_send(
    *, appointment: Appointment, event: str, starts_at: datetime | None = None
) -> Message | None:
    """Tell the patient a visit was booked, moved or cancelled (with the calendar invitation
    by e-mail). Nothing if the practice sends no notices, or if the visit has changed again
    since (a newer notice is on its way)."""
    purpose = NOTICE_PURPOSES.get(AppointmentEvent(event))
    if purpose is None:
        return None
    policy = selectors.policy_for(appointment.location.practice)
    if not policy.booking_notices:
        return None
    still_true = (
        appointment.status == AppointmentStatus.CANCELLED
        if purpose == Purpose.CANCELLED
        else appointment.status == AppointmentStatus.BOOKED
        and (starts_at is None or appointment.starts_at == starts_at)
    )
    if not still_true:
        return None
    now = timezone.now()
    choice = _channel_for(appointment.patient, appointment.location.time_zone, policy, now)
    if choice.channel is None:
        return _skipped(purpose, choice.reason, **_about(appointment))
    if (
        choice.channel == RuleChannel.SMS
        and purpose == Purpose.CANCELLED
        and appointment.cancel_reason == PATIENT_TEXT_CANCEL_REASON
    ):
        return None  # the answer to the patient's "N" already said so
    sequence = 0 if purpose == Purpose.BOOKED else selectors.calendar_sequence(appointment) + 1
    draft = _draft(appointment, purpose, choice.channel, sequence=sequence)
    message = Message.objects.create(
        direction=Direction.OUTBOUND, channel=draft.channel, purpose=purpose,
        status=MessageStatus.QUEUED, address=draft.address, subject=draft.subject,
        body=draft.body, ics_sequence=draft.ics_sequence, **_about(appointment),
    )  # fmt: skip
    return _deliver(message, draft.email)


# ---------------------------------------------------------------- the waiting list


def waitlist_news_send(*, offer: WaitlistOffer, news: str) -> Message:
    """Tell a waiting patient a time is offered to them (a text can be answered YES), or that
    the time went to someone else; by the channel they consented to, or say why not."""
    patient = offer.entry.patient
    practice = offer.location.practice
    purpose = Purpose.WAITLIST_OFFER if news == "offer" else Purpose.WAITLIST_TAKEN
    about = {"object_type": "scheduling.waitlistoffer", "object_id": str(offer.public_id)}
    policy = selectors.policy_for(practice)
    choice = _channel_for(patient, offer.location.time_zone, policy, timezone.now())
    if choice.channel is None:
        return _skipped(purpose, choice.reason, practice=practice, patient=patient, **about)
    facts = content.offer_facts(offer)
    asks = news == "offer" and choice.channel == RuleChannel.SMS
    email_message = None
    subject = ""
    if choice.channel == RuleChannel.EMAIL:
        subject = content.waitlist_subject(news, facts)
        body = content.waitlist_email_text(news, facts)
        email_message = mail.plain_email(to=patient.email, subject=subject, body=body)
    else:
        body = content.waitlist_text(news, facts)
    message = Message.objects.create(
        practice=practice, direction=Direction.OUTBOUND, purpose=purpose,
        channel=Channel.SMS if choice.channel == RuleChannel.SMS else Channel.EMAIL,
        status=MessageStatus.QUEUED, patient=patient,
        address=patient.mobile_phone if choice.channel == RuleChannel.SMS else patient.email,
        subject=subject, body=body, expects_reply=asks,
        reply_until=offer.expires_at if asks else None, **about,
    )  # fmt: skip
    return _deliver(message, email_message)


# ---------------------------------------------------------------- replies


def _opt_out(number: str, keyword: str, patients: list[Patient]) -> str:
    SmsOptOut.objects.get_or_create(phone=number, defaults={"keyword": keyword[:16]})
    revoked = 0
    for patient in patients:
        today = today_at(patient)  # the webhook has no user: the patient's office day
        for consent in patient.consents.filter(kind=ConsentKind.SMS):
            if consent.revoked_on is None or consent.revoked_on > today:
                consent_revoke(consent=consent, revoked_on=max(today, consent.signed_on))
                revoked += 1
    return f"opted out of texts ({revoked} text consent(s) revoked)"


def message_deliver(*, message: Message) -> Message:
    """Send a queued text (our answers to replies are queued in the webhook's transaction
    and sent by the worker)."""
    message = Message.objects.get(pk=message.pk)
    if message.status != MessageStatus.QUEUED or message.channel != Channel.SMS:
        return message
    return _deliver(message)


def sms_reply_receive(
    *, number: str, body: str, provider_message_id: str = "", now: datetime | None = None
) -> Message:
    """Record a text from `number` (E.164) and act on it, once per gateway message id.

    STOP opts the number out of texts; a reply to an open question of ours goes to the
    handler of that question's purpose; a number we never asked anything, or asked
    about more than one patient, is recorded for staff and changes nothing.
    """

    def seen() -> Message | None:
        if not provider_message_id:
            return None
        return Message.objects.filter(
            direction=Direction.INBOUND, provider_message_id=provider_message_id
        ).first()

    earlier = seen()
    if earlier is not None:
        return earlier
    try:
        return _sms_reply_act(
            number=number, body=body, provider_message_id=provider_message_id,
            now=now or timezone.now(),
        )  # fmt: skip
    except IntegrityError:
        # The gateway posted the same reply twice at once: the other request acted on it,
        # and everything this one did was rolled back with it.
        earlier = seen()
        if earlier is None:
            raise
        return earlier


@transaction.atomic
def _sms_reply_act(*, number: str, body: str, provider_message_id: str, now: datetime) -> Message:
    intent = rules_reply_intent(body)
    patients = selectors.patients_with_mobile(number)
    inbound = Message(
        direction=Direction.INBOUND, channel=Channel.SMS, purpose=Purpose.REPLY,
        address=number, body=body, provider_message_id=provider_message_id,
        status=MessageStatus.UNMATCHED,
    )  # fmt: skip
    if len(patients) == 1:
        inbound.patient = patients[0]
        inbound.practice = patients[0].practice
    acknowledgement = ""
    questions = selectors.open_questions(number=number, now=now)
    if intent == Intent.STOP:
        inbound.status = MessageStatus.HANDLED
        inbound.note = _opt_out(number, body.strip().upper(), patients)
    elif intent == Intent.START:
        removed, _ = SmsOptOut.objects.filter(phone=number).delete()
        inbound.status = MessageStatus.HANDLED
        inbound.note = "opted in again: texts need a new signed consent" if removed else ""
        inbound.needs_attention = bool(removed)
    elif not questions:
        inbound.note = "no open question to this number" if patients else "unknown number"
        inbound.needs_attention = bool(patients)
    elif len({q.patient_id for q in questions}) > 1:
        inbound.status = MessageStatus.AMBIGUOUS
        inbound.note = "this number was asked about more than one patient: staff to decide"
        inbound.needs_attention = True
        inbound.patient = None
    else:
        question = questions[0]
        inbound.in_reply_to = question
        inbound.patient = question.patient
        inbound.practice = question.practice
        handler = reply_handler_for(question.purpose)
        if handler is None:
            inbound.note = f"no handler for replies to {question.purpose}"
            inbound.needs_attention = True
        else:
            outcome = handler(
                ReplyContext(intent=intent, body=body, question=question,
                             open_questions=questions)
            )  # fmt: skip
            inbound.status = outcome.status
            inbound.note = outcome.note[:300]
            inbound.needs_attention = outcome.needs_attention
            inbound.appointment = outcome.appointment
            acknowledgement = outcome.acknowledgement
    if inbound.appointment is not None:
        inbound.appointment_starts_at = inbound.appointment.starts_at
    inbound.save()
    if acknowledgement:
        answer = Message.objects.create(
            practice=inbound.practice, direction=Direction.OUTBOUND, channel=Channel.SMS,
            purpose=Purpose.ACKNOWLEDGEMENT, status=MessageStatus.QUEUED, patient=inbound.patient,
            appointment=inbound.appointment, appointment_starts_at=inbound.appointment_starts_at,
            address=number, body=acknowledgement, in_reply_to=inbound,
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue_delivery(answer))
    return inbound


def _enqueue_delivery(message: Message) -> None:
    from medoffice.messaging.tasks import deliver_message

    try:
        deliver_message.enqueue(str(message.public_id))
    except Exception:  # the reply was recorded and acted on; only the answer is late
        logger.exception("could not queue the answer %s", message.public_id)
