"""AU-06: remove audit rows and security documentation older than the retention limit."""

from django.core.management.base import BaseCommand

from medoffice.core.context import SYSTEM, acting_as
from medoffice.core.retention import audit_purge
from medoffice.privacy.retention import documents_purge


class Command(BaseCommand):
    help = (
        "Purge audit rows and security documentation older than MEDOFFICE_RETENTION_YEARS "
        "(at least 6). --dry-run only counts. Every run is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run=False, **options):
        with acting_as(SYSTEM):
            audit = audit_purge(dry_run=dry_run)
            documents = documents_purge(dry_run=dry_run)
        label = "dry run: would delete" if dry_run else "deleted"
        done = audit.eligible if dry_run else audit.deleted
        self.stdout.write(
            f"{label} {done} audit rows older than {audit.cutoff:%Y-%m-%d}"
            + (f" (through row {audit.through_id})" if audit.through_id else "")
            + (", checkpoint signed" if audit.through_id and not dry_run else "")
        )
        for name, count in documents.counts.items():
            self.stdout.write(f"{label} {count} {name}")
        self.stdout.write(f"kept {documents.disclosures_kept} disclosures older than the limit")
