"""The clinical record: problems, medications, allergies, immunizations, vitals, results,
visit notes with addenda, family and social history, amendment requests, dictations,
and emergency ("break the glass") access grants.

Every row belongs to one patient; the chart summary reads each list with one indexed
query (patient, newest first), so the page costs the same at 5 or 5,000 rows.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from medoffice.billing.models import Encounter
from medoffice.clinical.states import AmendmentStatus, DictationStatus, NoteStatus
from medoffice.core.models import Practice, Provider
from medoffice.patients.models import Patient
from medoffice.scheduling.models import AppointmentType


class ProblemStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"
    INACTIVE = "inactive", "Inactive"


class SignOff(models.Model):
    """Who reviewed a record, when, with what comment (a result, an emergency access)."""

    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class Problem(models.Model):
    """A problem-list entry, ICD-10-CM coded (stored without the dot, as the coding app does).

    A problem imported from another system keeps the coding it came with (often SNOMED CT)
    in source_system/source_code; its ICD-10-CM code is blank unless the source gave one.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="problems")
    code = models.CharField("ICD-10-CM", max_length=8, blank=True)
    description = models.CharField(max_length=250)
    source_system = models.CharField(
        max_length=200, blank=True, help_text="The code system of an imported problem's coding"
    )
    source_code = models.CharField(max_length=40, blank=True)
    onset = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE
    )
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        permissions = [
            ("view_problem", "Can see the problem list (diagnoses)"),
            ("change_problem", "Can add and update problems"),
        ]
        indexes = [models.Index(fields=["patient", "status", "-recorded_at"], name="problem_pt")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(code="") | ~models.Q(source_code=""),
                name="problem_is_coded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code or self.source_code} {self.description}"

    @property
    def shown_code(self) -> str:
        """ICD-10-CM with its dot, else the code an imported problem came with ("SNOMED CT
        44054006"), so the list never shows a problem without its code."""
        if self.code:
            return self.dotted
        system = {"http://snomed.info/sct": "SNOMED CT"}.get(self.source_system, "")
        return f"{system} {self.source_code}".strip()

    @property
    def dotted(self) -> str:
        """The ICD-10-CM code with its dot ('' for an imported problem coded otherwise)."""
        return self.code if len(self.code) <= 3 else f"{self.code[:3]}.{self.code[3:]}"


class Route(models.TextChoices):
    ORAL = "PO", "By mouth"
    SUBLINGUAL = "SL", "Under the tongue"
    TOPICAL = "TOP", "On the skin"
    INHALED = "INH", "Inhaled"
    INTRAMUSCULAR = "IM", "Intramuscular"
    SUBCUTANEOUS = "SC", "Subcutaneous"
    INTRAVENOUS = "IV", "Intravenous"
    NASAL = "NAS", "Nasal"
    OPHTHALMIC = "OPH", "Eye"
    RECTAL = "PR", "Rectal"
    TRANSDERMAL = "TD", "Transdermal patch"


class Medication(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120)
    dose = models.CharField(max_length=40, help_text="e.g. 500 mg")
    route = models.CharField(max_length=4, choices=Route.choices, default=Route.ORAL)
    frequency = models.CharField(max_length=40, help_text="e.g. twice daily")
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True)
    prescriber = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prescriber_name = models.CharField(
        max_length=120, blank=True, help_text="An outside prescriber, when not one of ours"
    )
    rxnorm = models.CharField(
        "RxNorm",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{1,10}$", "An RxNorm concept id (RXCUI) is digits.")],
        help_text="The drug's RxNorm concept id (RXCUI), when known",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        # The chart's clinical lists (medications, allergies, immunizations, vitals, results,
        # family and social history) share one pair of permissions.
        permissions = [
            ("view_chart", "Can see medications, allergies, immunizations, vitals, results"),
            ("change_chart", "Can record medications, allergies, immunizations, vitals"),
        ]
        indexes = [models.Index(fields=["patient", "-start_date"], name="med_pt")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stop_date__isnull=True)
                | models.Q(stop_date__gte=models.F("start_date")),
                name="medication_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.dose} {self.route} {self.frequency}"


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Allergy(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=120, blank=True)
    severity = models.CharField(max_length=10, choices=AllergySeverity.choices)
    verified = models.BooleanField(default=False, help_text="Confirmed by a clinician")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        verbose_name_plural = "allergies"
        indexes = [models.Index(fields=["patient", "substance"], name="allergy_pt")]

    def __str__(self) -> str:
        return self.substance


class Immunization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="immunizations")
    cvx = models.CharField(
        "CVX", max_length=3, validators=[RegexValidator(r"^\d{1,3}$", "CVX codes are 1-3 digits.")]
    )
    vaccine = models.CharField(max_length=120)
    lot = models.CharField(max_length=30, blank=True)
    given_on = models.DateField()
    site = models.CharField(max_length=30, blank=True, help_text="e.g. left deltoid")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["patient", "-given_on"], name="imm_pt")]

    def __str__(self) -> str:
        return f"{self.vaccine} {self.given_on}"


