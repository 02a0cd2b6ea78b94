"""Patient accounts, received payments and the append-only ledger; ERA (835) imports.

The ledger (`LedgerEntry`) is the one record of money owed and paid. Each entry
is one amount on one service line (a billing `Charge`, the line a claim line
bills) or, for money not tied to a line, on an account (a credit) or on the
provider (PLB interest and recoupments). The sign says what it does to the
balance: a charge is positive, a payment, an adjustment or a write-off negative,
a refund positive; a transfer of responsibility is two entries of the same
posting that sum to zero (from one party, to another). Every entry names the
party responsible for it (an insurance coverage and its payer, or the patient),
who posted it, when, and its source (check number, EFT trace, 835 file, card
terminal reference).

Nothing here is ever changed or deleted: the database refuses UPDATE and DELETE
on entries and payments (migration 0001); a mistake is undone by a reversal (an
entry of the opposite amount naming the one it reverses, at most once).
Balances are sums of entries (payments/selectors.py), never stored numbers.

A received payment (`Payment`) is money in (or out: a refund is a negative
payment). What it has paid is the sum of the entries naming it; the unapplied
remainder is derived: amount + sum(entry amounts naming it).
"""

import uuid

from django.conf import settings
from django.db import models

from medoffice.billing.models import Charge, Claim, ClaimLine, ExchangeFile
from medoffice.core.models import Location, Practice, Provider
from medoffice.core.money import money_field
from medoffice.patients.models import Coverage, Patient, Payer


class Account(models.Model):
    """The account of a patient's guarantor (the patient's guarantor fields say who that is):
    what the household owes the practice for this patient's care."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="accounts")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        permissions = [
            ("view_ledger", "Can see patient accounts, balances and the ledger"),
            ("post_ledger", "Can post payments, adjustments, transfers and reversals"),
            ("import_era", "Can import and post ERA (835) remittances"),
            ("work_suspense", "Can match unmatched remittance lines by hand"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["practice", "patient"], name="account_one_per_patient"),
        ]

    def __str__(self) -> str:
        return f"Account {self.public_id}"


class PaymentKind(models.TextChoices):
    INSURANCE = "insurance", "Insurance payment"
    PATIENT = "patient", "Patient payment"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD = "card", "Card"
    EFT = "eft", "EFT / ACH"
    WIRE = "wire", "Wire"
    NONE = "none", "No money (notification only)"
    OTHER = "other", "Other"


class Payment(models.Model):
    """Money received (positive) or paid out (negative: a refund), once, never edited."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        help_text="The patient's account (patient payments and refunds to a patient)",
    )  # fmt: skip
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The insurance payer (insurance payments and refunds to a payer)",
    )  # fmt: skip
    method = models.CharField(max_length=6, choices=PaymentMethod.choices)
    reference = models.CharField(
        max_length=80, blank=True,
        help_text="Check number, EFT trace (TRN02), card terminal reference; never a card number",
    )  # fmt: skip
    amount = money_field()
    received_on = models.DateField(help_text="The deposit day")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by",
        help_text="A returned check or voided receipt: the payment it takes back",
    )  # fmt: skip
    note = models.CharField(max_length=300, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="patient", account__isnull=False)
                | models.Q(kind="insurance", payer__isnull=False),
                name="payment_names_its_party",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "received_on"], name="payment_day"),
            models.Index(fields=["account", "received_at"], name="payment_account"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} ${self.amount}"


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    INSURANCE_PAYMENT = "ins_payment", "Insurance payment"
    PATIENT_PAYMENT = "pat_payment", "Patient payment"
    CONTRACTUAL = "contractual", "Contractual adjustment"
    ADJUSTMENT = "adjustment", "Other adjustment"
    TRANSFER = "transfer", "Transfer of responsibility"
    DENIAL = "denial", "Denial (no payment, balance kept)"
    REFUND = "refund", "Refund"
    WRITE_OFF = "write_off", "Write-off"
    PROVIDER = "provider", "Provider-level adjustment (PLB)"
    REVERSAL = "reversal", "Reversal"


# Entries whose amount comes out of (or goes back to) a received payment.
PAYMENT_KINDS = (
    EntryKind.INSURANCE_PAYMENT, EntryKind.PATIENT_PAYMENT, EntryKind.REFUND, EntryKind.PROVIDER,
)  # fmt: skip


