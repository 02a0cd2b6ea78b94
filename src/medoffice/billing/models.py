"""Encounters and their superbills, charges, payer billing rules, superbill templates and the
NCCI tables the scrubber reads.

An encounter is one visit's billable record: opened when the patient checks in
(linked to the appointment), filled in by the clinician on the superbill
(diagnoses and service lines), locked by signing. A correction after signing
makes a new version: the prior one is kept in `EncounterVersion`, the lines it
replaced stay (retired) because the charges made from them point at them, and
those charges are reversed by new negative charges, never edited.
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from medoffice.billing.states import BatchStatus, ClaimStatus, EncounterStatus
from medoffice.coding.loaders import dotted
from medoffice.core.identifiers import validate_npi
from medoffice.core.models import Location, Practice, Provider
from medoffice.core.money import money_field
from medoffice.patients.models import Coverage, Patient, Payer, validate_regex
from medoffice.scheduling.models import Appointment

MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4
LETTERS = "ABCDEFGHIJKL"

_place_of_service = RegexValidator(r"^\d{2}$", "A place of service is two digits, e.g. 11.")
_procedure = RegexValidator(r"^[A-Z0-9]{5}$", "Five letters or digits, e.g. 99213.")
_modifier = RegexValidator(r"^[A-Z0-9]{2}$", "Two letters or digits, e.g. 95.")


def split_codes(text: str) -> list[str]:
    """ "99213, 93000 36415" -> ["99213", "93000", "36415"] (upper case, no blanks)."""
    return [part for part in re.split(r"[\s,;]+", text.upper()) if part]


class Encounter(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="encounters")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="encounter"
    )
    date_of_service = models.DateField()
    place_of_service = models.CharField(max_length=2, validators=[_place_of_service])
    coverage = models.ForeignKey(
        Coverage, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The primary coverage active on the date of service (blank: self-pay)",
    )  # fmt: skip
    template = models.ForeignKey(
        "SuperbillTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    referring_provider_name = models.CharField(max_length=120, blank=True)
    referring_provider_npi = models.CharField(
        "referring provider NPI", max_length=10, blank=True, validators=[validate_npi]
    )
    prior_authorization = models.CharField("prior authorization number", max_length=50, blank=True)
    status = models.CharField(
        max_length=10, choices=EncounterStatus.choices, default=EncounterStatus.OPEN
    )
    version = models.PositiveSmallIntegerField(default=1)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date_of_service", "-id"]
        permissions = [
            ("sign_encounter", "Can sign an encounter's superbill"),
            ("amend_encounter", "Can correct a signed encounter (a new version)"),
            ("view_coding_queue", "Can see the coder's work queue and scrubber results"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="encounter_version"),
            models.CheckConstraint(
                condition=models.Q(status__in=[EncounterStatus.OPEN, EncounterStatus.VOID])
                | models.Q(signed_at__isnull=False),
                name="encounter_signed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "status", "date_of_service"], name="enc_queue"),
            models.Index(fields=["provider", "date_of_service"], name="enc_provider_day"),
        ]

    def __str__(self) -> str:
        return f"Encounter {self.date_of_service} ({self.status}, v{self.version})"

    @property
    def is_signed(self) -> bool:
        return self.status in (EncounterStatus.SIGNED, EncounterStatus.AMENDED)


class EncounterDiagnosis(models.Model):
    """One of the up to 12 diagnoses of the encounter, in claim order (A-L)."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    order = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DIAGNOSES)]
    )
    code = models.CharField(max_length=7, help_text="ICD-10-CM without the dot")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["encounter", "order"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "order"], name="enc_dx_order_unique"),
            models.UniqueConstraint(fields=["encounter", "code"], name="enc_dx_code_unique"),
            models.CheckConstraint(
                condition=models.Q(order__gte=1) & models.Q(order__lte=MAX_DIAGNOSES),
                name="enc_dx_order_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.dotted}"

    @property
    def letter(self) -> str:
        return LETTERS[self.order - 1]

    @property
    def dotted(self) -> str:
        return dotted(self.code)


def _pointer_field():
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_DIAGNOSES)]
    )


def _modifier_field():
    return models.CharField(max_length=2, blank=True, validators=[_modifier])


