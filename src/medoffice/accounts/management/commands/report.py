"""medoffice report ar-aging [--by payer|patient] [--as-of DATE] [--csv] [--location ID]..."""

import csv
import io
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from medoffice.accounts.reports import ar_aging
from medoffice.coding.management.commands._options import practice_id
from medoffice.core.clock import today_at
from medoffice.core.models import Practice


class Command(BaseCommand):
    help = "Print an accounts report: ar-aging (A/R by age, by payer or by patient)."

    def add_arguments(self, parser):
        parser.add_argument("report", choices=["ar-aging"])
        parser.add_argument("--by", choices=["payer", "patient"], default="payer")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--csv", action="store_true", help="CSV instead of a table")
        parser.add_argument("--location", type=int, action="append", default=[])
        parser.add_argument("--provider", type=int, action="append", default=[])
        parser.add_argument("--practice", help="practice name (default: the only one)")

    def handle(
        self, *args, report, by, as_of=None, location=(), provider=(), practice=None, **options
    ):
        csv_ = options.get("csv", False)
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        the_practice = Practice.objects.get(pk=found)
        try:
            day = date.fromisoformat(as_of) if as_of else today_at(the_practice)
        except ValueError as exc:
            raise CommandError(f"--as-of is YYYY-MM-DD, not {as_of!r}") from exc
        result = ar_aging(
            the_practice,
            as_of=day,
            by=by,
            location_ids=tuple(location),
            provider_ids=tuple(provider),
        )
        head, body = result.table()
        if csv_:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(head)
            writer.writerows(body)
            self.stdout.write(out.getvalue(), ending="")
            return
        widths = [max(len(str(row[i])) for row in [head, *body]) for i in range(len(head))]
        for row in [head, *body]:
            cells = [
                str(v).ljust(w) if i == 0 else str(v).rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells))