class Party(models.TextChoices):
    INSURANCE = "insurance", "Insurance"
    PATIENT = "patient", "Patient"
    PRACTICE = "practice", "Practice (provider level)"


class SourceKind(models.TextChoices):
    SYSTEM = "system", "Billing (signed charges)"
    ERA = "era", "ERA 835 file"
    CHECK = "check", "Check"
    EFT = "eft", "EFT"
    CASH = "cash", "Cash"
    CARD = "card", "Card terminal"
    MANUAL = "manual", "Entered by hand"


class LedgerEntry(models.Model):
    """One amount on one service line, account or provider. Never changed or deleted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    posting = models.UUIDField(
        db_index=True, help_text="Entries made by one posting share it (a transfer's two halves)"
    )
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    amount = money_field(help_text="Positive raises the balance, negative lowers it")
    # Where it lands.
    # Foreign keys marked db_index=False are looked up through a composite index below
    # (account, charge, payer, practice) or never on their own (the copies of the claim's
    # patient, line, coverage, provider and location, and who posted): every index is
    # written for each of the ~10 entries an ERA claim posts (migration 0002).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
        help_text="None: provider level (PLB)", db_index=False,
    )  # fmt: skip
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries",
        help_text="The service line (its original charge); none: account or provider level",
        db_index=False,
    )  # fmt: skip
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    claim_line = models.ForeignKey(
        ClaimLine, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries",
        db_index=False,
    )  # fmt: skip
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    # Who owes it.
    party = models.CharField(max_length=10, choices=Party.choices)
    coverage = models.ForeignKey(
        Coverage, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Why.
    group = models.CharField(max_length=2, blank=True, help_text="CAS group: CO, OA, PI, PR, CR")
    reason = models.CharField(
        max_length=5, blank=True, help_text="CARC, or the PLB reason of a provider adjustment"
    )
    remarks = models.CharField(max_length=60, blank=True, help_text="RARC, space separated")
    # Where from.
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    from_charge = models.OneToOneField(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entry",
        help_text="The billing charge (or charge reversal) this charge entry posts: once",
    )  # fmt: skip
    era_claim = models.ForeignKey(
        "EraClaim", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    source_kind = models.CharField(max_length=6, choices=SourceKind.choices)
    source = models.CharField(
        max_length=120, blank=True, help_text="Check number, EFT trace, 835 file, terminal ref"
    )
    note = models.CharField(max_length=300, blank=True)
    effective_on = models.DateField(help_text="The accounting day it counts on")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="charge") | models.Q(charge__isnull=False),
                name="ledger_charge_on_a_line",
            ),
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(party="practice"),
                name="ledger_provider_level_is_practice",
            ),
            models.CheckConstraint(
                condition=~models.Q(party="insurance") | models.Q(payer__isnull=False),
                name="ledger_insurance_names_payer",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="ledger_reversal_names_entry",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="denial") | models.Q(amount=0),
                name="ledger_denial_moves_nothing",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["ins_payment", "pat_payment", "refund", "provider"])
                | models.Q(payment__isnull=False),
                name="ledger_money_names_payment",
            ),
        ]
        indexes = [
            models.Index(fields=["charge", "party"], name="ledger_line"),
            models.Index(fields=["account", "effective_on"], name="ledger_account"),
            models.Index(fields=["practice", "effective_on", "kind"], name="ledger_day"),
            models.Index(fields=["payer", "effective_on"], name="ledger_payer"),
            # The denial rate's reasons (CARC) of the period: a few of the entries, found
            # without walking the period's every entry (ledger_day).
            models.Index(
                fields=["practice", "effective_on"], condition=models.Q(kind="denial"),
                name="ledger_denial_day",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


# ================================================================ ERA (835) imports


class EraStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    REJECTED = "rejected", "Rejected (nothing posted)"


class EraFile(models.Model):
    """One 835 file imported (upload, command line or the clearinghouse inbox).

    Posted at most once (BL-01): unique per practice by the content's SHA-256 while
    posted. A rejected attempt is kept with its reason and posted nothing.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content = models.BinaryField(help_text="The file as received (for the viewer)")
    origin = models.CharField(
        max_length=13, choices=[("upload", "Upload"), ("command", "Command line"),
                                ("clearinghouse", "Clearinghouse")],
    )  # fmt: skip
    exchange_file = models.ForeignKey(
        ExchangeFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=EraStatus.choices)
    reason = models.TextField(blank=True, help_text="Why it was rejected")
    summary = models.CharField(max_length=300, blank=True)
    claim_count = models.PositiveIntegerField(default=0)
    total_paid = money_field(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = "ERA file"
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "sha256"], condition=models.Q(status="posted"),
                name="era_file_posted_once",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class EraPayment(models.Model):
    """One 835 transaction set: one payment (BPR) with its trace (TRN)."""

    era_file = models.ForeignKey(EraFile, on_delete=models.PROTECT, related_name="payments")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="era_payment")
    interchange_control = models.CharField("ISA13", max_length=9)
    group_control = models.CharField("GS06", max_length=9)
    transaction_control = models.CharField("ST02", max_length=9)
    payer_identifier = models.CharField(
        max_length=80, help_text="TRN03 (or the payer's id when absent)"
    )
    trace_number = models.CharField(max_length=50, help_text="TRN02: check or EFT trace")
    payer_name = models.CharField(max_length=60)
    method = models.CharField(max_length=3, help_text="BPR04")
    total_paid = money_field(help_text="BPR02 (negative for a debit)")
    payment_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["era_file", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer_identifier", "trace_number"], name="era_payment_trace_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_name} {self.trace_number}"