class EncounterLine(models.Model):
    """A service line: code, up to 4 modifiers, units, up to 4 diagnosis pointers.

    Lines of a signed version are retired (`retired_in_version`) rather than
    deleted when a correction replaces them: charges keep pointing at them.
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=5, validators=[_procedure])
    description = models.CharField(max_length=300, blank=True)
    modifier1 = _modifier_field()
    modifier2 = _modifier_field()
    modifier3 = _modifier_field()
    modifier4 = _modifier_field()
    units = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    pointer1 = _pointer_field()
    pointer2 = _pointer_field()
    pointer3 = _pointer_field()
    pointer4 = _pointer_field()
    unit_price = money_field(null=True, blank=True, help_text="From the fee schedule at signing")
    charge_amount = money_field(null=True, blank=True)
    version = models.PositiveSmallIntegerField(default=1, help_text="Version that made it")
    retired_in_version = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["encounter", "number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(units__gte=1), name="enc_line_units"),
            models.UniqueConstraint(
                fields=["encounter", "number"],
                condition=models.Q(retired_in_version__isnull=True),
                name="enc_line_number_unique",
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"pointer{n}__isnull": True})
                    | (
                        models.Q(**{f"pointer{n}__gte": 1})
                        & models.Q(**{f"pointer{n}__lte": MAX_DIAGNOSES})
                    ),
                    name=f"enc_line_pointer{n}_range",
                )
                for n in range(1, MAX_POINTERS + 1)
            ],
            models.CheckConstraint(
                condition=models.Q(charge_amount__isnull=True) | models.Q(charge_amount__gte=0),
                name="enc_line_charge_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.number} {self.code}"

    @property
    def modifiers(self) -> tuple[str, ...]:
        values = (self.modifier1, self.modifier2, self.modifier3, self.modifier4)
        return tuple(m for m in values if m)

    @property
    def pointers(self) -> tuple[int, ...]:
        values = (self.pointer1, self.pointer2, self.pointer3, self.pointer4)
        return tuple(p for p in values if p)

    @property
    def pointer_letters(self) -> str:
        return "".join(LETTERS[p - 1] for p in self.pointers)

    def set_modifiers(self, modifiers) -> None:
        values = list(modifiers)[:MAX_MODIFIERS] + [""] * MAX_MODIFIERS
        self.modifier1, self.modifier2, self.modifier3, self.modifier4 = values[:MAX_MODIFIERS]

    def set_pointers(self, pointers) -> None:
        values = list(pointers)[:MAX_POINTERS] + [None] * MAX_POINTERS
        self.pointer1, self.pointer2, self.pointer3, self.pointer4 = values[:MAX_POINTERS]


class EncounterVersion(models.Model):
    """What a signed version of the encounter said, kept when it is signed or corrected."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField()
    content = models.JSONField(help_text="Diagnoses, lines, place of service, coverage, ...")
    reason = models.CharField(max_length=300, help_text="'Signed', or why it was corrected")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["encounter", "version"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "version"], name="enc_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Version {self.version}"


