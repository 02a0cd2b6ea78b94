"""medoffice accounting export --period YYYY-MM --format csv|iif [--output FILE]."""

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import practice_id
from medoffice.core.models import Practice
from medoffice.reports.accounting import journal_for


class Command(BaseCommand):
    help = "Write the month's general-ledger journal (CSV or QuickBooks IIF)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--format", dest="file_format", choices=["csv", "iif"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--practice", help="practice name (default: the only one)")

    def handle(self, *args, period, file_format, output=None, practice=None, **options):
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        try:
            journal = journal_for(Practice.objects.get(pk=found), period)
            body = journal.render(file_format)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for warning in journal.warnings:
            self.stderr.write(f"warning: {warning}\n")
        if output:
            with open(output, "wb") as handle:
                handle.write(body)
            self.stderr.write(
                f"{len(journal.transactions)} entries, debits ${journal.total_debits} = "
                f"credits ${journal.total_credits}: {output}\n"
            )
        else:
            self.stdout.write(body.decode(), ending="")
