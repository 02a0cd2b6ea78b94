"""Patient accounts at the desk and by mail, on top of the payments ledger.

Money itself lives in the ledger (payments.Payment and payments.LedgerEntry, both
append-only). Here: which visit a desk payment was taken at, the end-of-day close of a
drawer, statements sent, the account's collections status and holds, payment plans and
refund requests with their approval.
"""

import uuid

from django.conf import settings
from django.db import models

from medoffice.billing.models import Charge
from medoffice.core.models import Location, Practice
from medoffice.core.money import money_field
from medoffice.patients.models import Payer
from medoffice.payments.models import Account, Payment
from medoffice.scheduling.models import Appointment


class AccountSettings(models.Model):
    """The practice's statement and collections policy (Configuration)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    statement_minimum = money_field(
        default=5, help_text="No statement for a patient balance below this"
    )
    statement_every_days = models.PositiveSmallIntegerField(
        default=30, help_text="At most one statement per account in this many days"
    )
    cycles = models.PositiveSmallIntegerField(
        default=4, help_text="Accounts are split into this many statement cycles"
    )
    due_days = models.PositiveSmallIntegerField(default=25, help_text="Statement due in days")
    how_to_pay = models.TextField(
        default="Pay at the front desk (cash, check or card)\n"
        "Mail a check to the address above, with your account number",
        help_text="One way to pay per line; printed on every statement",
    )
    notices = models.JSONField(
        default=list,
        blank=True,
        help_text="Dunning messages: the first statement prints none, the second the first "
        "message, and so on; after the last one the account goes to collections",
    )
    plan_grace_days = models.PositiveSmallIntegerField(default=10)
    statements_on_clock = models.BooleanField(
        default=False,
        help_text="The worker runs each statement cycle by itself (the cycle of the day: the "
        "month split into `cycles` parts) and e-mails statements to patients with an address",
    )

    DEFAULT_NOTICES = (
        "Reminder: this balance is past due. Please pay or call us to set up a plan.",
        "Second notice: your balance is overdue. Please pay within 10 days.",
        "Final notice: without payment or a call, this account goes to collections.",
    )

    def __str__(self) -> str:
        return f"Account settings of {self.practice}"

    @property
    def notice_texts(self) -> tuple[str, ...]:
        return tuple(self.notices) if self.notices else self.DEFAULT_NOTICES


class VisitPayment(models.Model):
    """A desk payment taken at a visit's check-in or check-out."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="desk_payments"
    )
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="visit")
    at = models.CharField(
        max_length=9, choices=[("check_in", "Check-in"), ("check_out", "Check-out")]
    )

    class Meta:
        permissions = [
            ("view_accounts", "Can see patient balances, payments, statements and plans"),
            ("collect_payment", "Can take payments at the desk and print receipts"),
            ("close_day", "Can close the day's drawer (deposit slip)"),
            ("run_statements", "Can run statements and manage collections status and holds"),
            ("manage_plans", "Can set up and cancel payment plans"),
            ("request_refund", "Can ask for the refund of a credit balance"),
            ("approve_refund", "Can approve or refuse refunds"),
            ("view_ar_reports", "Can see A/R aging, collection and denial reports"),
        ]

    def __str__(self) -> str:
        return f"{self.get_at_display()} payment"


class DayClose(models.Model):
    """One user's drawer at one location closed for one day: posted totals by method (from
    the ledger), the counted amounts, and the differences flagged."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    posted = models.JSONField(help_text="method -> amount posted (text)")
    counted = models.JSONField(help_text="method -> amount counted (text)")
    differences = models.JSONField(default=list)
    payment_count = models.PositiveIntegerField()
    closed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "-closed_at"]
        constraints = [
            models.UniqueConstraint(fields=["location", "user", "day"], name="day_close_once"),
        ]

    def __str__(self) -> str:
        return f"Close {self.day}"

    @property
    def has_differences(self) -> bool:
        return bool(self.differences)


class CollectionStatus(models.TextChoices):
    CURRENT = "current", "Current"
    DUNNING = "dunning", "Past due (notices)"
    COLLECTIONS = "collections", "Sent to collections"


class Hold(models.TextChoices):
    NONE = "", "No hold"
    PLAN = "plan", "Payment plan"
    DISPUTE = "dispute", "Dispute"
    OTHER = "other", "Other (see note)"


class AccountStanding(models.Model):
    """The account's place in the dunning sequence, and any hold that stops it."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="standing")
    status = models.CharField(
        max_length=11, choices=CollectionStatus.choices, default=CollectionStatus.CURRENT
    )
    notices_sent = models.PositiveSmallIntegerField(default=0)
    hold = models.CharField(max_length=7, choices=Hold.choices, default="", blank=True)
    hold_note = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.get_status_display()


