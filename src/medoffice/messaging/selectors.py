"""Reads of messaging: policies, who can be reached how, due reminders, open questions."""

from datetime import date, datetime, timedelta

from django.db.models import Max

from medoffice.core.models import Practice
from medoffice.messaging.models import (
    Channel,
    Direction,
    Message,
    MessageStatus,
    Purpose,
    ReminderPolicy,
    SmsOptOut,
)
from medoffice.messaging.rules import Reach
from medoffice.patients.models import ConsentKind, Patient, PatientStatus
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.states import AppointmentStatus


def policy_for(practice: Practice) -> ReminderPolicy:
    """The practice's policy, or the defaults (an unsaved row) if it has none."""
    policy = ReminderPolicy.objects.filter(practice=practice).first()
    return policy or ReminderPolicy(practice=practice)


def consent_kinds_in_force(patient: Patient, day: date) -> set[str]:
    """Consent kinds signed, not expired and not revoked on `day`.

    Stricter than Consent.is_in_force_on for messages: a revocation dated today stops
    messages today (a patient who withdrew consent this morning gets no text tonight).
    """
    kinds = set()
    for consent in patient.consents.filter(kind__in=[ConsentKind.SMS, ConsentKind.EMAIL]):
        expired = consent.expires_on is not None and consent.expires_on < day
        revoked = consent.revoked_on is not None and consent.revoked_on <= day
        if consent.signed_on <= day and not expired and not revoked:
            kinds.add(consent.kind)
    return kinds


def reach_for(patient: Patient, policy: ReminderPolicy, day: date) -> tuple[Reach, Reach]:
    """(text, e-mail) reach of one patient under a practice's policy."""
    kinds = consent_kinds_in_force(patient, day)
    mobile = patient.mobile_phone
    sms = Reach(
        enabled=policy.sms_enabled,
        address=mobile,
        consented=ConsentKind.SMS in kinds,
        opted_out=bool(mobile) and SmsOptOut.objects.filter(phone=mobile).exists(),
    )
    email = Reach(
        enabled=policy.email_enabled, address=patient.email, consented=ConsentKind.EMAIL in kinds
    )
    return sms, email


def reminder_candidates(
    *, practice: Practice, offset: timedelta, after: datetime, until: datetime
) -> list[Appointment]:
    """Booked visits of the practice starting in (after, until] that have no reminder row
    for this offset at their current time yet."""
    reminded = Message.objects.filter(
        purpose=Purpose.REMINDER, offset_minutes=int(offset.total_seconds() // 60)
    ).values_list("appointment_id", "appointment_starts_at")
    candidates = (
        Appointment.objects.filter(
            location__practice=practice,
            status=AppointmentStatus.BOOKED,
            starts_at__gt=after,
            starts_at__lte=until,
        )
        .select_related("patient", "location__practice", "appointment_type")
        .order_by("starts_at")
    )
    done = set(reminded.filter(appointment__in=candidates))
    return [a for a in candidates if (a.id, a.starts_at) not in done]


def open_questions(*, number: str, now: datetime) -> list[Message]:
    """Texts we sent to `number` that still wait for an answer, newest first."""
    return list(
        Message.objects.filter(
            direction=Direction.OUTBOUND,
            channel=Channel.SMS,
            address=number,
            expects_reply=True,
            status=MessageStatus.SENT,
            reply_until__gt=now,
        )
        .select_related("patient", "appointment__location__practice", "appointment__patient")
        .order_by("-created_at", "-id")
    )


def patients_with_mobile(number: str) -> list[Patient]:
    return list(Patient.objects.filter(mobile_phone=number, status=PatientStatus.ACTIVE))


def calendar_sequence(appointment: Appointment) -> int:
    """The SEQUENCE of the last invitation the patient got for this visit (0 if none)."""
    last = Message.objects.filter(appointment=appointment).aggregate(Max("ics_sequence"))
    return last["ics_sequence__max"] or 0
