"""medoffice ledger check | ledger post-charges: the ledger's invariants; catch-up posting.

`check` exits 0 saying so when every invariant holds, 1 naming each thing that is off.
"""

from django.core.management.base import BaseCommand, CommandError

from medoffice.billing.models import Charge
from medoffice.coding.management.commands._options import practice_id
from medoffice.payments.checks import ledger_problems
from medoffice.payments.ledger import post_charges


class Command(BaseCommand):
    help = "Check every ledger invariant, or post charges the ledger has not heard of."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "post-charges"])
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
        problems = ledger_problems(found)
        if problems:
            for problem in problems:
                self.stderr.write(problem + "\n")
            raise CommandError(f"the ledger is off: {len(problems)} problem(s), listed above")
        self.stdout.write("Ledger check: every invariant holds.\n")
