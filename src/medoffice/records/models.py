"""Health information management: documents filed to the chart, the communications log,
release of information with its disclosures, record transfers and referrals.

Documents live here, not in the clinical app: scanning and filing paper is the
records staff's work. Every stored file carries the SHA-256 of its bytes, checked
again whenever the file is read (SECURITY.md DP-04). Disclosures are append-only
(PR-01): a correction is a new row pointing at the one it corrects.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from medoffice.core.identifiers import validate_npi
from medoffice.core.models import Provider
from medoffice.core.money import money_field
from medoffice.patients.models import Patient

_sha256 = RegexValidator(r"^[0-9a-f]{64}$", "A SHA-256 digest is 64 hexadecimal characters.")


# Documents ----------------------------------------------------------------------------------


class DocumentCategory(models.TextChoices):
    # Administrative papers: the front desk and billers may see these.
    IDENTIFICATION = "identification", "Identification"
    INSURANCE = "insurance", "Insurance papers"
    CONSENT = "consent", "Signed forms"
    CORRESPONDENCE = "correspondence", "Correspondence"
    AUTHORIZATION = "authorization", "Authorisation to release"
    LEGAL = "legal", "Legal papers (court orders, power of attorney)"
    # Clinical documents: only roles that may read the clinical record.
    OUTSIDE_RECORDS = "outside_records", "Outside records"
    LAB = "lab", "Laboratory report"
    IMAGING = "imaging", "Imaging report"
    CONSULT = "consult", "Consult note"
    REFERRAL = "referral", "Referral"
    DISCHARGE = "discharge", "Discharge summary"
    OTHER_CLINICAL = "other_clinical", "Other clinical document"


CLINICAL_CATEGORIES = frozenset(
    {
        DocumentCategory.OUTSIDE_RECORDS,
        DocumentCategory.LAB,
        DocumentCategory.IMAGING,
        DocumentCategory.CONSULT,
        DocumentCategory.REFERRAL,
        DocumentCategory.DISCHARGE,
        DocumentCategory.OTHER_CLINICAL,
    }
)


class DocumentSource(models.TextChoices):
    SCAN = "scan", "Scanned"
    UPLOAD = "upload", "Uploaded file"
    FAX = "fax", "Received by fax"
    TRANSFER = "transfer", "Incoming records transfer"
    GENERATED = "generated", "Made by MedOffice"


class DocumentKind(models.TextChoices):
    """The file's type as its content shows (never its name)."""

    PDF = "pdf", "PDF"
    TIFF = "tiff", "TIFF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


