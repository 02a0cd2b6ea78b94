"""Patients, their insurance (FHIR Coverage semantics), consents and payers."""

import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from medoffice.core.models import Location, Practice, Provider
from medoffice.core.sealing import SealedCharField, member_id_index
from medoffice.core.us import UsState, validate_ssn, validate_zip


class SexAtBirth(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown"


class GenderIdentity(models.TextChoices):
    FEMALE = "female", "Identifies as female"
    MALE = "male", "Identifies as male"
    NON_BINARY = "non-binary", "Identifies as non-binary"
    OTHER = "other", "Other"
    DECLINED = "asked-declined", "Chose not to disclose"
    UNKNOWN = "unknown", "Not asked"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    CHINESE = "zh", "Chinese"
    VIETNAMESE = "vi", "Vietnamese"
    TAGALOG = "tl", "Tagalog"
    ARABIC = "ar", "Arabic"
    FRENCH = "fr", "French"
    HAITIAN_CREOLE = "ht", "Haitian Creole"
    KOREAN = "ko", "Korean"
    RUSSIAN = "ru", "Russian"
    PORTUGUESE = "pt", "Portuguese"
    GERMAN = "de", "German"
    ITALIAN = "it", "Italian"
    POLISH = "pl", "Polish"
    HINDI = "hi", "Hindi"
    URDU = "ur", "Urdu"
    BENGALI = "bn", "Bengali"
    PUNJABI = "pa", "Punjabi"
    GUJARATI = "gu", "Gujarati"
    PERSIAN = "fa", "Persian"
    JAPANESE = "ja", "Japanese"
    SOMALI = "so", "Somali"
    AMHARIC = "am", "Amharic"
    ASL = "sgn", "American Sign Language"
    OTHER = "other", "Other"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "E-mail"
    MAIL = "mail", "Letter"


class GuarantorRelationship(models.TextChoices):
    SELF = "self", "Self"
    SPOUSE = "spouse", "Spouse"
    PARENT = "parent", "Parent"
    LEGAL_GUARDIAN = "guardian", "Legal guardian"
    OTHER = "other", "Other"


class PatientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DECEASED = "deceased", "Deceased"
    MERGED = "merged", "Merged into another record"


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField(
        "MRN",
        max_length=20,
        validators=[RegexValidator(r"^[A-Z0-9-]{3,20}$", "An MRN is 3-20 letters, digits or -.")],
    )
    status = models.CharField(max_length=16, choices=PatientStatus.choices, default="active")
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )

    first_name = models.CharField("legal first name", max_length=60)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField("legal last name", max_length=60)
    suffix = models.CharField(max_length=10, blank=True, help_text="Jr, Sr, III ...")
    preferred_name = models.CharField(max_length=60, blank=True)
    previous_last_name = models.CharField(max_length=60, blank=True)
    dob = models.DateField("date of birth")
    sex_at_birth = models.CharField(max_length=1, choices=SexAtBirth.choices)
    gender_identity = models.CharField(
        max_length=16, choices=GenderIdentity.choices, default=GenderIdentity.UNKNOWN
    )
    pronouns = models.CharField(max_length=30, blank=True)

    address1 = models.CharField("street address", max_length=100)
    address2 = models.CharField("apt, suite", max_length=100, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2, choices=UsState.choices)
    zip_code = models.CharField("ZIP code", max_length=10, validators=[validate_zip])

    # Phones are stored in E.164 (+15551234567) so a search matches however they were typed.
    mobile_phone = models.CharField(max_length=16, blank=True)
    home_phone = models.CharField(max_length=16, blank=True)
    work_phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    needs_interpreter = models.BooleanField(default=False)
    preferred_contact_method = models.CharField(
        max_length=8, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )

    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=40, blank=True)
    emergency_contact_phone = models.CharField(max_length=16, blank=True)

    guarantor_relationship = models.CharField(
        max_length=16, choices=GuarantorRelationship.choices, default=GuarantorRelationship.SELF
    )
    guarantor_name = models.CharField(max_length=120, blank=True)
    guarantor_dob = models.DateField(null=True, blank=True)
    guarantor_phone = models.CharField(max_length=16, blank=True)
    guarantor_address = models.CharField(max_length=200, blank=True)

    # Recorded for guarantors and collections; sealed at rest (AC-08), shown masked to
    # everyone (ssn_masked) and in full only to a role holding reveal_patient_ssn, audited.
    # Never searched, so it has no blind index.
    ssn = SealedCharField("SSN", max_length=11, blank=True, default="", validators=[validate_ssn])

    primary_care_provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="panel"
    )
    home_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Search keys (patients/names.py), kept in step with the names by the services.
    search_last = models.CharField(max_length=60, editable=False)
    search_first = models.CharField(max_length=60, editable=False)
    last_key = models.CharField(max_length=20, editable=False)
    last_skeleton = models.CharField(max_length=60, editable=False)
    first_key = models.CharField(max_length=20, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [
            ("merge_patient", "Can merge duplicate patient records"),
            ("export_patient", "Can export patient records"),
            ("reveal_patient_ssn", "Can see a patient's full SSN"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["practice", "mrn"], name="patient_mrn_unique"),
        ]
        indexes = [
            models.Index(fields=["practice", "search_last", "search_first"], name="pt_name"),
            # FHIR `given=`: a rare given name found by its index, not by walking pt_name.
            models.Index(fields=["practice", "search_first", "search_last"], name="pt_given"),
            models.Index(fields=["practice", "last_key", "first_key"], name="pt_phonetic"),
            models.Index(fields=["practice", "last_skeleton", "first_key"], name="pt_skeleton"),
            models.Index(fields=["practice", "dob"], name="pt_dob"),
            models.Index(fields=["practice", "mobile_phone"], name="pt_mobile"),
            models.Index(fields=["practice", "home_phone"], name="pt_home"),
            models.Index(fields=["practice", "work_phone"], name="pt_work"),
            # FHIR `_sort=-_lastUpdated` (what a sync client asks): newest first by index.
            models.Index(fields=["practice", "updated_at"], name="pt_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    @property
    def zone(self):
        """The patient's office clock: the home location's zone, else the practice's."""
        return self.home_location.zone if self.home_location_id else self.practice.zone

    @property
    def display_name(self) -> str:
        preferred = f' "{self.preferred_name}"' if self.preferred_name else ""
        return f"{self.last_name}, {self.first_name}{preferred}"

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.mobile_phone, self.home_phone, self.work_phone) if p]


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"Not a regular expression: {exc}.", code="invalid_regex") from exc