class Charge(models.Model):
    """The revenue record of one service line: what claims and the ledger will use.

    Never changed (the database refuses UPDATE, migration 0002): a correction
    adds a reversal (the negative of the charge, `reverses` set) and new charges.
    The patient is the encounter's (so a merge of duplicate records moves it too).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="charges")
    line = models.ForeignKey(EncounterLine, on_delete=models.PROTECT, related_name="charges")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    coverage = models.ForeignKey(
        Coverage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date_of_service = models.DateField()
    code = models.CharField(max_length=5)
    modifiers = models.CharField(max_length=11, blank=True, help_text="e.g. '95 25'")
    units = models.PositiveSmallIntegerField()
    amount = money_field()
    encounter_version = models.PositiveSmallIntegerField()
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["encounter", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(reverses__isnull=True) & models.Q(amount__gte=0))
                | (models.Q(reverses__isnull=False) & models.Q(amount__lte=0)),
                name="charge_sign_matches_kind",
            ),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="charge_units"),
        ]
        indexes = [
            models.Index(fields=["date_of_service"], name="charge_day"),
            # The dashboard's rollups read the charges made since their last refresh.
            models.Index(fields=["created_at"], name="charge_created"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ${self.amount}"


class PayerRules(models.Model):
    """How a payer wants to be billed: referrals, prior authorizations, filing limit, and
    the scrubber rules the practice switches off for it."""

    payer = models.OneToOneField(Payer, on_delete=models.CASCADE, related_name="billing_rules")
    requires_referral = models.BooleanField(
        default=False, help_text="Claims need the referring provider's NPI"
    )
    prior_auth_codes = models.TextField(
        "codes needing prior authorization", blank=True,
        help_text="CPT/HCPCS codes, separated by spaces or commas",
    )  # fmt: skip
    timely_filing_days = models.PositiveSmallIntegerField(
        default=365, validators=[MinValueValidator(1)],
        help_text="Days after the date of service a claim may still be filed",
    )  # fmt: skip
    follow_up_days = models.PositiveSmallIntegerField(
        "days before a status request", default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text="A claim without an answer this many days after it was sent gets an automatic "
        "claim status request (276), and again every as many days",
    )  # fmt: skip
    paper_claims = models.BooleanField(
        "bills on paper", default=False,
        help_text="Claims to this payer are printed on the CMS-1500 form and mailed, not sent "
        "electronically",
    )  # fmt: skip
    appeal_days = models.PositiveSmallIntegerField(
        "days to appeal", default=120, validators=[MinValueValidator(1)],
        help_text="Days after the payer's decision an appeal may still be filed",
    )  # fmt: skip
    rules_off = models.CharField(
        "scrubber rules switched off", max_length=400, blank=True,
        help_text="Rule codes (docs/billing.md), separated by spaces or commas",
    )  # fmt: skip

    class Meta:
        verbose_name = "payer billing rules"
        verbose_name_plural = "payer billing rules"

    def __str__(self) -> str:
        return f"Billing rules of {self.payer.name}"

    def clean(self) -> None:
        from medoffice.billing.scrubber import RULE_CODES

        errors = {}
        bad = [c for c in split_codes(self.prior_auth_codes) if not re.fullmatch(r"[A-Z0-9]{5}", c)]
        if bad:
            errors["prior_auth_codes"] = [f"Not a CPT/HCPCS code: {', '.join(bad)}."]
        unknown = [c for c in split_codes(self.rules_off) if c not in RULE_CODES]
        if unknown:
            errors["rules_off"] = [f"No scrubber rule named {', '.join(unknown)}."]
        if errors:
            raise ValidationError(errors)

    @property
    def prior_auth_code_set(self) -> frozenset[str]:
        return frozenset(split_codes(self.prior_auth_codes))

    @property
    def rules_off_set(self) -> frozenset[str]:
        return frozenset(split_codes(self.rules_off))


class SuperbillTemplate(models.Model):
    """The pick-list a clinician checks: common services and diagnoses in sections.

    Chosen for an encounter by provider first, then by the provider's specialty,
    then the practice's general template (no provider, no specialty).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    specialty = models.CharField(max_length=80, blank=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="superbill_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    SERVICE = "service", "Service (CPT/HCPCS)"
    DIAGNOSIS = "diagnosis", "Diagnosis (ICD-10-CM)"


class SuperbillItem(models.Model):
    template = models.ForeignKey(SuperbillTemplate, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    section = models.CharField(max_length=60, help_text="e.g. Office visits, Lab, Diabetes")
    code = models.CharField(max_length=8, help_text="99213, or E11.9 (with or without the dot)")
    label = models.CharField(max_length=120, blank=True, help_text="Short label on the form")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "kind", "code"], name="superbill_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.code}"


class NcciKind(models.TextChoices):
    PTP = "ptp", "Procedure-to-procedure edits"
    MUE = "mue", "Medically unlikely edits (units per day)"