class Document(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    category = models.CharField(max_length=20, choices=DocumentCategory.choices)
    title = models.CharField(max_length=120)
    document_date = models.DateField(help_text="The date on the paper (of the report, letter ...)")
    encounter = models.ForeignKey(
        "billing.Encounter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        max_length=10, choices=DocumentSource.choices, default=DocumentSource.UPLOAD
    )
    transfer = models.ForeignKey(
        "RecordTransfer", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(max_length=4, choices=DocumentKind.choices)
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=200)
    size = models.PositiveIntegerField()
    pages = models.PositiveSmallIntegerField(default=1)
    sha256 = models.CharField(max_length=64, validators=[_sha256])
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", max_length=200, blank=True)
    text = models.TextField(blank=True, help_text="Text of a searchable PDF")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-document_date", "-id"]
        permissions = [
            ("view_clinical_document", "Can see clinical documents (reports, outside records)"),
        ]
        indexes = [models.Index(fields=["patient", "document_date"], name="doc_patient_date")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.title}"

    @property
    def is_clinical(self) -> bool:
        return self.category in CLINICAL_CATEGORIES


# Communications log -------------------------------------------------------------------------


class Channel(models.TextChoices):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "E-mail"
    FAX = "fax", "Fax"
    LETTER = "letter", "Letter"
    PORTAL = "portal", "Portal message"


class Direction(models.TextChoices):
    INBOUND = "in", "Incoming"
    OUTBOUND = "out", "Outgoing"


class Topic(models.TextChoices):
    ADMINISTRATIVE = "administrative", "Administrative (appointments, forms, directions)"
    BILLING = "billing", "Billing and insurance"
    RECORDS = "records", "Records and release of information"
    CLINICAL = "clinical", "Clinical question (for a clinician)"


class DeliveryStatus(models.TextChoices):
    NOT_SENT = "", "Logged only"
    SENT = "sent", "Sent"
    QUEUED = "queued", "In the fax outbox"
    FAILED = "failed", "Not sent"


class Communication(models.Model):
    """One call, e-mail, fax, letter or portal message about a patient."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="communications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    party = models.CharField(max_length=120, help_text="Who: the patient, a pharmacy, a lawyer ...")
    party_contact = models.CharField(
        max_length=120, blank=True, help_text="Phone, e-mail address or fax number"
    )
    topic = models.CharField(max_length=16, choices=Topic.choices)
    subject = models.CharField(max_length=120)
    summary = models.TextField(max_length=4000)
    occurred_at = models.DateTimeField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    documents = models.ManyToManyField(Document, blank=True, related_name="communications")
    # A clinical question goes to a clinician's inbox; only a clinician answers it.
    routed_to = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="inbox"
    )
    answer = models.TextField(max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.CharField(max_length=200, blank=True, help_text="What must happen next")
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_due = models.DateField(null=True, blank=True)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    delivery_status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default="", blank=True
    )
    delivery_detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        permissions = [("answer_communication", "Can answer clinical questions")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(topic="clinical") | models.Q(routed_to__isnull=False),
                name="comm_clinical_is_routed",
            ),
            models.CheckConstraint(
                condition=models.Q(follow_up="")
                | (models.Q(follow_up_owner__isnull=False) & models.Q(follow_up_due__isnull=False)),
                name="comm_follow_up_owned",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "occurred_at"], name="comm_patient_at"),
            models.Index(fields=["routed_to", "answered_at"], name="comm_inbox"),
            models.Index(fields=["follow_up_owner", "follow_up_done_at"], name="comm_follow_up"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_channel_display()} {self.get_direction_display().lower()}: {self.subject}"
        )

    @property
    def is_open_question(self) -> bool:
        return self.topic == Topic.CLINICAL and self.answered_at is None

    @property
    def is_open_follow_up(self) -> bool:
        return bool(self.follow_up) and self.follow_up_done_at is None


class FaxOutboxItem(models.Model):
    """A fax the outbox gateway holds instead of sending (the default fax backend)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    to_number = models.CharField(max_length=16)
    cover_note = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="fax-outbox/%Y/%m/", max_length=200)
    pages = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64, validators=[_sha256])
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"fax of {self.pages} pages queued {self.queued_at:%Y-%m-%d}"


# Release of information ---------------------------------------------------------------------


class RequesterKind(models.TextChoices):
    PATIENT = "patient", "The patient"
    PERSONAL_REPRESENTATIVE = "representative", "Personal representative (guardian, POA)"
    ATTORNEY = "attorney", "Attorney"
    INSURER = "insurer", "Insurer"
    PROVIDER = "provider", "Another provider"
    AGENCY = "agency", "Government agency (court, public health, law enforcement)"


class Basis(models.TextChoices):
    """Why a release is lawful."""

    AUTHORIZATION = "authorization", "Signed authorisation (45 CFR 164.508)"
    RIGHT_OF_ACCESS = "access", "The patient's right of access (164.524)"
    TREATMENT = "treatment", "Treatment (TPO)"
    PAYMENT = "payment", "Payment (TPO)"
    OPERATIONS = "operations", "Health care operations (TPO)"
    # 164.512 disclosures without authorisation: these are the ones an accounting lists.
    JUDICIAL = "judicial", "Court order or subpoena (164.512(e))"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement (164.512(f))"
    PUBLIC_HEALTH = "public_health", "Public health (164.512(b))"
    OVERSIGHT = "oversight", "Health oversight (164.512(d))"
    REQUIRED_BY_LAW = "required_by_law", "Required by law (164.512(a))"


TPO_BASES = frozenset({Basis.TREATMENT, Basis.PAYMENT, Basis.OPERATIONS})


class DeliveryMethod(models.TextChoices):
    MAIL = "mail", "Mail"
    EMAIL = "email", "E-mail"
    FAX = "fax", "Fax"
    PICKUP = "pickup", "Picked up in person"
    PORTAL = "portal", "Patient portal"


