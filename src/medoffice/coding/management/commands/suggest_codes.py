"""`medoffice codes suggest TEXT`: ICD-10-CM candidates for free text."""

import json

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import parse_date, practice_id
from medoffice.coding.suggest import code_suggest


class Command(BaseCommand):
    help = "Suggest ICD-10-CM codes for free text (an assessment, a chief complaint)."

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="+")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--on", help="date of service, YYYY-MM-DD (default: today)")
        parser.add_argument("--practice", help="practice whose usage ranks (default: the only)")

    def handle(self, *args, text, limit, as_json, on=None, practice=None, **options):
        if not 1 <= limit <= 50:
            raise CommandError("--limit: give 1 to 50")
        outcome = code_suggest(
            practice_id=practice_id(practice) or 0,
            text=" ".join(text),
            limit=limit,
            on=parse_date(on, "--on"),
        )
        if outcome.release is None:
            raise CommandError(outcome.detail)
        rows = [
            {
                "code": s.display,
                "description": s.description,
                "score": s.score,
                "matched": list(s.matched),
            }
            for s in outcome.hits
        ]
        if as_json:
            self.stdout.write(json.dumps({"release": str(outcome.release), "candidates": rows}))
            return
        if not rows:
            self.stdout.write("No candidates.")
        for row in rows:
            self.stdout.write(
                f"{row['code']:<9} {row['score']:.2f}  {row['description']}"
                f"  [{', '.join(row['matched'])}]"
            )