class NcciTable(models.Model):
    """One loaded NCCI file: PTP edit pairs or MUE unit limits, in force from a date."""

    kind = models.CharField(max_length=3, choices=NcciKind.choices)
    version = models.CharField(max_length=40, help_text="e.g. 2026-Q1 or the file's version")
    effective_from = models.DateField()
    source = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "-effective_from"]
        verbose_name = "NCCI table"
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="ncci_table_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class PtpEdit(models.Model):
    table = models.ForeignKey(NcciTable, on_delete=models.CASCADE, related_name="ptp_edits")
    column1 = models.CharField(max_length=5)
    column2 = models.CharField(max_length=5)
    effective_on = models.DateField()
    deleted_on = models.DateField(null=True, blank=True)
    modifier_indicator = models.CharField(
        max_length=1, help_text="0 never together, 1 allowed with a modifier, 9 not applicable"
    )
    rationale = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "NCCI PTP edit"
        indexes = [models.Index(fields=["table", "column1", "column2"], name="ptp_pair")]

    def __str__(self) -> str:
        return f"{self.column1}/{self.column2} ({self.modifier_indicator})"


class MueLimit(models.Model):
    table = models.ForeignKey(NcciTable, on_delete=models.CASCADE, related_name="mue_limits")
    code = models.CharField(max_length=5)
    max_units = models.PositiveIntegerField()
    adjudication = models.CharField(
        max_length=1, help_text="1 per line; 2 or 3 per day (date of service edit)"
    )
    rationale = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "NCCI MUE limit"
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="mue_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} <= {self.max_units}"


# ================================================================ claims and the exchange
#
# A claim is what one payer is asked to pay for one encounter: its lines come from
# the encounter's standing charges. It goes out in a batch (one X12 interchange,
# one file) through the practice's clearinghouse connection; the answers (999,
# 277CA, 277, 835) come back as files, each recorded once by its sha256, and move
# the claim through `ClaimStatus` (billing/states.py), each move a `ClaimEvent`.


class ConnectionKind(models.TextChoices):
    FOLDER = "folder", "Folder exchange"
    SFTP = "sftp", "SFTP"


class UsageIndicator(models.TextChoices):
    """ISA15: whether the receiver treats the interchange as real."""

    TEST = "T", "Test"
    PRODUCTION = "P", "Production"


_x12_id = RegexValidator(r"^[A-Za-z0-9 ]{1,15}$", "1 to 15 letters, digits or spaces.")
_remote_dir = RegexValidator(r"^[^\0\n\r]{1,200}$", "A directory path on the server.")