class Statement(models.Model):
    """A statement produced for an account (kept as sent: the PDF bytes)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="statements")
    statement_date = models.DateField()
    due_date = models.DateField()
    amount_due = money_field()
    notice = models.PositiveSmallIntegerField(
        default=0, help_text="0: a plain statement; n: the n-th dunning notice"
    )
    cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    pdf = models.BinaryField()
    emailed_to = models.CharField(max_length=254, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"], name="statement_account")]

    def __str__(self) -> str:
        return f"Statement {self.statement_date}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Paid in full"
    CANCELLED = "cancelled", "Cancelled"


class PaymentPlan(models.Model):
    """An agreed schedule of instalments (accounts/plans.py computes it from these terms).
    Patient payments on the account from `starts_at` count against it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="plans")
    total = money_field()
    frequency = models.CharField(
        max_length=8,
        choices=[("weekly", "Weekly"), ("biweekly", "Every two weeks"), ("monthly", "Monthly")],
    )
    first_due = models.DateField()
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    amount = money_field(null=True, blank=True)
    status = models.CharField(max_length=9, choices=PlanStatus.choices, default="active")
    note = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(status="active"), name="plan_one_active"
            ),
            models.CheckConstraint(condition=models.Q(total__gt=0), name="plan_total_positive"),
        ]

    def __str__(self) -> str:
        return f"Plan ${self.total}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for approval"
    APPROVED = "approved", "Approved and paid"
    REFUSED = "refused", "Refused"


class RefundRequest(models.Model):
    """The refund of a credit balance: asked for by a biller or the desk, approved (and then
    posted as a negative payment) or refused by an office manager.

    To the patient (no `payer`): out of the account's credit. To a payer (`payer` and the
    service line `charge` it overpaid): out of that payer's credit on the line; paid back
    by check (a refund payment to the payer) or taken back by the payer from a later
    remittance (a recoupment: the ERA's provider-level adjustment moved onto the line)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    method = models.CharField(
        max_length=6,
        choices=[
            ("check", "Check"),
            ("card", "Card"),
            ("cash", "Cash"),
            ("recoup", "Recouped by the payer"),
        ],
    )
    reason = models.CharField(max_length=200)
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="A refund to an insurer; none: to the patient",
    )  # fmt: skip
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The service line the payer overpaid",
    )  # fmt: skip
    status = models.CharField(max_length=9, choices=RefundStatus.choices, default="requested")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="refund_request"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
            models.CheckConstraint(
                condition=models.Q(payer__isnull=True, charge__isnull=True)
                | models.Q(payer__isnull=False, charge__isnull=False),
                name="refund_to_payer_names_the_line",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund ${self.amount}"


class StatementRun(models.Model):
    """One batch of statements (a cycle, or every cycle): who ran it, what went out and who
    was skipped, with the reason (no address, on hold, under the minimum...)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    cycle = models.PositiveSmallIntegerField(null=True, blank=True, help_text="None: all")
    ran_at = models.DateTimeField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="None: the worker's clock",
    )  # fmt: skip
    issued = models.PositiveIntegerField(default=0)
    amount = money_field(default=0)
    skipped = models.JSONField(
        default=list, help_text="[{account, patient, amount, reason}] of the accounts left out"
    )

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"Statement run {self.ran_at:%Y-%m-%d}"
