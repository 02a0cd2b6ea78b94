"""The reminder policy of a practice, the message log, text opt-outs and the SMS outbox.

`Message` is the communications record: every text and e-mail sent to a patient,
every reply received, and every reminder that was not sent, with the reason. Its
body is part of that record and is PHI: it lives in the database, never in logs.
"""

import uuid
from datetime import time, timedelta

from django.core.exceptions import ValidationError
from django.db import models

from medoffice.core.models import Practice
from medoffice.patients.models import Patient
from medoffice.scheduling.models import Appointment

MAX_OFFSET_HOURS = 24 * 14


def parse_offsets(text: str) -> list[int]:
    """'72, 24' -> [72, 24] (hours, largest first), or ValidationError naming the bad part."""
    hours = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_OFFSET_HOURS:
            raise ValidationError(
                f"{part!r} is not a whole number of hours from 1 to {MAX_OFFSET_HOURS}."
            )
        hours.append(int(part))
    if len(set(hours)) != len(hours):
        raise ValidationError("Each offset may appear once.")
    return sorted(hours, reverse=True)


def validate_offsets(text: str) -> None:
    parse_offsets(text)


class ReminderPolicy(models.Model):
    """When and how a practice reminds its patients (Configuration -> Reminder policies).

    A practice without a row uses the defaults of a new row.
    """

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="reminder_policy"
    )
    is_active = models.BooleanField("send reminders", default=True)
    offsets = models.CharField(
        "reminder times",
        max_length=60,
        default="72,24",
        validators=[validate_offsets],
        help_text="Hours before the visit, comma-separated, e.g. 72,24. Blank: no reminders.",
    )
    sms_enabled = models.BooleanField("send text messages", default=True)
    email_enabled = models.BooleanField("send e-mail", default=True)
    booking_notices = models.BooleanField(
        "notify of bookings, changes and cancellations",
        default=True,
        help_text="A confirmation (with a calendar invitation by e-mail) when a visit is"
        " booked, moved or cancelled.",
    )
    quiet_start = models.TimeField(
        default=time(21, 0), help_text="No reminder texts from this time (location's time)"
    )
    quiet_end = models.TimeField(
        default=time(8, 0), help_text="... until this time; e-mail is not held back"
    )

    class Meta:
        verbose_name_plural = "reminder policies"

    def __str__(self) -> str:
        return f"Reminders of {self.practice}"

    @property
    def offset_list(self) -> list[timedelta]:
        """The reminder offsets, largest first."""
        return [timedelta(hours=h) for h in parse_offsets(self.offsets)]


class Direction(models.TextChoices):
    OUTBOUND = "out", "To the patient"
    INBOUND = "in", "From the patient"


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "E-mail"
    NONE = "none", "Not sent"


class Purpose:
    """Why a message was sent. Plain strings, not choices: other features add their own
    (the waitlist's slot offers) and register a reply handler for them (replies.py)."""

    REMINDER = "reminder"
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    WAITLIST_OFFER = "waitlist_offer"  # an earlier time offered from the cancellation list
    WAITLIST_TAKEN = "waitlist_taken"  # that time went to someone else
    ACKNOWLEDGEMENT = "acknowledgement"  # our answer to a patient's reply
    REPLY = "reply"  # a message from the patient


class MessageStatus(models.TextChoices):
    # Outbound
    QUEUED = "queued", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"
    # Inbound
    HANDLED = "handled", "Acted on"
    UNMATCHED = "unmatched", "Not matched to a visit"
    AMBIGUOUS = "ambiguous", "Ambiguous: staff to decide"
    NOT_UNDERSTOOD = "not_understood", "Not understood"


class Message(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    purpose = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    # The visit time the message spoke of: a reminder for a time the visit no longer has
    # does not count as a reminder for its new time.
    appointment_starts_at = models.DateTimeField(null=True, blank=True)
    offset_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Reminders: how long before the visit"
    )
    # Another feature's record this message is about (e.g. "scheduling.waitlistentry").
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    address = models.CharField(
        max_length=254, blank=True, help_text="The patient's number (E.164) or e-mail address"
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    ics_sequence = models.PositiveIntegerField(null=True, blank=True)
    expects_reply = models.BooleanField(default=False)
    reply_until = models.DateTimeField(null=True, blank=True)
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    provider_message_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(
        max_length=300, blank=True, help_text="Why not sent, what failed, what was done"
    )
    needs_attention = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["address", "created_at"], name="message_address"),
            models.Index(fields=["patient", "created_at"], name="message_patient"),
        ]
        constraints = [
            # Two sweeps (two workers) never remind the same visit time twice.
            models.UniqueConstraint(
                fields=["appointment", "appointment_starts_at", "offset_minutes"],
                condition=models.Q(purpose=Purpose.REMINDER),
                name="message_one_reminder_per_offset",
            ),
            # A gateway that posts the same reply again (a retry) is heard once.
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=models.Q(direction=Direction.INBOUND) & ~models.Q(provider_message_id=""),
                name="message_inbound_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.channel} {self.purpose} ({self.status})"


class SmsOptOut(models.Model):
    """A number that answered STOP: no text goes to it until it answers START."""

    phone = models.CharField(max_length=16, unique=True)
    keyword = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "text message opt-out"

    def __str__(self) -> str:
        return f"opted out by {self.keyword}"


class SmsOutbox(models.Model):
    """The outbox SMS backend's "phone network": texts kept here instead of being sent."""

    provider_message_id = models.CharField(max_length=64, unique=True)
    to = models.CharField(max_length=16)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS outbox entry"
        verbose_name_plural = "SMS outbox"

    def __str__(self) -> str:
        return self.provider_message_id