class ClearinghouseConnection(models.Model):
    """How the practice exchanges files with its clearinghouse (Configuration).

    Folder (the default and the demo's): files are written to an outbox directory
    and answers are picked up from an inbox directory, by default under
    MEDOFFICE_VAR_DIR/clearinghouse/. SFTP: the same over an SSH connection whose
    host key is pinned; the password, if any, is read from an environment variable
    named here (never stored).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=6, choices=ConnectionKind.choices, default="folder")
    is_active = models.BooleanField(default=True)
    usage = models.CharField(
        "test or production", max_length=1, choices=UsageIndicator.choices,
        default=UsageIndicator.TEST, help_text="ISA15: T while testing with the clearinghouse",
    )  # fmt: skip
    payers = models.ManyToManyField(
        Payer, blank=True, related_name="+",
        help_text="Payers whose claims go here; none: every payer without a connection of its own",
    )  # fmt: skip
    # The envelopes (ISA/GS) and the submitter/receiver names of the 837 (1000A/1000B).
    sender_qualifier = models.CharField("ISA05", max_length=2, default="ZZ")
    sender_id = models.CharField("sender id (ISA06/GS02)", max_length=15, validators=[_x12_id])
    receiver_qualifier = models.CharField("ISA07", max_length=2, default="ZZ")
    receiver_id = models.CharField("receiver id (ISA08/GS03)", max_length=15, validators=[_x12_id])
    receiver_name = models.CharField("receiver name (1000B)", max_length=60)
    submitter_name = models.CharField(
        "submitter name (1000A)", max_length=60, blank=True, help_text="Blank: the practice's name"
    )
    contact_name = models.CharField(max_length=60, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    # Folder exchange.
    outbox_dir = models.CharField(
        max_length=300, blank=True, help_text="Blank: MEDOFFICE_VAR_DIR/clearinghouse/outbox"
    )
    inbox_dir = models.CharField(
        max_length=300, blank=True, help_text="Blank: MEDOFFICE_VAR_DIR/clearinghouse/inbox"
    )
    # SFTP.
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(
        default=22, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    username = models.CharField(max_length=64, blank=True)
    key_path = models.CharField(
        "private key file", max_length=300, blank=True, help_text="Path on this server"
    )
    password_env = models.CharField(
        "password variable", max_length=64, blank=True,
        validators=[RegexValidator(r"^[A-Z_][A-Z0-9_]*$", "An environment variable name.")],
        help_text="Name of the environment variable holding the password (never stored here)",
    )  # fmt: skip
    host_key = models.TextField(
        blank=True,
        help_text="The server's public host key, e.g. 'ssh-ed25519 AAAA...' (from ssh-keyscan)",
    )
    remote_outbox = models.CharField(
        "remote upload directory", max_length=200, blank=True, default="outbound",
        validators=[_remote_dir],
    )  # fmt: skip
    remote_inbox = models.CharField(
        "remote download directory", max_length=200, blank=True, default="inbound",
        validators=[_remote_dir],
    )  # fmt: skip
    remote_archive = models.CharField(
        "remote directory for picked-up files", max_length=200, blank=True, default="",
        help_text="Blank: a 'processed' folder inside the download directory",
    )  # fmt: skip
    # The demo's stand-in: answers each file it receives with a 999 and a 277CA.
    simulate_responses = models.BooleanField(
        default=False, help_text="Demo and training only: answer each batch sent with a "
        "made-up 999 and 277CA, as a clearinghouse and payer would",
    )  # fmt: skip
    simulate_member_id_pattern = models.CharField(
        "simulated payer's member ids", max_length=100, blank=True,
        validators=[validate_regex],
        help_text="Demo: the simulated payer rejects claims whose member id does not match "
        "this regular expression (blank: it accepts every member id)",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="clearinghouse_name_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=["folder", "sftp"]), name="ch_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.kind == ConnectionKind.SFTP:
            for name in ("host", "username", "host_key"):
                if not getattr(self, name).strip():
                    errors[name] = ["Needed for an SFTP exchange."]
            if not self.key_path and not self.password_env:
                errors["key_path"] = ["Give a private key file or a password variable."]
            if self.host_key and len(self.host_key.split()) < 2:
                errors["host_key"] = ["Paste the key type and the key: 'ssh-ed25519 AAAA...'."]
        if errors:
            raise ValidationError(errors)


class ControlCounter(models.Model):
    """The last control number used per connection and kind (ISA13, GS06, ST02).

    Taken under a row lock, in the transaction that records the batch, so a
    number is never handed out twice, on PostgreSQL as on SQLite.
    """

    connection = models.ForeignKey(
        ClearinghouseConnection, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=3)  # "ISA", "GS", "ST"
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind"], name="control_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.last_value}"


class FileDirection(models.TextChoices):
    SENT = "sent", "Sent"
    RECEIVED = "received", "Received"


class FileStatus(models.TextChoices):
    SENT = "sent", "Sent"  # outgoing, delivered
    PROCESSED = "processed", "Processed"
    QUARANTINED = "quarantined", "Quarantined"


class ExchangeFile(models.Model):
    """Every file sent to or received from a clearinghouse, once (by its sha256).

    A received file is processed whole or not at all: a malformed one, or one
    that names a batch or claims we never sent, is quarantined with the reason
    and changes nothing.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    connection = models.ForeignKey(
        ClearinghouseConnection, on_delete=models.PROTECT, null=True, blank=True,
        related_name="files",
    )  # fmt: skip
    direction = models.CharField(max_length=8, choices=FileDirection.choices)
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    transaction = models.CharField(
        max_length=3, blank=True, help_text="837, 999, 277, 835 ... (ST01)"
    )
    status = models.CharField(max_length=12, choices=FileStatus.choices)
    reason = models.TextField(blank=True, help_text="Why it was quarantined")
    stored_path = models.CharField(
        max_length=500, blank=True, help_text="Where the file is kept (processed or quarantine)"
    )
    summary = models.CharField(max_length=300, blank=True, help_text="What it did, in words")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "direction", "sha256"], name="exchange_file_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimBatch(models.Model):
    """One interchange of 837P claims (ISA...IEA, one GS, an ST per 5,000 claims): one file.

    The 999 names it by its group control number (AK1 GS06), unique per connection."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    connection = models.ForeignKey(
        ClearinghouseConnection, on_delete=models.PROTECT, related_name="batches"
    )
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Set when the batch holds one payer's claims",
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default="queued")
    usage = models.CharField(max_length=1, choices=UsageIndicator.choices)
    interchange_control = models.PositiveIntegerField("ISA13")
    group_control = models.PositiveIntegerField("GS06")
    claim_count = models.PositiveIntegerField(default=0)
    total_charge = money_field(default=0)
    file = models.OneToOneField(
        ExchangeFile, on_delete=models.PROTECT, null=True, blank=True, related_name="batch"
    )
    file_name = models.CharField(max_length=120)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, help_text="Why it has not gone yet")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("send_claimbatch", "Can send claims and pick up the answers")]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "interchange_control"], name="batch_isa_unique"
            ),
            models.UniqueConstraint(fields=["connection", "group_control"], name="batch_gs_unique"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="batch_due")]

    def __str__(self) -> str:
        return f"Batch {self.interchange_control:09d}"


class ClaimFrequency(models.TextChoices):
    """CLM05-3: the claim's frequency type."""

    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of a prior claim"
    VOID = "8", "Void of a prior claim"