class Vital(models.Model):
    """One measurement, LOINC coded, with its UCUM unit (clinical/vitals.py names the kinds)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vitals")
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loinc = models.CharField("LOINC", max_length=10)
    name = models.CharField(max_length=60)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=20)
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["patient", "-taken_at"], name="vital_pt")]

    def __str__(self) -> str:
        return f"{self.name} {self.value} {self.unit}"


class ResultKind(models.TextChoices):
    LAB = "lab", "Laboratory"
    IMAGING = "imaging", "Imaging"


class AbnormalFlag(models.TextChoices):
    """HL7 v2 table 0078 (OBX-8), the flags offices see."""

    NORMAL = "N", "Normal"
    LOW = "L", "Low"
    HIGH = "H", "High"
    CRITICAL_LOW = "LL", "Critically low"
    CRITICAL_HIGH = "HH", "Critically high"
    ABNORMAL = "A", "Abnormal"


class Result(SignOff):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="results")
    kind = models.CharField(max_length=8, choices=ResultKind.choices, default=ResultKind.LAB)
    loinc = models.CharField("LOINC", max_length=10, blank=True)
    name = models.CharField(max_length=120)
    value = models.CharField(max_length=60, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    reference_range = models.CharField(max_length=40, blank=True)
    flag = models.CharField(max_length=2, choices=AbnormalFlag.choices, default=AbnormalFlag.NORMAL)
    report = models.TextField(blank=True, help_text="Imaging impression or lab comment")
    ordering_provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resulted_at = models.DateTimeField()

    class Meta(SignOff.Meta):
        abstract = False
        default_permissions = ()
        permissions = [
            ("add_result", "Can enter results"),
            ("review_result", "Can review and sign off results"),
        ]
        indexes = [
            models.Index(fields=["patient", "-resulted_at"], name="result_pt"),
            models.Index(
                fields=["patient", "resulted_at"],
                condition=models.Q(reviewed_at__isnull=True),
                name="result_unreviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.value} {self.unit}".strip()

    @property
    def is_abnormal(self) -> bool:
        return self.flag != AbnormalFlag.NORMAL


class Sensitivity(models.TextChoices):
    NORMAL = "normal", "Normal"
    BEHAVIOURAL = "behavioural", "Behavioural health"
    SUBSTANCE_USE = "substance_use", "Substance use (42 CFR Part 2)"


class NoteTemplate(models.Model):
    """The SOAP prompts for a visit type; a practice keeps its own in Configuration."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    visit_type = models.ForeignKey(
        AppointmentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="note_template_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """A visit note in SOAP sections. A draft is edited; signing locks it for good."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="notes")
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        NoteTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visit_date = models.DateField()
    sensitivity = models.CharField(
        max_length=16, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True, help_text="Fixed at signing")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()
        permissions = [
            ("view_note", "Can read visit notes"),
            ("change_note", "Can write draft notes"),
            ("sign_note", "Can sign notes and add addenda"),
            ("view_previsit", "Can see tomorrow's chart preparation list"),
        ]
        indexes = [
            models.Index(fields=["patient", "-visit_date", "-id"], name="note_pt"),
            models.Index(
                fields=["patient"], condition=models.Q(status="draft"), name="note_unsigned"
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.visit_date} ({self.status})"

    @property
    def is_locked(self) -> bool:
        return self.status != NoteStatus.DRAFT

    @property
    def is_sensitive(self) -> bool:
        return self.sensitivity != Sensitivity.NORMAL


class Addendum(models.Model):
    """Text added to a signed note after signing; the note itself is never changed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    reason = models.CharField(max_length=200, blank=True)
    amendment = models.ForeignKey(
        "AmendmentRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        default_permissions = ()
        verbose_name_plural = "addenda"
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"Addendum {self.signed_at:%Y-%m-%d}"


class History(models.Model):
    """Family and social history: one row each per patient, edited in place (versions audited)."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="history")
    family = models.TextField(blank=True, help_text="Conditions of parents, siblings, children")
    tobacco = models.CharField(max_length=60, blank=True)
    alcohol = models.CharField(max_length=60, blank=True)
    substances = models.CharField(max_length=60, blank=True)
    occupation = models.CharField(max_length=60, blank=True)
    living_situation = models.CharField(max_length=120, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()
        verbose_name_plural = "histories"

    def __str__(self) -> str:
        return "Family and social history"


class AmendmentRequest(models.Model):
    """A patient's request to correct the record (45 CFR 164.526): decided within 60 days,
    or 90 with one written extension."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="amendments")
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    received_on = models.DateField()
    requested_change = models.TextField()
    status = models.CharField(
        max_length=10, choices=AmendmentStatus.choices, default=AmendmentStatus.RECEIVED
    )
    due_on = models.DateField()
    extension_reason = models.CharField(max_length=300, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    denial_reason = models.TextField(blank=True)
    disagreement_statement = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        default_permissions = ()
        permissions = [
            ("view_amendmentrequest", "Can see amendment requests"),
            ("change_amendmentrequest", "Can record, extend and decide amendment requests"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="amendment_due")]

    def __str__(self) -> str:
        return f"Amendment request {self.received_on} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (AmendmentStatus.RECEIVED, AmendmentStatus.EXTENDED)


class Dictation(models.Model):
    """Dictated audio for an encounter, queued for a transcriptionist, then signed as a note."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dictations")
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    audio = models.FileField(upload_to="dictations/%Y/%m/")
    audio_type = models.CharField(max_length=10)
    audio_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=12, choices=DictationStatus.choices, default=DictationStatus.QUEUED
    )
    draft_text = models.TextField(blank=True, help_text="What the speech engine heard, if any")
    transcript = models.TextField(blank=True)
    transcriptionist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    transcribed_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    note = models.OneToOneField(
        Note, on_delete=models.PROTECT, null=True, blank=True, related_name="dictation"
    )

    class Meta:
        default_permissions = ()
        permissions = [
            ("add_dictation", "Can upload dictation audio"),
            ("transcribe_dictation", "Can transcribe dictations"),
        ]
        indexes = [models.Index(fields=["status", "uploaded_at"], name="dictation_queue")]

    def __str__(self) -> str:
        return f"Dictation {self.uploaded_at:%Y-%m-%d} ({self.status})"

    @property
    def turnaround(self):
        """Upload to transcription, the figure transcription services are held to."""
        return self.transcribed_at - self.uploaded_at if self.transcribed_at else None


class LexiconTerm(models.Model):
    """A practice's own words for the transcription editor's autocomplete."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "term"], name="lexicon_term_unique")
        ]
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class EmergencyAccess(SignOff):
    """A break-the-glass grant (AC-04): one user, one patient, a reason, a time limit."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta(SignOff.Meta):
        abstract = False
        default_permissions = ()
        permissions = [
            ("break_glass", "Can open a chart in an emergency (break the glass)"),
            ("review_emergencyaccess", "Can review emergency accesses"),
        ]
        indexes = [
            models.Index(fields=["user", "patient", "-expires_at"], name="glass_user_pt"),
            models.Index(fields=["started_at"], name="glass_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("started_at")),
                name="emergency_access_expires_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Emergency access {self.started_at:%Y-%m-%d %H:%M}"
