"""medoffice ledger check | post-charges | rebuild-summaries.

`check` exits 0 saying so when every invariant holds (the cached summaries equal to the
ledger included), 1 naming each thing that is off. `post-charges` posts charges the ledger
has not heard of. `rebuild-summaries` replaces the summaries with the ledger's sums (one
transaction).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from medoffice.billing.models import Charge
from medoffice.coding.management.commands._options import practice_id
from medoffice.payments import summaries
from medoffice.payments.checks import ledger_problems
from medoffice.payments.ledger import post_charges


class Command(BaseCommand):
    help = (
        "Check every ledger invariant, post charges the ledger has not heard of, or rebuild "
        "the ledger's summaries."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "post-charges", "rebuild-summaries"])
        parser.add_argument("--practice", help="practice name (default: every practice)")

    def handle(self, *args, action, practice=None, **options):
        found = practice_id(practice) if practice else None
        if action == "post-charges":
            pending = Charge.objects.filter(ledger_entry__isnull=True)
            if found is not None:
                pending = pending.filter(encounter__practice_id=found)
            made = post_charges(charges=list(pending))
            self.stdout.write(f"{len(made)} charge(s) posted to the ledger.\n")
            return
        if action == "rebuild-summaries":
            with transaction.atomic():
                written = summaries.rebuild(found)
            rows = ", ".join(f"{table} {count}" for table, count in written.items())
            self.stdout.write(f"Ledger summaries rebuilt (rows: {rows}).\n")
            return
        problems = ledger_problems(found)
        if problems:
            for problem in problems:
                self.stderr.write(problem + "\n")
            raise CommandError(f"the ledger is off: {len(problems)} problem(s), listed above")
        self.stdout.write("Ledger check: every invariant holds.\n")