class Claim(models.Model):
    """What one payer is asked to pay for one encounter."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="claims")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="claims")
    encounter_version = models.PositiveSmallIntegerField(
        help_text="The encounter's version its lines were made from"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="+")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="claims")
    responsibility = models.PositiveSmallIntegerField(
        choices=[(1, "Primary"), (2, "Secondary"), (3, "Tertiary")], default=1
    )
    primary_claim = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followers",
        help_text="For a secondary (tertiary) claim: the claim whose adjudication it carries",
    )  # fmt: skip
    frequency = models.CharField(max_length=1, choices=ClaimFrequency.choices, default="1")
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        help_text="The claim a replacement (7) or void (8) corrects",
    )  # fmt: skip
    patient_control_number = models.CharField(
        max_length=20, unique=True, help_text="CLM01: how answers find this claim"
    )
    payer_claim_number = models.CharField(
        max_length=50, blank=True, help_text="The payer's number for it (277CA, 835)"
    )
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default="draft")
    status_reason = models.CharField(
        max_length=500, blank=True, help_text="Why it was rejected or denied, in plain words"
    )
    place_of_service = models.CharField(max_length=2)
    service_from = models.DateField()
    service_to = models.DateField()
    diagnosis_codes = models.JSONField(default=list, help_text="ICD-10-CM, no dot, claim order")
    referring_provider_name = models.CharField(max_length=120, blank=True)
    referring_provider_npi = models.CharField(max_length=10, blank=True)
    prior_authorization = models.CharField(max_length=50, blank=True)
    total_charge = money_field()
    paid_amount = money_field(default=0, help_text="What the payer paid (from its 835)")
    patient_responsibility = money_field(default=0)
    issues = models.JSONField(default=list, blank=True, help_text="The last scrub's issues")
    scrubbed_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        ClaimBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="claims",
        help_text="The batch it last went out in",
    )  # fmt: skip
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("correct_claim", "Can replace or void a claim the payer has")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frequency="1", original__isnull=True)
                | (models.Q(frequency__in=["7", "8"]) & models.Q(original__isnull=False)),
                name="claim_correction_has_original",
            ),
            models.CheckConstraint(
                condition=models.Q(responsibility=1, primary_claim__isnull=True)
                | (models.Q(responsibility__in=[2, 3]) & models.Q(primary_claim__isnull=False)),
                name="claim_secondary_has_primary",
            ),
            models.CheckConstraint(condition=models.Q(total_charge__gte=0), name="claim_total"),
            # One original claim per encounter and payer order at a time (a closed one may be
            # made again, e.g. after a void).
            models.UniqueConstraint(
                fields=["encounter", "responsibility"],
                condition=models.Q(frequency="1") & ~models.Q(status="closed"),
                name="claim_one_open_per_encounter",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "status", "service_from"], name="claim_queue"),
            models.Index(fields=["payer", "status"], name="claim_payer_status"),
            # The dashboard's rollups read the claims changed since their last refresh.
            models.Index(fields=["updated_at"], name="claim_updated"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.patient_control_number}"


class ClaimLine(models.Model):
    """One service line of the claim, from one standing charge."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveSmallIntegerField()
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="claim_lines")
    code = models.CharField(max_length=5)
    modifiers = models.CharField(max_length=11, blank=True, help_text="e.g. '95 25'")
    units = models.PositiveSmallIntegerField()
    amount = money_field()
    pointers = models.CharField(
        max_length=8, help_text="Diagnosis pointers, e.g. '1 2' (orders in diagnosis_codes)"
    )
    date_of_service = models.DateField()
    control_number = models.CharField(
        max_length=30, help_text="REF*6R: how an 835 line finds this line"
    )

    class Meta:
        ordering = ["claim", "number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "number"], name="claim_line_unique"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="claim_line_units"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="claim_line_amount"),
        ]

    def __str__(self) -> str:
        return f"Line {self.number} {self.code}"

    @property
    def modifier_list(self) -> list[str]:
        return self.modifiers.split()

    @property
    def pointer_list(self) -> list[int]:
        return [int(p) for p in self.pointers.split()]


