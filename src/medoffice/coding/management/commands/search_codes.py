"""`medoffice codes search TEXT`: the search box on the command line."""

import json

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import parse_date, practice_id
from medoffice.coding.models import CodeSystem
from medoffice.coding.search import code_search


class Command(BaseCommand):
    help = "Search codes by code prefix or words (any order, synonyms, typos)."

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="+")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--system", choices=CodeSystem.values, default=CodeSystem.ICD10CM)
        parser.add_argument("--on", help="date of service, YYYY-MM-DD (default: today)")
        parser.add_argument("--practice", help="practice whose usage ranks (default: the only)")

    def handle(self, *args, text, limit, as_json, system, on=None, practice=None, **options):
        if not 1 <= limit <= 200:
            raise CommandError("--limit: give 1 to 200")
        query = " ".join(text)
        outcome = code_search(
            practice_id=practice_id(practice) or 0,
            query=query,
            limit=limit,
            on=parse_date(on, "--on"),
            system=system,
        )
        if outcome.release is None:
            raise CommandError(outcome.detail)
        rows = [
            {
                "code": h.entry.display,
                "description": h.entry.description,
                "billable": h.entry.billable,
                "exact": h.exact,
                "usage": h.usage,
            }
            for h in outcome.hits
        ]
        if as_json:
            body = {"release": str(outcome.release), "query": query, "results": rows}
            self.stdout.write(json.dumps(body, indent=2))
            return
        if not rows:
            self.stdout.write(f"No codes match {query!r} in {outcome.release}.")
        for row in rows:
            mark = " " if row["billable"] else "*"
            self.stdout.write(f"{row['code']:<9}{mark} {row['description']}")
        if any(not r["billable"] for r in rows):
            self.stdout.write("* not billable: choose a more specific code")
