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

from medoffice.billing.states import EncounterStatus
from medoffice.coding.loaders import dotted
from medoffice.core.identifiers import validate_npi
from medoffice.core.models import Location, Practice, Provider
from medoffice.core.money import money_field
from medoffice.patients.models import Coverage, Patient, Payer
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
        indexes = [models.Index(fields=["date_of_service"], name="charge_day")]

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