class ClaimFilingIndicator(models.TextChoices):
    """X12 SBR09 claim filing indicator codes."""

    OTHER_NON_FEDERAL = "11", "Other non-federal programs"
    PPO = "12", "Preferred provider organization"
    POS = "13", "Point of service"
    EPO = "14", "Exclusive provider organization"
    INDEMNITY = "15", "Indemnity insurance"
    HMO_MEDICARE_RISK = "16", "HMO Medicare risk"
    AUTOMOBILE = "AM", "Automobile medical"
    BCBS = "BL", "Blue Cross/Blue Shield"
    TRICARE = "CH", "Tricare (CHAMPUS)"
    COMMERCIAL = "CI", "Commercial insurance"
    DISABILITY = "DS", "Disability"
    FEHB = "FI", "Federal employees program"
    HMO = "HM", "Health maintenance organization"
    LIABILITY = "LM", "Liability medical"
    MEDICARE_A = "MA", "Medicare Part A"
    MEDICARE_B = "MB", "Medicare Part B"
    MEDICAID = "MC", "Medicaid"
    OTHER_FEDERAL = "OF", "Other federal program"
    VETERANS = "VA", "Veterans Affairs plan"
    WORKERS_COMP = "WC", "Workers' compensation"
    MUTUALLY_DEFINED = "ZZ", "Mutually defined"


