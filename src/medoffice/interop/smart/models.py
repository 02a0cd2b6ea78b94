"""Registered SMART apps, the patient picked at a launch, used client assertions, exports.

`SmartApp` is django-oauth-toolkit's application model (OAUTH2_PROVIDER_APPLICATION_MODEL),
extended with what SMART needs: the practice it belongs to, the scopes it may ask for, and
for a backend service the public keys (JWKS) its client assertions are signed with. A
backend service acts as its `user`: a non-interactive service account holding one role, so
the role table and the audit trail apply to it as to a person (AC-01).
"""

import uuid

from django.conf import settings
from django.db import models
from oauth2_provider.models import AbstractApplication

from medoffice.core.models import Practice


class AppKind(models.TextChoices):
    STAFF = "staff", "Staff app (a user signs in and approves)"
    BACKEND = "backend", "Backend service (system to system, no user)"


class SmartApp(AbstractApplication):
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="smart_apps", null=True
    )
    kind = models.CharField(max_length=16, choices=AppKind.choices, default=AppKind.STAFF)
    allowed_scopes = models.TextField(
        default="launch/patient openid fhirUser offline_access patient/*.read user/*.read",
        help_text="Space-separated SMART scopes the app may ask for (docs/fhir.md).",
    )
    jwks = models.JSONField(
        default=dict,
        blank=True,
        help_text='Backend services: the public keys ({"keys": [...]}) of its client'
        " assertions (RS384 or ES384).",
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "SMART app"

    def __str__(self) -> str:
        return self.name or self.client_id

    def scope_list(self) -> list[str]:
        return self.allowed_scopes.split()


class UsedClientAssertion(models.Model):
    """A backend service's client assertion, kept until it expires so it is good once."""

    app = models.ForeignKey(SmartApp, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "jti"], name="smart_assertion_used_once")
        ]

    def __str__(self) -> str:
        return f"assertion {self.jti[:12]} of app {self.app_id}"


class SmartLaunch(models.Model):
    """The patient a staff user picked when approving `launch/patient`, carried from the
    authorization code to the tokens issued for it (and to those a refresh issues)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=64, blank=True, db_index=True)
    access_token = models.ForeignKey(
        settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
    )
    refresh_token = models.ForeignKey(
        settings.OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"launch {self.pk}"


class ExportKind(models.TextChoices):
    SYSTEM = "system", "All data ($export)"
    PATIENT = "patient", "All patients (Patient/$export)"
    GROUP = "group", "A group (Group/[id]/$export)"


class ExportStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    RUNNING = "running", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ExportJob(models.Model):
    """One FHIR Bulk Data export: kicked off, run by the worker, polled, downloaded."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(max_length=100, blank=True)
    scope = models.TextField(blank=True, help_text="The token's scopes at kick-off")
    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    group_id = models.CharField(max_length=64, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.ACCEPTED
    )
    progress = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=200, blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.status})"


class ExportFile(models.Model):
    """One ndjson file of an export, stored under a generated name outside the web root."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.resource_type}.ndjson of export {self.job_id}"
