"""Imports from the systems a practice migrates away from: FHIR R4 bundles and CSV exports.

An ImportRun is one file taken in (or refused, or tried in a dry run), with the report of
what was created, linked, skipped and why. ImportedRecord remembers which of our rows each
source record became, so importing the same file again creates nothing new.
"""

import uuid

from django.conf import settings
from django.db import models

from medoffice.core.models import Practice


class ImportKind(models.TextChoices):
    FHIR = "fhir", "FHIR R4 bundle"
    CSV = "csv", "CSV export"


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Rejected, nothing imported"
    DRY_RUN = "dry_run", "Dry run, nothing imported"


class ImportRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ImportKind.choices)
    name = models.CharField(max_length=200, help_text="The file's name as given")
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=100, help_text="The system the records come from")
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was rejected")
    created = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, help_text="One line per record: outcome and why")
    content = models.BinaryField(
        blank=True, default=b"", editable=False, help_text="A CSV dry run's file, for its commit"
    )
    mapping = models.ForeignKey(
        "CsvMapping", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(max_length=10, default="command", help_text="command or upload")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        default_permissions = ()
        permissions = [("import_records", "Can import records from other systems")]
        indexes = [models.Index(fields=["practice", "-started_at"], name="import_run_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} ({self.status})"


class ImportedRecord(models.Model):
    """Source system + resource type + source id -> our row (which model, which pk)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=100)
    resource_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=200)
    object_type = models.CharField(max_length=60, help_text="app_label.model of our row")
    object_id = models.BigIntegerField()
    linked = models.BooleanField(
        default=False, help_text="Matched to a record we already had, not created by the import"
    )
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "source", "resource_type", "source_id"],
                name="imported_record_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.resource_type}/{self.source_id}"


class CsvMapping(models.Model):
    """A named column mapping for one system's CSV export: our field -> the file's header."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="csv_mapping_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
