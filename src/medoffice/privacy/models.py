"""The privacy officer's records (HIPAA 164.308, 164.316, 164.400-414): the yearly Security
Rule risk assessment, security incidents with their breach assessment, training and policy
acknowledgements, and the business associate agreements.

Security documentation is kept at least six years (164.316(b)(2)(i)); the retention job
removes only older records (privacy/retention.py).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from medoffice.core.models import ApiToken, Practice
from medoffice.patients.models import Patient
from medoffice.privacy.questions import SAFEGUARDS, risk_rating

NOTICE_DAYS = 60  # 164.404(b): individuals, no later than 60 calendar days after discovery
MEDIA_THRESHOLD = 500  # 164.406: more than 500 residents of a State -> prominent media
HHS_THRESHOLD = 500  # 164.408: 500 or more -> HHS with the individuals; fewer -> yearly log

_SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class RiskAssessment(models.Model):
    """One year's Security Rule risk assessment of the practice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "year"], name="risk_assessment_one_a_year")
        ]

    def __str__(self) -> str:
        return f"Risk assessment {self.year}"


class AnswerStatus(models.TextChoices):
    UNANSWERED = "", "Not answered"
    IN_PLACE = "in_place", "In place"
    PARTIAL = "partial", "Partly in place"
    MISSING = "missing", "Not in place"
    NOT_APPLICABLE = "n_a", "Not applicable"


class RiskAnswer(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=40)
    safeguard = models.CharField(max_length=16, choices=SAFEGUARDS)
    status = models.CharField(max_length=10, choices=AnswerStatus.choices, blank=True)
    finding = models.TextField(blank=True, help_text="What was found (no patient data)")
    likelihood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_SCALE, help_text="1 (rare) to 5 (almost certain)"
    )
    impact = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_SCALE, help_text="1 (negligible) to 5 (severe)"
    )
    remediation = models.CharField(max_length=300, blank=True, help_text="What will be done")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    due_on = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question_key"], name="risk_answer_one_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.question_key}"

    @property
    def score(self) -> int | None:
        return risk_rating(self.likelihood, self.impact)[0]

    @property
    def rating(self) -> str:
        return risk_rating(self.likelihood, self.impact)[1]


class Decision(models.TextChoices):
    PENDING = "pending", "Being assessed"
    NOT_BREACH = "not_breach", "Not a breach (low probability of compromise)"
    BREACH = "breach", "Breach: notify"


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class SecurityIncident(models.Model):
    """A security incident (164.308(a)(6)) and, if PHI was involved, its breach assessment
    (164.402(2): the four factors) and notices (164.404-408)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=150, help_text="Short name, no patient data")
    description = models.TextField(help_text="What happened, how it was found, what was done")
    discovered_at = models.DateTimeField(help_text="When the office knew (or should have known)")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The scope: whose credentials, which time window (PR-04 runs the audit query).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="The account (or the token's account) involved",
    )  # fmt: skip
    subject_token = models.ForeignKey(
        ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    # The four-factor assessment (164.402(2)(i)-(iv)).
    factor_nature = models.TextField(
        "1. Nature and extent of the PHI", blank=True,
        help_text="Types of identifiers, sensitivity, likelihood of re-identification",
    )  # fmt: skip
    factor_nature_risk = models.CharField(
        "Risk (1)", max_length=8, choices=Level.choices, blank=True
    )
    factor_person = models.TextField(
        "2. The unauthorized person", blank=True,
        help_text="Who used or received the PHI; are they bound to protect it?",
    )  # fmt: skip
    factor_person_risk = models.CharField(
        "Risk (2)", max_length=8, choices=Level.choices, blank=True
    )
    factor_acquired = models.TextField("3. Was the PHI actually acquired or viewed?", blank=True)
    factor_acquired_risk = models.CharField(
        "Risk (3)", max_length=8, choices=Level.choices, blank=True
    )
    factor_mitigated = models.TextField(
        "4. Extent to which the risk has been mitigated", blank=True,
        help_text="Assurances obtained, data returned or destroyed",
    )  # fmt: skip
    factor_mitigated_risk = models.CharField(
        "Risk (4)", max_length=8, choices=Level.choices, blank=True
    )
    secured = models.BooleanField(
        "PHI was secured (encrypted)",
        default=False,
        help_text="The PHI was encrypted per HHS guidance (secured: no breach)",
    )
    # The notice to individuals (164.404(c)): plain words, the same in every letter.
    letter_what_happened = models.TextField("What happened (for the letter)", blank=True)
    letter_phi_types = models.CharField(
        "Types of information involved", max_length=300, blank=True,
        help_text="e.g. name, date of birth, diagnosis codes (not Social Security numbers)",
    )  # fmt: skip
    letter_steps = models.TextField("What patients should do", blank=True)
    letter_actions = models.TextField("What the office is doing", blank=True)
    letter_contact = models.CharField(
        "How to reach the office", max_length=300, blank=True,
        help_text="Toll-free number, e-mail, web site or postal address (164.404(c)(1)(E))",
    )  # fmt: skip
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    scoped_at = models.DateTimeField(null=True, blank=True)
    individuals_notified_on = models.DateField(null=True, blank=True)
    hhs_notified_on = models.DateField("HHS notified on", null=True, blank=True)
    media_notified_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-discovered_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def discovered_on(self):
        """The office's day of the discovery (the notice clock starts on it)."""
        return timezone.localtime(self.discovered_at, self.practice.zone).date()

    @property
    def notice_deadline(self):
        return self.discovered_on + timedelta(days=NOTICE_DAYS)


class AffectedPatient(models.Model):
    """One patient whose record the incident's account touched in the window (PR-04)."""

    incident = models.ForeignKey(
        SecurityIncident, on_delete=models.CASCADE, related_name="affected"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    events = models.PositiveIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["patient__last_name", "patient__first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "patient"], name="affected_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: patient {self.patient_id}"


class PrivacyPolicy(models.Model):
    """One version of a written policy every workforce member acknowledges."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    version = models.CharField(max_length=20)
    effective_on = models.DateField()
    summary = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "-effective_on"]
        verbose_name_plural = "privacy policies"
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "title", "version"], name="policy_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PolicyAcknowledgement(models.Model):
    policy = models.ForeignKey(PrivacyPolicy, on_delete=models.PROTECT, related_name="acks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "user"], name="policy_ack_once")]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged {self.policy}"


class TrainingRecord(models.Model):
    """Security awareness training one workforce member completed (164.308(a)(5))."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    course = models.CharField(max_length=120)
    completed_on = models.DateField()
    valid_until = models.DateField(help_text="When it must be repeated (usually a year)")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [models.Index(fields=["practice", "user", "valid_until"], name="training_due")]

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on})"


class BusinessAssociate(models.Model):
    """A vendor that handles PHI for the office and its agreement (164.308(b), 164.504(e))."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    vendor = models.CharField(max_length=120)
    services = models.CharField(max_length=200)
    phi_shared = models.CharField("PHI shared", max_length=200)
    contact = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True, help_text="Empty: not signed yet")
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: no end date")
    terminated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["vendor"]

    def __str__(self) -> str:
        return self.vendor