class RoiStatus(models.TextChoices):
    OPEN = "open", "Open"
    PREPARED = "prepared", "Packet prepared"
    RELEASED = "released", "Released"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RoiRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="roi_requests")
    requester_kind = models.CharField(max_length=16, choices=RequesterKind.choices)
    requester_name = models.CharField(max_length=120)
    requester_organization = models.CharField(max_length=120, blank=True)
    requester_address = models.CharField(max_length=250, blank=True)
    requester_email = models.EmailField(blank=True)
    requester_fax = models.CharField(max_length=16, blank=True)
    purpose = models.CharField(max_length=200, help_text="As the request states it")
    basis = models.CharField(max_length=16, choices=Basis.choices)
    received_on = models.DateField()
    due_on = models.DateField()
    extended_due_on = models.DateField(null=True, blank=True)
    extension_reason = models.CharField(max_length=300, blank=True)
    # Minimum necessary: the dates and the sections of the chart asked for.
    scope_from = models.DateField(null=True, blank=True)
    scope_to = models.DateField(null=True, blank=True)
    sections = models.JSONField(default=list)
    authorization = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    authorization_signed_on = models.DateField(null=True, blank=True)
    authorization_expires_on = models.DateField(null=True, blank=True)
    fee = money_field(null=True, blank=True)
    fee_note = models.CharField(max_length=200, blank=True)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices)
    status = models.CharField(max_length=10, choices=RoiStatus.choices, default=RoiStatus.OPEN)
    denial_reason = models.CharField(max_length=300, blank=True)
    packet = models.FileField(upload_to="roi/%Y/%m/", max_length=200, blank=True)
    packet_sha256 = models.CharField(max_length=64, blank=True)
    packet_pages = models.PositiveSmallIntegerField(null=True, blank=True)
    packet_prepared_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        permissions = [("release_roirequest", "Can release information (ROI)")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("received_on")), name="roi_due_after"
            ),
            models.CheckConstraint(
                condition=models.Q(extended_due_on__isnull=True)
                | models.Q(extended_due_on__gt=models.F("due_on")),
                name="roi_extension_later",
            ),
            models.CheckConstraint(
                condition=models.Q(scope_from__isnull=True)
                | models.Q(scope_to__isnull=True)
                | models.Q(scope_to__gte=models.F("scope_from")),
                name="roi_scope_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="roi_queue")]

    def __str__(self) -> str:
        return f"ROI request from {self.requester_name} ({self.get_status_display()})"

    @property
    def effective_due_on(self):
        return self.extended_due_on or self.due_on

    @property
    def requester_label(self) -> str:
        org = f", {self.requester_organization}" if self.requester_organization else ""
        return f"{self.requester_name}{org}"


class IdentityMethod(models.TextChoices):
    PHOTO_ID = "photo_id", "Government photo ID seen"
    DOB_ADDRESS = "dob_address", "Date of birth and address matched the record"
    NOTARIZED = "notarized", "Notarised signature on the request"
    BAR_NUMBER = "bar_number", "Attorney's bar number checked with the state bar"
    CALLBACK = "callback", "Called back on a number on file or published"
    LETTERHEAD = "letterhead", "Request on the organisation's letterhead, NPI checked"
    AUTHORITY = "authority", "Proof of authority (guardianship, power of attorney)"


class IdentityCheck(models.Model):
    """One step of verifying who is asking, and by whom (the request's identity trail)."""

    request = models.ForeignKey(RoiRequest, on_delete=models.PROTECT, related_name="checks")
    method = models.CharField(max_length=12, choices=IdentityMethod.choices)
    detail = models.CharField(max_length=200, help_text="What was checked, e.g. IL licence, exp.")
    passed = models.BooleanField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {'passed' if self.passed else 'failed'}"


class DisclosureImmutableError(Exception):
    pass


class Disclosure(models.Model):
    """One release of PHI outside the office (PR-01): never edited, never deleted.

    Every disclosure is recorded, TPO included (ONC (d)(11)); the accounting for the
    patient leaves out the kinds 164.528(a)(1) excludes (`in_accounting`).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="disclosures")
    disclosed_at = models.DateTimeField()
    recipient_name = models.CharField(max_length=120)
    recipient_address = models.CharField(max_length=250, blank=True)
    description = models.CharField(max_length=500, help_text="What was sent")
    purpose = models.CharField(max_length=200)
    basis = models.CharField(max_length=16, choices=Basis.choices)
    to_patient = models.BooleanField(default=False)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices)
    roi_request = models.ForeignKey(
        RoiRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    transfer = models.ForeignKey(
        "RecordTransfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        "Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    packet_sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    late = models.BooleanField(default=False, help_text="Released after the request's due date")
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [models.Index(fields=["patient", "disclosed_at"], name="disc_patient_at")]

    def __str__(self) -> str:
        return f"Disclosure {self.disclosed_at:%Y-%m-%d} to {self.recipient_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise DisclosureImmutableError("A disclosure is never changed: record a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DisclosureImmutableError("A disclosure is never deleted: record a correction.")

    @property
    def in_accounting(self) -> bool:
        """164.528(a)(1): TPO, to the individual and under authorisation are not accounted."""
        return not (
            self.to_patient
            or self.basis in TPO_BASES
            or self.basis in (Basis.AUTHORIZATION, Basis.RIGHT_OF_ACCESS)
        )


# Transfers and referrals --------------------------------------------------------------------


class TransferDirection(models.TextChoices):
    OUTGOING = "out", "Outgoing"
    INCOMING = "in", "Incoming"


class TransferStatus(models.TextChoices):
    PREPARED = "prepared", "Prepared"
    SENT = "sent", "Sent"
    FILED = "filed", "Received and filed"


class RecordTransfer(models.Model):
    """Records sent to another provider (packet PDF and FHIR Bundle) or received and filed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="transfers")
    direction = models.CharField(max_length=3, choices=TransferDirection.choices)
    party_name = models.CharField(max_length=120, help_text="The other practice or facility")
    party_address = models.CharField(max_length=250, blank=True)
    party_fax = models.CharField(max_length=16, blank=True)
    party_email = models.EmailField(blank=True)
    reason = models.CharField(max_length=200)
    sections = models.JSONField(default=list, blank=True)
    scope_from = models.DateField(null=True, blank=True)
    scope_to = models.DateField(null=True, blank=True)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices, blank=True)
    status = models.CharField(max_length=10, choices=TransferStatus.choices)
    packet = models.FileField(upload_to="transfers/%Y/%m/", max_length=200, blank=True)
    packet_sha256 = models.CharField(max_length=64, blank=True)
    packet_pages = models.PositiveSmallIntegerField(null=True, blank=True)
    bundle = models.FileField(upload_to="transfers/%Y/%m/", max_length=200, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    received_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} transfer ({self.party_name})"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent (within a week)"
    STAT = "stat", "Emergent (same day)"


