"""The HCPCS and CPT import commands share everything but the code set."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.errors import CodingError
from medoffice.coding.management.commands._options import parse_date, refuse
from medoffice.core.context import Actor, reset_actor, set_actor

MAX_FILE_BYTES = 50 * 1024 * 1024


class ImportCommand(BaseCommand):
    label = ""

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--release", required=True, help="e.g. 2026 (`medoffice codes` --version)"
        )
        parser.add_argument(
            "--effective-from", help="first day in force, YYYY-MM-DD (default: 1 January)"
        )
        parser.add_argument(
            "--accept-good-rows",
            action="store_true",
            help="import the good rows of a file that also has bad ones (each is reported)",
        )
        parser.add_argument("--replace", action="store_true", help="reload an existing version")

    def run_import(self, **kwargs):
        raise NotImplementedError

    def handle(self, *args, file, release, effective_from=None, accept_good_rows=False,
               replace=False, **options):  # fmt: skip
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{file}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
        token = set_actor(Actor(None, "medoffice codes", "", "", ""))
        try:
            outcome = self.run_import(
                data=path.read_bytes(),
                version=release,
                effective_from=parse_date(effective_from, "--effective-from"),
                accept_good_rows=accept_good_rows,
                replace=replace,
                source=path.name,
            )
        except CodingError as exc:
            raise refuse(self, exc) from exc
        finally:
            reset_actor(token)
        for error in outcome.errors:
            self.stderr.write(f"skipped {error}")
        skipped = f", {len(outcome.errors)} bad row(s) skipped" if outcome.errors else ""
        self.stdout.write(
            f"Imported {outcome.release}: {outcome.imported:,} codes, in force from "
            f"{outcome.release.effective_from}{skipped}."
        )
