"""The organisation (practices, locations, providers, staff) and the audit trail."""

import uuid
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from medoffice.core.identifiers import validate_npi
from medoffice.core.roles import Role
from medoffice.core.us import UsState, validate_zip


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value} is not an IANA time zone (e.g. America/Chicago).")


class Practice(models.Model):
    """A practice: the unit whose staff may see its patients (tenant boundary)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    group_npi = models.CharField("group NPI", max_length=10, blank=True, validators=[validate_npi])
    tax_id = models.CharField(
        "tax id (EIN)",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{2}-?\d{7}$", "An EIN is nine digits, e.g. 12-3456789.")],
    )

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The wall clock of the practice's first location (the site's own zone without one)."""
        first = self.locations.order_by("id").first()
        return first.zone if first else ZoneInfo(settings.TIME_ZONE)


class Location(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=120)
    address1 = models.CharField(max_length=100)
    address2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2, choices=UsState.choices)
    zip_code = models.CharField("ZIP code", max_length=10, validators=[validate_zip])
    phone = models.CharField(max_length=20, blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    place_of_service = models.CharField(max_length=2, default="11")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="location_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The location's wall clock: every local date and time shown or counted here uses it."""
        return ZoneInfo(self.time_zone)


class Provider(models.Model):
    """A person who renders care and bills under an NPI."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="providers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provider",
    )
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    credentials = models.CharField(max_length=20, blank=True, help_text="MD, DO, NP, PA-C ...")
    specialty = models.CharField(max_length=80)
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    taxonomy_code = models.CharField(
        max_length=10,
        blank=True,
        validators=[
            RegexValidator(r"^\d{3}[0-9A-Z]{6}X$", "A NUCC taxonomy code, e.g. 207Q00000X.")
        ],
    )
    locations = models.ManyToManyField(Location, related_name="providers", blank=True)
    max_overbooks_per_day = models.PositiveSmallIntegerField(
        default=2, help_text="Visits that may be booked on top of others in one day (0: none)"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        suffix = f", {self.credentials}" if self.credentials else ""
        return f"{self.first_name} {self.last_name}{suffix}"


class StaffProfile(models.Model):
    """What a user is in the office: one role, one practice, the locations worked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="staff")
    locations = models.ManyToManyField(Location, related_name="staff", blank=True)
    limited_to_locations = models.BooleanField(
        default=False,
        help_text="Reach only the patients of these locations: registered at one, or with an "
        "appointment or a visit there (breaking the glass opens any other chart for a while).",
    )

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for integrations; only its SHA-256 digest is stored (AC-08)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, default="integration")
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.user})"


class AuditAction(models.TextChoices):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    QUERY = "query"
    EXPORT = "export"
    PRINT = "print"
    MERGE = "merge"
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    PRIVILEGE_CHANGE = "privilege_change"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditEvent(models.Model):
    """One touch of PHI or one security event. Append-only and hash-chained.

    `id` is the position in the chain (1, 2, 3 ...), assigned under the chain
    head's lock; `mac` is HMAC-SHA-256(key, previous mac + this row's fields).
    Database triggers refuse UPDATE, and DELETE of any row not covered by a retention
    checkpoint (migrations 0002 and 0006; AU-06).
    """

    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    # user_id and patient_id have no index of their own: the (user_id, at, patient_id) and
    # (patient_id, at) indexes below serve every lookup by them, and each index is one
    # more page written and synced per audited request.
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=24, choices=AuditAction.choices, db_index=True)
    category = models.CharField(max_length=32, blank=True, help_text="demographics, insurance ...")
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    outcome = models.CharField(max_length=16, choices=AuditOutcome.choices)
    detail = models.CharField(max_length=200, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", "Can export the audit trail")]
        indexes = [
            models.Index(fields=["patient_id", "at"], name="audit_patient_at"),
            # PR-04: "which patients did this user touch between t1 and t2" reads this
            # index alone (the patient id is in it), never the table.
            models.Index(fields=["user_id", "at", "patient_id"], name="audit_user_at_patient"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.username} {self.action} {self.object_type} {self.object_id}"


class AuditChainHead(models.Model):
    """The single row locked while an audit event is appended."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_mac = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"audit chain head at row {self.last_id}"


class AuditCheckpoint(models.Model):
    """A signed summary of a purged prefix of the audit chain (AU-06 retention).

    Rows 1..through_id were deleted by the retention job; `through_mac` is the MAC of the
    last of them, so the chain still verifies from row through_id + 1 onwards. `signature`
    is HMAC-SHA-256 (the audit key) over these fields and the previous checkpoint's
    signature: a checkpoint written without the key (to excuse a deletion) fails `verify`.
    The database refuses to change or remove checkpoints, and refuses to delete audit rows
    that no checkpoint covers.
    """

    id = models.BigAutoField(primary_key=True)
    through_id = models.BigIntegerField(unique=True)
    through_mac = models.CharField(max_length=64)
    through_at = models.DateTimeField(help_text="Time of the last purged row")
    rows = models.BigIntegerField(help_text="Rows this purge removed")
    cutoff = models.DateTimeField(help_text="Rows before this time were eligible")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["through_id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"audit checkpoint through row {self.through_id}"


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """AC-07: the ten single-use recovery codes of one user, as a django-otp device.

    Only SHA-256 digests are stored (the codes carry 48 random bits each, so a digest
    cannot be reversed by guessing); a code is spent by the UPDATE that marks it used,
    so two sign-ins racing with one code cannot both succeed.
    """

    class Meta(Device.Meta):
        verbose_name = "recovery codes"
        verbose_name_plural = "recovery codes"

    def verify_token(self, token) -> bool:
        from medoffice.core.mfa import recovery_code_digest

        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        spent = self.codes.filter(
            digest=recovery_code_digest(str(token)), used_at__isnull=True
        ).update(used_at=timezone.now())
        if spent == 1:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False

    def get_throttle_factor(self) -> int:
        return 1

    def codes_left(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.device.user_id} ({'used' if self.used_at else 'unused'})"


TOTP_SEAL_LABEL = "otp_totp.totpdevice.key"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device with its secret sealed at rest (AC-08).

    django-otp keeps the secret as hex in `key` (80 characters). Here `key` holds the
    20-byte secret sealed with AES-256-GCM (core/sealing.py: 77 characters at most);
    `bin_key` opens it whenever django-otp needs it. A key saved by django-otp itself
    (hex) is sealed by the next save, by the migration and by `medoffice keys rotate`.
    """

    class Meta:
        proxy = True
        verbose_name = "authenticator"

    @property
    def bin_key(self) -> bytes:
        from medoffice.core.sealing import is_sealed, unseal_bytes

        if is_sealed(self.key):
            return unseal_bytes(self.key, label=TOTP_SEAL_LABEL)
        return bytes.fromhex(self.key)

    def save(self, *args, **kwargs):
        from medoffice.core.sealing import is_sealed, seal_bytes

        if self.key and not is_sealed(self.key):
            self.key = seal_bytes(bytes.fromhex(self.key), label=TOTP_SEAL_LABEL)
        super().save(*args, **kwargs)