class AdjustmentGroup(models.TextChoices):
    """CAS01 claim adjustment group codes."""

    CONTRACTUAL = "CO", "Contractual obligation"
    CORRECTION = "CR", "Correction and reversal"
    OTHER = "OA", "Other adjustment"
    PAYER_INITIATED = "PI", "Payer initiated reduction"
    PATIENT = "PR", "Patient responsibility"


class Adjudication(models.Model):
    """What a payer decided on a claim (line None) or one of its lines, from its 835.

    Filled by the remittance posting (issue 6); a secondary claim carries the
    primary's adjudication in its 2320/2330 (claim) and 2430 (line) loops.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="adjudications")
    line = models.ForeignKey(
        ClaimLine, on_delete=models.CASCADE, null=True, blank=True, related_name="adjudications"
    )
    paid_amount = money_field()
    allowed_amount = money_field(null=True, blank=True)
    paid_date = models.DateField()
    payer_claim_number = models.CharField(max_length=50, blank=True)
    source = models.ForeignKey(
        ExchangeFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The 835 it came from (none: entered by hand)",
    )  # fmt: skip
    superseded = models.BooleanField(default=False, help_text="Reversed by a later remittance")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "line", "id"]
        indexes = [models.Index(fields=["claim", "superseded"], name="adjudication_current")]

    def __str__(self) -> str:
        return f"Paid ${self.paid_amount} on {self.paid_date}"


class Adjustment(models.Model):
    """One CAS amount of an adjudication: group, reason (CARC), amount, quantity."""

    adjudication = models.ForeignKey(
        Adjudication, on_delete=models.CASCADE, related_name="adjustments"
    )
    group = models.CharField(max_length=2, choices=AdjustmentGroup.choices)
    reason = models.CharField(max_length=5, help_text="Claim adjustment reason code (CARC)")
    amount = money_field()
    quantity = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["adjudication", "id"]

    def __str__(self) -> str:
        return f"{self.group}-{self.reason} ${self.amount}"


class ClaimEvent(models.Model):
    """One move of a claim's status: from, to, why, which file, who, when."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ClaimStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    source_file = models.ForeignKey(
        ExchangeFile, on_delete=models.PROTECT, null=True, blank=True, related_name="claim_events"
    )
    batch = models.ForeignKey(
        ClaimBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="claim_events"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


# ================================================================ the billers' work on claims
#
# What the billers do with claims after they go out: the work queues (rejections, denials,
# claims without an answer, filing deadlines), notes and assignments, the codes payers sent
# back (277CA/999 rejections, 835 remark codes), automatic claim status requests (276) and
# appeals tracked to their outcome. See docs/billing.md.


class FindingSource(models.TextChoices):
    ACK_999 = "999", "999 acknowledgment"
    ACK_277CA = "277CA", "277CA claim acknowledgment"
    STATUS_277 = "277", "277 claim status"
    REMIT_835 = "835", "835 remittance"


class ClaimFinding(models.Model):
    """A code a clearinghouse or payer sent back about a claim (or one of its lines).

    A rejection (277CA STC category A3/A4/A6/A7/A8 with status and entity, or a 999
    error: segment, element, error codes) or a remark (RARC from an 835 LQ). Its plain
    reason and the field to fix are decided from the code (billing/explanations.py) when
    it is recorded, and kept as they were said then.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="findings")
    line = models.ForeignKey(
        ClaimLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings"
    )
    source = models.CharField(max_length=5, choices=FindingSource.choices)
    code = models.CharField(max_length=40, help_text="e.g. A7:562:82, 999 R NM1 8 9 7, N290")
    reason = models.CharField(max_length=500, help_text="In plain words")
    fix = models.CharField(max_length=24, blank=True, help_text="Fix target key")
    rejected = models.BooleanField(default=False)
    source_file = models.ForeignKey(
        ExchangeFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the claim was sent again after the fix"
    )

    class Meta:
        ordering = ["claim", "-at", "id"]
        indexes = [models.Index(fields=["claim", "resolved_at"], name="finding_open")]

    def __str__(self) -> str:
        return f"{self.source} {self.code}"


class ClaimWork(models.Model):
    """Who works a claim and when to look at it again (one row per claim in a queue)."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="work")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    follow_up_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("view_claim_queues", "Can see the billers' claim work queues"),
            ("work_claim", "Can work claims: notes, assignments, resend, status requests, close"),
            ("print_claim", "Can print claims on the CMS-1500 paper form"),
        ]

    def __str__(self) -> str:
        return f"Work on {self.claim}"


