"""The outbox: every HL7 message we produce is kept until the receiver has it.

A message is written here first and delivered second, so a receiver that is
down, or refuses a message, loses nothing: `medoffice hl7 resend` (or the next
appointment change) sends it again, oldest first.
"""

import secrets

from django.db import models

from medoffice.scheduling.models import Appointment


def new_control_id() -> str:
    """MSH-10: 20 random hex digits (the HL7 v2.5.1 length), unique without a shared counter."""
    return secrets.token_hex(10).upper()


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Refused by the receiver"


class OutboundMessage(models.Model):
    control_id = models.CharField(max_length=20, unique=True, default=new_control_id)
    trigger = models.CharField(max_length=3, help_text="SIU trigger event: S12, S13, S15 ...")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(help_text="The message as sent, segments ended by carriage returns")
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    destination = models.CharField(
        max_length=300, blank=True, help_text="Where it went: the file written or host:port"
    )
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="Set while one process is sending it"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="outbound_status_order")]

    def __str__(self) -> str:
        return f"{self.trigger} {self.control_id} ({self.status})"
