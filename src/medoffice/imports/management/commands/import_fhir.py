"""medoffice import fhir FILE...: import FHIR R4 Bundles (transaction or collection).

Prints per file what was created, linked, left unchanged, skipped and why. Exit 0 when
every file was imported (a collection may still report entries it could not take);
exit 1 when a file was rejected whole or could not be read.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import practice_id
from medoffice.core.models import Practice
from medoffice.imports.fhir import fhir_import, run_summary
from medoffice.imports.models import ImportStatus


def _decisions(links: list[str], new: list[str]) -> dict[str, str]:
    decided = {}
    for text in links:
        source_id, sep, mrn = text.partition("=")
        if not sep or not source_id or not mrn:
            raise CommandError(f"--link {text!r}: write SOURCE_ID=MRN")
        decided[source_id] = mrn
    decided.update(dict.fromkeys(new, "new"))
    return decided


class Command(BaseCommand):
    help = "Import FHIR R4 Bundles (e.g. Synthea output)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--practice", help="practice name (default: the only one)")
        parser.add_argument("--source", default="", help="the system they come from")
        parser.add_argument("--provider", help="NPI to file outside visits under")
        parser.add_argument("--link", action="append", default=[], metavar="SOURCE_ID=MRN")
        parser.add_argument("--new", action="append", default=[], metavar="SOURCE_ID")
        parser.add_argument("--details", action="store_true", help="one line per entry")

    def handle(self, *args, files, practice=None, source="", provider=None, link=(), new=(),
               details=False, **options):  # fmt: skip
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        the_practice = Practice.objects.get(pk=found)
        decisions = _decisions(list(link), list(new))
        failed = 0
        for name in files:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                self.stderr.write(f"{name}: rejected: cannot read it ({exc.strerror})\n")
                failed += 1
                continue
            run = fhir_import(
                data, practice=the_practice, name=path.name, source=source,
                decisions=decisions, provider_npi=provider,
            )  # fmt: skip
            out = self.stderr if run.status == ImportStatus.REJECTED else self.stdout
            out.write(run_summary(run) + "\n")
            for line in run.report:
                if details or line["outcome"] in ("failed", "held"):
                    out.write(f"  entry {line['entry']} {line['type']} {line['id']}: "
                              f"{line['outcome']}: {line['detail']}\n")  # fmt: skip
            if not details:
                skipped: dict[str, int] = {}
                for line in run.report:
                    if line["outcome"] == "skipped":
                        key = f"{line['type']}: {line['detail']}"
                        skipped[key] = skipped.get(key, 0) + 1
                for key, count in sorted(skipped.items()):
                    out.write(f"  skipped {count} x {key}\n")
            failed += run.status == ImportStatus.REJECTED
        if failed:
            raise CommandError(f"{failed} file(s) rejected: nothing of them was imported")
