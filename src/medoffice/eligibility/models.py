"""Eligibility checks: one 270 asked of a payer about one coverage and date of service, the
271 it answered, and what the answer means for the visit.

Checks are never edited once settled (states.py): each question is a new row, so the
coverage's history shows what the payer said on each day. The 270 and 271 are kept as
the bytes that crossed the wire; the fields below them are what we read from the 271.
"""

import uuid

from django.conf import settings
from django.db import models

from medoffice.core.models import Practice
from medoffice.core.money import money_field
from medoffice.eligibility.rules import AMOUNT_NAMES, Amounts
from medoffice.eligibility.states import CheckStatus
from medoffice.patients.models import Coverage, Patient
from medoffice.scheduling.models import Appointment


class Trigger(models.TextChoices):
    ON_DEMAND = "on_demand", "On demand"
    BATCH = "batch", "Batch before the visit"


class ServiceType(models.TextChoices):
    """X12 EQ01 service type codes we ask about."""

    PLAN = "30", "Health benefit plan coverage"
    OFFICE_VISIT = "98", "Professional (physician) visit - office"


class EligibilityCheck(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="eligibility_checks"
    )
    coverage = models.ForeignKey(
        Coverage, on_delete=models.PROTECT, related_name="eligibility_checks"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="eligibility_checks",
    )  # fmt: skip
    service_date = models.DateField()
    service_type = models.CharField(
        max_length=2, choices=ServiceType.choices, default=ServiceType.OFFICE_VISIT
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.ON_DEMAND)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    gateway = models.CharField(max_length=100, help_text="The gateway class the 270 went through")
    # TRN02 of the 270, echoed in the 271's TRN: how an answer finds its question.
    trace_number = models.CharField(max_length=30, unique=True)
    request_x12 = models.BinaryField("270 sent", blank=True, default=b"")
    response_x12 = models.BinaryField("271 received", blank=True, default=b"")
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    # What the 271 said (blank until answered).
    plan_name = models.CharField(max_length=100, blank=True)
    coverage_begins = models.DateField(null=True, blank=True)
    coverage_ends = models.DateField(null=True, blank=True)
    copay = money_field("office visit copay (in network)", null=True, blank=True)
    coinsurance_percent = models.DecimalField(
        "coinsurance (in network, %)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    deductible = money_field("deductible (in network)", null=True, blank=True)
    deductible_remaining = money_field(null=True, blank=True)
    out_of_pocket = money_field("out-of-pocket maximum (in network)", null=True, blank=True)
    out_of_pocket_remaining = money_field(null=True, blank=True)
    out_of_network = models.JSONField(
        default=dict, blank=True, help_text="The same figures out of network"
    )
    benefits = models.JSONField(
        default=list, blank=True, help_text="Every benefit line of the 271, as read"
    )
    reject_code = models.CharField("AAA reject reason", max_length=3, blank=True)
    reject_follow_up = models.CharField("AAA follow-up action", max_length=1, blank=True)
    error_reason = models.TextField(blank=True, help_text="Why the check was not answered")

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["coverage", "-requested_at"], name="elig_coverage_latest"),
            models.Index(fields=["practice", "status", "-requested_at"], name="elig_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(answered_at__isnull=False),
                name="elig_settled_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="error") | ~models.Q(error_reason=""),
                name="elig_error_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reject_code=""),
                name="elig_reject_has_code",
            ),
        ]
        permissions = [("run_eligibilitycheck", "Can ask a payer about a patient's coverage")]

    def __str__(self) -> str:
        return f"eligibility {self.service_date} {self.get_status_display()}"

    @property
    def is_settled(self) -> bool:
        return self.status != CheckStatus.PENDING

    def amounts(self) -> dict[str, Amounts]:
        """The payer's figures in and out of network, for the screens and the API."""
        return {
            "in_network": Amounts(**{name: getattr(self, name) for name in AMOUNT_NAMES}),
            "out_of_network": Amounts.from_json(self.out_of_network),
        }


class StrayResponse(models.Model):
    """A 271 that could not be applied (unreadable, or answering no request we made): kept
    with the reason so nothing is lost, and shown to the office manager in Configuration."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    received_at = models.DateTimeField()
    source = models.CharField(max_length=200, help_text="File name or gateway")
    content = models.BinaryField()
    reason = models.TextField()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.source} ({self.received_at:%Y-%m-%d %H:%M})"