class ReferralStatus(models.TextChoices):
    # Out: sent -> scheduled -> consult note back (closed loop)
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    SCHEDULED = "scheduled", "Scheduled"
    CONSULT_RECEIVED = "consult", "Consult note received"
    # In: received -> scheduled -> seen
    RECEIVED = "received", "Received"
    SEEN = "seen", "Seen"
    CANCELLED = "cancelled", "Cancelled"


REFERRAL_TRANSITIONS = {
    "out": {
        ReferralStatus.DRAFT: {ReferralStatus.SENT, ReferralStatus.CANCELLED},
        ReferralStatus.SENT: {
            ReferralStatus.SCHEDULED,
            ReferralStatus.CONSULT_RECEIVED,
            ReferralStatus.CANCELLED,
        },
        ReferralStatus.SCHEDULED: {ReferralStatus.CONSULT_RECEIVED, ReferralStatus.CANCELLED},
        ReferralStatus.CONSULT_RECEIVED: set(),
        ReferralStatus.CANCELLED: set(),
    },
    "in": {
        ReferralStatus.RECEIVED: {ReferralStatus.SCHEDULED, ReferralStatus.CANCELLED},
        ReferralStatus.SCHEDULED: {ReferralStatus.SEEN, ReferralStatus.CANCELLED},
        ReferralStatus.SEEN: set(),
        ReferralStatus.CANCELLED: set(),
    },
}


class Referral(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    direction = models.CharField(max_length=3, choices=TransferDirection.choices)
    # Ours: the referring clinician (out) or the one who will see the patient (in).
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Theirs: the specialist or facility (out) or the referring provider (in).
    other_name = models.CharField(max_length=120)
    other_npi = models.CharField("NPI", max_length=10, blank=True, validators=[validate_npi])
    other_specialty = models.CharField(max_length=80, blank=True)
    other_address = models.CharField(max_length=250, blank=True)
    other_phone = models.CharField(max_length=20, blank=True)
    other_fax = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=300)
    diagnoses = models.JSONField(default=list, blank=True, help_text="ICD-10-CM codes")
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    authorization_number = models.CharField(max_length=50, blank=True)
    authorized_visits = models.PositiveSmallIntegerField(null=True, blank=True)
    authorization_expires_on = models.DateField(null=True, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="referrals")
    consult_note = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    scheduled_for = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    received_on = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction="in") | models.Q(appointment__isnull=True),
                name="referral_out_no_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.get_direction_display().lower()} ({self.get_status_display()})"

    def clean(self) -> None:
        if self.status not in REFERRAL_TRANSITIONS.get(self.direction, {}):
            raise ValidationError({"status": ["Not a status of this kind of referral."]})
