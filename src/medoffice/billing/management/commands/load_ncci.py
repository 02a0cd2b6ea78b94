"""Load a CMS NCCI file: `manage.py load_ncci ptp FILE --release 2026-Q1 --from 2026-01-01`."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.billing.errors import NcciFileError
from medoffice.billing.ncci import ncci_load


class Command(BaseCommand):
    help = "Load an NCCI PTP edit file or MUE table (tab-delimited text or CSV, CMS layout)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["ptp", "mue"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--release", required=True, help="the file's quarter or version, e.g. 2026-Q1"
        )
        parser.add_argument(
            "--from", dest="effective_from", required=True, help="first day in force, YYYY-MM-DD"
        )

    def handle(self, *args, **options):
        try:
            effective_from = date.fromisoformat(options["effective_from"])
        except ValueError as exc:
            raise CommandError("--from is a date, YYYY-MM-DD") from exc
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            table = ncci_load(
                kind=options["kind"], data=path.read_bytes(), version=options["release"],
                effective_from=effective_from, source=path.name,
            )  # fmt: skip
        except NcciFileError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{path.name}: nothing loaded ({len(exc.problems)} problems)"
            ) from exc
        self.stdout.write(
            f"Loaded {table}: {table.rows} rows, in force from {table.effective_from}."
        )
