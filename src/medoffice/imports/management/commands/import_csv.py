"""medoffice import csv FILE --mapping NAME [--dry-run]: demographics and insurance from
another practice system's CSV export.

First a dry run (it saves the mapping NAME from the file's headers when there is none
yet, and prints it), then the same command without --dry-run commits, refusing a file
that changed since its dry run. Exit 1 when the file or the mapping is refused.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import practice_id
from medoffice.core.models import Practice
from medoffice.imports.csv_import import (
    FIELDS,
    CsvImportError,
    auto_match,
    csv_commit,
    csv_dry_run,
    mapping_save,
    read_csv,
)
from medoffice.imports.models import CsvMapping, ImportKind, ImportRun, ImportStatus


class Command(BaseCommand):
    help = "Import demographics and insurance from a CSV export (dry run first)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mapping", required=True)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--practice", help="practice name (default: the only one)")

    def handle(self, *args, file, mapping, dry_run=False, practice=None, **options):
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        the_practice = Practice.objects.get(pk=found)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read it ({exc.strerror})") from None
        try:
            if dry_run:
                run = self._dry_run(data, the_practice, mapping, path.name)
            else:
                run = self._commit(data, the_practice, mapping, path.name)
        except CsvImportError as exc:
            raise CommandError(f"{path.name}: refused, nothing imported: {exc}") from None
        for line in run.report:
            self.stdout.write(f"  line {line['entry']} ({line['id']}): {line['outcome']}: "
                              f"{line['detail']}\n")  # fmt: skip
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{path.name}: {run.created} {verb} created, {run.linked} updated, "
            f"{run.unchanged} unchanged, {run.skipped + run.failed} skipped "
            f"({run.failed} with errors)\n"
        )

    def _dry_run(self, data, practice, name, file_name) -> ImportRun:
        mapping = CsvMapping.objects.filter(practice=practice, name=name).first()
        if mapping is None:
            headers, _ = read_csv(data)
            mapping = mapping_save(practice=practice, name=name, columns=auto_match(headers))
            self.stdout.write(f"Mapping {name!r} saved from the file's headers:\n")
            for field, (label, _, _) in FIELDS.items():
                self.stdout.write(f"  {label} <- {mapping.columns.get(field, '(none)')}\n")
        return csv_dry_run(data, practice=practice, mapping=mapping, name=file_name)

    def _commit(self, data, practice, name, file_name) -> ImportRun:
        dry_run = (
            ImportRun.objects.filter(
                practice=practice,
                kind=ImportKind.CSV,
                status=ImportStatus.DRY_RUN,
                mapping__name=name,
                name=file_name[:200],
            )  # fmt: skip
            .order_by("-started_at", "-id")
            .first()
        )
        if dry_run is None:
            raise CsvImportError("no dry run of this file with this mapping: run --dry-run first")
        return csv_commit(data, dry_run=dry_run)