class EraClaim(models.Model):
    """One claim payment (CLP) of an ERA, as posted: matched to our claim or in suspense."""

    era_payment = models.ForeignKey(EraPayment, on_delete=models.PROTECT, related_name="claims")
    sequence = models.PositiveIntegerField(help_text="Its place in the transaction set")
    key = models.CharField(
        max_length=200, unique=True, help_text="TRN02 + CLP01 + CLP07 + CLP02 (BL-01)"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="era_claims"
    )
    patient_control_number = models.CharField(max_length=38)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=2, help_text="CLP02")
    charge = money_field()
    paid = money_field()
    patient_responsibility = money_field(default=0)
    outcome = models.CharField(max_length=200, blank=True, help_text="What posting did, in words")

    class Meta:
        ordering = ["era_payment", "sequence"]
        verbose_name = "ERA claim"

    def __str__(self) -> str:
        return f"CLP {self.patient_control_number} ({self.status})"


class SuspenseStatus(models.TextChoices):
    OPEN = "open", "Open"
    MATCHED = "matched", "Matched by hand"
    CLOSED = "closed", "Closed without posting"


class SuspenseItem(models.Model):
    """A remittance line (or whole claim) the posting could not match: its money waits on
    the ERA's payment (unapplied) until a biller matches it to a line by hand."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    era_claim = models.ForeignKey(EraClaim, on_delete=models.PROTECT, related_name="suspense")
    service_index = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Which SVC of the claim (none: the whole claim)"
    )
    reason = models.CharField(max_length=300)
    procedure_code = models.CharField(max_length=48, blank=True)
    modifiers = models.CharField(max_length=11, blank=True)
    units = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    service_date = models.DateField(null=True, blank=True)
    charge_amount = money_field(default=0)
    paid = money_field(default=0)
    detail = models.JSONField(default=dict, help_text="Adjustments and remarks as sent")
    status = models.CharField(max_length=8, choices=SuspenseStatus.choices, default="open")
    matched_line = models.ForeignKey(
        ClaimLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "status"], name="suspense_open")]

    def __str__(self) -> str:
        return f"Suspense {self.procedure_code} ${self.paid}"


# ================================================================ summaries of the ledger


class LedgerDay(models.Model):
    """A cache: the ledger's entries summed per practice, effective day, location, provider,
    kind and whether they sit on a service line (what the dashboard's totals, collection
    rate and days in A/R read instead of the entries).

    Written only by the database's insert trigger on the ledger (payments/summaries.py), in
    the transaction of the entries themselves, so every posting path keeps it; rebuilt and
    compared with the ledger by `medoffice ledger rebuild-summaries` and `ledger check`.
    Ids are plain integers (0: none) so the unique key can be upserted on both databases;
    amounts are integer cents, summed exactly.
    """

    practice_id = models.BigIntegerField()
    effective_on = models.DateField()
    location_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    on_line = models.BooleanField()
    amount_cents = models.BigIntegerField()
    entries = models.BigIntegerField()

    class Meta:
        ordering = ["practice_id", "effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice_id", "effective_on", "location_id", "provider_id", "kind",
                        "on_line"],
                name="ledger_day_key",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.effective_on} {self.kind} {self.amount_cents}"


class LineBalance(models.Model):
    """A cache: the open balance of service lines per practice, patient, responsible party
    (party and payer), location, provider and date of service (the date that ages it): the
    sum of every line entry. What the A/R aging reads instead of the entries (an aging on an
    earlier day takes off the entries effective after it).

    Kept, rebuilt and checked like `LedgerDay` (payments/summaries.py).
    """

    practice_id = models.BigIntegerField()
    patient_id = models.BigIntegerField()
    party = models.CharField(max_length=10, choices=Party.choices)
    payer_id = models.BigIntegerField()
    location_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    date_of_service = models.DateField()
    amount_cents = models.BigIntegerField()
    entries = models.BigIntegerField()

    class Meta:
        ordering = ["practice_id", "date_of_service"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice_id", "patient_id", "party", "payer_id", "location_id",
                        "provider_id", "date_of_service"],
                name="line_balance_key",
            ),
        ]  # fmt: skip
        # What the aging by payer and by patient read, with the amount: covering, so the
        # database sums the index alone (in the order it groups by) instead of looking up
        # each of ~130,000 rows (written in posting order) for its amount; and partial: only
        # the balances still owed (about half the rows are lines paid off, at zero), which
        # the aging reads with the same condition (accounts.reports.ar_aging).
        indexes = [
            models.Index(
                fields=["practice_id", "party", "payer_id", "location_id", "provider_id",
                        "date_of_service", "amount_cents"],
                condition=~models.Q(amount_cents=0), name="line_balance_payer_owed",
            ),
            models.Index(
                fields=["practice_id", "patient_id", "location_id", "provider_id",
                        "date_of_service", "amount_cents"],
                condition=~models.Q(amount_cents=0), name="line_balance_patient_owed",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.date_of_service} {self.party} {self.amount_cents}"


class LinePayerDay(models.Model):
    """A cache: per practice, effective day, service line (its original charge), payer,
    location, provider and procedure code, how the payer answered the line that day: its
    adjudications (payments, contractual adjustments and denials, not reversals), denials,
    and insurance payments (cents and entries, reversals included). What the denial rate
    by payer and the payments by payer per CPT read: lines are counted distinct over it.

    Kept, rebuilt and checked like `LedgerDay` (payments/summaries.py).
    """

    practice_id = models.BigIntegerField()
    effective_on = models.DateField()
    charge_id = models.BigIntegerField()
    payer_id = models.BigIntegerField()
    location_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    code = models.CharField(max_length=5)
    adjudications = models.BigIntegerField()
    denials = models.BigIntegerField()
    paid_cents = models.BigIntegerField()
    paid_entries = models.BigIntegerField()

    class Meta:
        ordering = ["practice_id", "effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice_id", "effective_on", "charge_id", "payer_id", "location_id",
                        "provider_id", "code"],
                name="line_payer_day_key",
            ),
        ]  # fmt: skip
        # The denial rate and the payments per CPT count lines distinct over a period: the
        # index holds every column they read, so the database never looks up the rows.
        indexes = [
            models.Index(
                fields=["practice_id", "effective_on", "payer_id", "charge_id", "adjudications",
                        "denials", "code", "paid_entries", "paid_cents", "location_id",
                        "provider_id"],
                name="line_payer_day_period",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.effective_on} line {self.charge_id} payer {self.payer_id}"


class SummaryDeferral(models.Model):
    """The switch of `summaries.deferred()` (SQLite): while the writing transaction holds a
    row here, the ledger's insert trigger leaves the summaries to it (it adds the entries
    written meanwhile in one grouped upsert per summary before it ends). Never committed:
    the row is deleted in the transaction that made it, or rolled back with it."""

    after_id = models.BigIntegerField(help_text="The ledger's last id when it was set")

    def __str__(self) -> str:
        return f"summaries deferred after entry {self.after_id}"
