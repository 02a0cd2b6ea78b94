from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.core.audit import audit_verify
from medoffice.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database; a damaged file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--into", help="SQLite: the MEDOFFICE_VAR_DIR to restore into")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that is not empty"
        )

    def handle(self, *args, **options):
        into = Path(options["into"]) if options["into"] else None
        try:
            manifest = backup_restore(path=Path(options["path"]), into=into, force=options["force"])
        except BackupError as exc:
            raise CommandError(f"nothing restored: {exc}") from exc
        self.stdout.write(f"restored the backup of {manifest['created_at']}")
        if into is None:
            report = audit_verify()
            if report.ok:
                self.stdout.write(f"audit chain intact: {report.checked} rows verified")
            else:
                self.stdout.write(
                    f"audit chain does not verify at row {report.first_broken_id}: give this"
                    " installation the audit key the backup was made with (MEDOFFICE_AUDIT_KEY)"
                )