class Payer(models.Model):
    """An insurer the office bills, configured in the admin."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    payer_id = models.CharField(
        "payer id",
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,20}$", "Payer ids are 2-20 letters or digits.")],
        help_text="The clearinghouse/X12 payer identifier (2010BB NM109).",
    )
    claim_filing_indicator = models.CharField(
        max_length=2, choices=ClaimFilingIndicator.choices, default=ClaimFilingIndicator.COMMERCIAL
    )
    address1 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, choices=UsState.choices, blank=True)
    zip_code = models.CharField(max_length=10, blank=True, validators=[validate_zip])
    phone = models.CharField(max_length=20, blank=True)
    member_id_pattern = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_regex],
        help_text="Optional regular expression member ids of this payer must match.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.payer_id})"


class CoverageOrder(models.IntegerChoices):
    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"
    TERTIARY = 3, "Tertiary"


class SubscriberRelationship(models.TextChoices):
    """X12 individual relationship codes (SBR02/PAT01)."""

    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    EMPLOYEE = "20", "Employee"
    UNKNOWN = "21", "Unknown"
    LIFE_PARTNER = "53", "Life partner"
    OTHER = "G8", "Other relationship"


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


MEMBER_ID_PATTERN = r"^[A-Za-z0-9-]{2,30}$"


class Coverage(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    plan_name = models.CharField(max_length=100, blank=True)
    # Sealed at rest (AC-08); found by its keyed digest in member_id_index.
    member_id = SealedCharField(
        "member id",
        max_length=30,
        validators=[
            RegexValidator(MEMBER_ID_PATTERN, "Member ids are 2-30 letters, digits or hyphens.")
        ],
        index_field="member_id_index",
        index_function=member_id_index,
    )
    member_id_index = models.CharField(max_length=64, db_index=True, editable=False, default="")
    group_number = models.CharField(
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9-]{1,30}$", "Group numbers are letters, digits or hyphens.")
        ],
    )
    order = models.PositiveSmallIntegerField(choices=CoverageOrder.choices)
    relationship = models.CharField(
        "patient's relationship to subscriber",
        max_length=2,
        choices=SubscriberRelationship.choices,
        default=SubscriberRelationship.SELF,
    )
    subscriber_first_name = models.CharField(max_length=60, blank=True)
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_dob = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(max_length=1, choices=SexAtBirth.choices, blank=True)
    effective_start = models.DateField()
    effective_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=CoverageStatus.choices, default=CoverageStatus.ACTIVE
    )
    copay = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    card_front = models.FileField(upload_to="cards/%Y/%m/", blank=True)
    card_back = models.FileField(upload_to="cards/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "-effective_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_end__isnull=True)
                | models.Q(effective_end__gte=models.F("effective_start")),
                name="coverage_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_order_display()} {self.payer.name}"

    @property
    def card_images(self) -> list[tuple[str, object]]:
        """("front"/"back", file) for each side that was scanned."""
        sides = (("front", self.card_front), ("back", self.card_back))
        return [(side, file) for side, file in sides if file]

    def is_active_on(self, day) -> bool:
        return (
            self.status == CoverageStatus.ACTIVE
            and self.effective_start <= day
            and (self.effective_end is None or day <= self.effective_end)
        )


class ConsentKind(models.TextChoices):
    PRIVACY_NOTICE = "privacy_notice", "Notice of privacy practices acknowledged"
    FINANCIAL_POLICY = "financial_policy", "Financial policy signed"
    TREATMENT = "treatment", "Consent to treat"
    SMS = "sms", "Consent to text messages"
    EMAIL = "email", "Consent to e-mail"
    ASSIGNMENT_OF_BENEFITS = "assignment_of_benefits", "Assignment of benefits"
    TELEHEALTH = "telehealth", "Telehealth consent"


class Consent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=32, choices=ConsentKind.choices)
    signed_on = models.DateField()
    signed_by = models.CharField(
        max_length=120,
        blank=True,
        help_text="Blank when the patient signed; else the representative",
    )
    expires_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)
    document = models.FileField(upload_to="consents/%Y/%m/", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-signed_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.signed_on}"

    def is_in_force_on(self, day) -> bool:
        return (
            self.signed_on <= day
            and (self.expires_on is None or day <= self.expires_on)
            and (self.revoked_on is None or day < self.revoked_on)
        )


class MrnCounter(models.Model):
    """The next MRN number of a practice; its row is locked while one is taken."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, primary_key=True)
    next_number = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"next MRN number {self.next_number}"
