"""The outbox: every HL7 message we produce is kept until the receiver has it.

A message is written here first and delivered second, so a receiver that is
down, or refuses a message, loses nothing: `medoffice hl7 resend` (or the next
appointment change) sends it again, oldest first.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models

from medoffice.core.models import Practice
from medoffice.patients.models import Patient
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
    text = models.TextField(
        blank=True,
        help_text="The message as sent, segments ended by carriage returns; empty until the"
        " worker renders it from `snapshot`, just before it first goes out",
    )
    event = models.CharField(max_length=12, blank=True, help_text="The appointment change")
    snapshot = models.JSONField(
        null=True,
        blank=True,
        help_text="The appointment as the change left it (times, status, provider, place,"
        " resources, reason, who changed it): what the message says of the visit",
    )
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


# ---------------------------------------------------------------- inbound (the MLLP listener)


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, not processed yet"
    ACCEPTED = "accepted", "Processed (AA)"
    REVIEW = "review", "Waiting for review"
    ERROR = "error", "Not processed: error (AE)"
    REJECTED = "rejected", "Not processed: refused (AR)"
    BROKEN = "broken", "Incomplete frame: never processed"
    RESOLVED = "resolved", "Matched by hand and filed"
    DISMISSED = "dismissed", "Rejected by a reviewer"


# The statuses the review queue lists: someone must look at these.
NEEDS_REVIEW = (InboundStatus.REVIEW, InboundStatus.ERROR, InboundStatus.BROKEN)


class InboundMessage(models.Model):
    """One message as it arrived, stored before anything is done with it (nothing is lost).

    `text` is the message exactly as received (decoded as UTF-8, else Latin-1); a frame
    cut in the middle or too large is kept here too, as `broken`, for someone to look at.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    peer = models.CharField(max_length=60, help_text="The sender's address, host:port")
    sending_application = models.CharField(max_length=60, blank=True)
    sending_facility = models.CharField(max_length=60, blank=True)
    message_type = models.CharField(max_length=3, blank=True)
    trigger = models.CharField(max_length=3, blank=True)
    control_id = models.CharField(max_length=50, blank=True, help_text="MSH-10")
    text = models.TextField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the bytes received")
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    errors = models.TextField(blank=True, help_text="Why it was not processed, one per line")
    ack_code = models.CharField(max_length=2, blank=True)
    ack_text = models.TextField(blank=True, help_text="The acknowledgment we sent, as sent")
    duplicates = models.PositiveIntegerField(
        default=0, help_text="Times the same control id came again (answered with the same ACK)"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        default_permissions = ()
        permissions = [
            ("view_interfacemessage", "Can see the interface message log (HL7 in and out)"),
            ("review_inboundmessage", "Can match or reject inbound HL7 messages held for review"),
        ]
        constraints = [
            # A sender's control id names one message: a repeat is a resend, not news.
            models.UniqueConstraint(
                fields=["practice", "sending_application", "sending_facility", "control_id"],
                condition=~models.Q(control_id=""),
                name="inbound_control_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "status", "-id"], name="inbound_status"),
        ]

    def __str__(self) -> str:
        return f"{self.message_type}^{self.trigger} {self.control_id} ({self.status})"


class ExternalIdentifier(models.Model):
    """A patient's id in another system (a hospital's MRN), per assigning authority."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="external_identifiers"
    )
    authority = models.CharField(max_length=60, help_text="CX-4 assigning authority")
    value = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "authority", "value"], name="external_identifier_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} ({self.authority})"


# ---------------------------------------------------------------- FHIR search paging


class FhirSearch(models.Model):
    """A FHIR search's parameters, kept here so its page links carry only a random token
    (`/fhir/Patient?_page=...`), never the search terms (DP-02: no PHI in URLs).

    Bound to who searched (user, SMART client) and their practice: anyone else's token
    names nothing. The parameters are sealed (AES-GCM) at rest; the row expires after
    interop/fhir/paging.py's PAGE_LIFETIME and is deleted by the worker's daily job after
    that (interop.tasks.clear_expired_searches). Only a Bundle with more pages has one.
    """

    token = models.CharField(max_length=64, unique=True)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=100, blank=True, help_text="The SMART app, if any")
    resource_type = models.CharField(max_length=40)
    params = models.TextField(help_text="The search's parameters: sealed JSON pairs")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.resource_type} search until {self.expires_at:%Y-%m-%d %H:%M}"
