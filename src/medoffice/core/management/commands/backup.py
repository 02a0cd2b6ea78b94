from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.core.backup import BackupError, backup_create
from medoffice.core.context import Actor, reset_actor, set_actor


class Command(BaseCommand):
    help = "Write an encrypted backup of the database and the uploaded files (DU-02)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: VAR_DIR/backups/...)")

    def handle(self, *args, **options):
        token = set_actor(Actor(None, "medoffice backup", "", "", ""))
        try:
            output = backup_create(output=Path(options["output"]) if options["output"] else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            reset_actor(token)
        self.stdout.write(f"backup written: {output} ({output.stat().st_size} bytes, encrypted)")
