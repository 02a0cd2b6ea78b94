"""Code sets (ICD-10-CM, HCPCS Level II, the practice's CPT file), modifiers, places and types
of service, fee schedules, favourites and how often this practice uses each code.

Each yearly code set is a `CodeSetRelease` loaded beside the older ones, so a code is
judged against the release in force on the date of service, never against today's.
Codes are stored without the ICD-10-CM dot ("E119"), as claims carry them; `dotted`
gives the form people read ("E11.9").
"""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from medoffice.coding.loaders import dotted
from medoffice.core.models import Practice, Provider
from medoffice.patients.models import Payer


class CodeSystem(models.TextChoices):
    ICD10CM = "icd10cm", "ICD-10-CM"
    HCPCS = "hcpcs", "HCPCS Level II"
    CPT = "cpt", "CPT"


class CodeSetRelease(models.Model):
    """One yearly (or quarterly) release of a code set, in force over a span of dates."""

    system = models.CharField(max_length=8, choices=CodeSystem.choices)
    version = models.CharField(max_length=20, help_text="e.g. 2026, 2026-Q2")
    effective_from = models.DateField()
    effective_until = models.DateField(
        null=True, blank=True, help_text="Last day in force; blank: until a newer release"
    )
    source = models.CharField(max_length=200, blank=True, help_text="File or package it came from")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["system", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["system", "version"], name="code_release_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.version}"


class Icd10Code(models.Model):
    release = models.ForeignKey(CodeSetRelease, on_delete=models.CASCADE, related_name="icd10")
    code = models.CharField(max_length=7, help_text="Without the dot: E119")
    description = models.CharField(max_length=300)
    billable = models.BooleanField(help_text="A leaf code, valid on a claim")
    chapter = models.CharField(max_length=8, blank=True)
    block = models.CharField(max_length=8, blank=True, help_text="e.g. E08-E13")
    # Tabular notes: inclusion terms, excludes1/excludes2, code first, use additional ...
    notes = models.JSONField(default=dict, blank=True)
    # Edits of the Medicare Code Editor kind: "F"/"M" when only that sex can have it,
    # the ages (in years) it applies to. Blank: none.
    sex = models.CharField(max_length=1, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["release", "code"], name="icd10_unique_in_release"),
        ]
        indexes = [models.Index(fields=["code"], name="icd10_code")]

    def __str__(self) -> str:
        return f"{self.dotted} {self.description}"

    @property
    def dotted(self) -> str:
        return dotted(self.code)


class ProcedureCode(models.Model):
    """A HCPCS Level II or CPT code of one release, with the dates CMS gives it."""

    release = models.ForeignKey(CodeSetRelease, on_delete=models.CASCADE, related_name="procedures")
    code = models.CharField(
        max_length=5, validators=[RegexValidator(r"^[A-Z0-9]{5}$", "Five letters or digits.")]
    )
    description = models.CharField(max_length=300)
    long_description = models.TextField(blank=True)
    effective_from = models.DateField(null=True, blank=True)
    terminated_on = models.DateField(null=True, blank=True)
    placeholder = models.BooleanField(
        default=False, help_text="A demo stand-in, not the licensed descriptor"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["release", "code"], name="procedure_unique_in_release"),
        ]
        indexes = [models.Index(fields=["code"], name="procedure_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Modifier(models.Model):
    code = models.CharField(max_length=2, unique=True)
    description = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class PlaceOfServiceCode(models.Model):
    """The CMS place-of-service code set (11 office, 02/10 telehealth, ...)."""

    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "place of service"
        verbose_name_plural = "places of service"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TypeOfService(models.Model):
    code = models.CharField(max_length=2, unique=True)
    description = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "types of service"

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class FeeSchedule(models.Model):
    """The practice's charges (no payer) or a payer's expected allowed amounts, for a period."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Blank: the practice's own charges",
    )  # fmt: skip
    name = models.CharField(max_length=100)
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["practice", "payer", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="fee_schedule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} from {self.effective_from}"


class FeeScheduleEntry(models.Model):
    """The price of one unit of a code (with a modifier, or blank for any)."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=5)
    modifier = models.CharField(max_length=2, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["code", "modifier"]
        verbose_name_plural = "fee schedule entries"
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "code", "modifier"], name="fee_entry_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code}{'-' + self.modifier if self.modifier else ''} ${self.amount}"


class FavoriteCode(models.Model):
    """A code a provider (or everyone of a specialty) picks often: shown first."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    specialty = models.CharField(max_length=80, blank=True)
    system = models.CharField(max_length=8, choices=CodeSystem.choices)
    code = models.CharField(max_length=7)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "provider", "specialty", "system", "code"],
                name="favorite_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.code}"


class CodeUsage(models.Model):
    """How often this practice has billed a code: search ranks the practice's usual first."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    system = models.CharField(max_length=8, choices=CodeSystem.choices)
    code = models.CharField(max_length=7)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "system", "code"], name="code_usage_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} x{self.count}"