class ClaimNote(models.Model):
    """A biller's note on a claim (a call to the payer, what was fixed). Never edited."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "-at", "-id"]

    def __str__(self) -> str:
        return f"Note {self.at:%Y-%m-%d}"


class StatusInquiry(models.Model):
    """A claim status request (276) sent for a claim without an answer, and what came back."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="inquiries")
    file = models.ForeignKey(
        ExchangeFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The 276 file it went out in",
    )  # fmt: skip
    trace_number = models.CharField(max_length=30, help_text="TRN02: how the 277 finds it")
    sent_at = models.DateTimeField()
    automatic = models.BooleanField(default=True)
    error = models.CharField(max_length=300, blank=True, help_text="Why it could not go")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=300, blank=True, help_text="The 277 status in words")

    class Meta:
        ordering = ["claim", "-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["trace_number"], name="status_inquiry_trace_unique"),
        ]
        indexes = [models.Index(fields=["claim", "sent_at"], name="inquiry_claim_sent")]

    def __str__(self) -> str:
        return f"276 {self.trace_number}"


class AppealStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FILED = "filed", "Filed, waiting for the decision"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AppealOutcome(models.TextChoices):
    OVERTURNED = "overturned", "Overturned: paid"
    PARTIAL = "partial", "Partly overturned"
    UPHELD = "upheld", "Upheld: denial stands"


class AppealMethod(models.TextChoices):
    MAIL = "mail", "Mail"
    FAX = "fax", "Fax"
    PORTAL = "portal", "Payer's portal"
    PHONE = "phone", "Phone (reopening)"


class Appeal(models.Model):
    """An appeal of a payer's decision on a claim: the letter, when and how it was filed,
    and the decision (with the amount recovered)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="appeals")
    level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 first appeal (redetermination/reconsideration), 2 second level, ...",
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default="draft")
    template = models.CharField(max_length=40)
    reasons = models.CharField(max_length=200, blank=True, help_text="Denial codes appealed")
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="The letter's text (from the template, editable)")
    enclosures = models.TextField(blank=True, help_text="One document per line")
    amount_disputed = money_field()
    deadline = models.DateField(null=True, blank=True, help_text="Last day to file")
    filed_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=6, choices=AppealMethod.choices, blank=True)
    reference = models.CharField(max_length=60, blank=True, help_text="The payer's appeal number")
    outcome = models.CharField(max_length=10, choices=AppealOutcome.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    amount_recovered = money_field(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="filed") | models.Q(filed_on__isnull=False),
                name="appeal_filed_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="decided")
                | (models.Q(decided_on__isnull=False) & ~models.Q(outcome="")),
                name="appeal_decided_has_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_recovered__isnull=True)
                | models.Q(amount_recovered__gte=0),
                name="appeal_recovered_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_disputed__gte=0), name="appeal_disputed_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="appeal_open")]

    def __str__(self) -> str:
        return f"Appeal {self.level} of {self.claim}"
