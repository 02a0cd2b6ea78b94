"""medoffice statements run [--dry-run] [--cycle N] [--as-of DATE] [--email] [--practice NAME]

Runs the statement batch of one cycle (every cycle without --cycle; `--cycle today` is
the cycle whose turn it is on the day): one line per account sent or skipped, with the
reason. --dry-run prints the same and sends and records nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from medoffice.accounts.selectors import settings_for
from medoffice.accounts.statements import cycle_of_day, statement_candidates, statement_run
from medoffice.coding.management.commands._options import parse_date, practice_id
from medoffice.core.clock import today_at
from medoffice.core.models import Practice


class Command(BaseCommand):
    help = "Run patient statements: one cycle or all, or a dry run saying who would get one."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run"])
        parser.add_argument("--dry-run", action="store_true", help="send and record nothing")
        parser.add_argument("--cycle", help="a cycle number, or 'today' (default: every cycle)")
        parser.add_argument("--as-of", dest="as_of", help="statement date YYYY-MM-DD")
        parser.add_argument("--email", action="store_true", help="e-mail them as well")
        parser.add_argument("--practice", help="practice name (default: the only one)")

    def handle(self, *args, action, dry_run=False, cycle=None, as_of=None, email=False,
               practice=None, **options):  # fmt: skip
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        the_practice = Practice.objects.get(pk=found)
        today = parse_date(as_of, "--as-of") or today_at(the_practice)

        cycles = settings_for(the_practice).cycles
        number = None
        if cycle == "today":
            number = cycle_of_day(today, cycles)
        elif cycle:
            if not cycle.isdigit() or not 1 <= int(cycle) <= cycles:
                raise CommandError(f"--cycle is 1 to {cycles} or 'today', not {cycle!r}")
            number = int(cycle)
        which = f"cycle {number}" if number else "every cycle"
        if dry_run:
            candidates = statement_candidates(practice=the_practice, cycle=number, today=today)
            sent = [c for c in candidates if not c.skip]
            for c in candidates:
                self.stdout.write(self._line(c.account, c.amount, c.skip or "would be sent"))
            self.stdout.write(
                f"Dry run, {which}: {len(sent)} statement(s) would go out "
                f"(${sum((c.amount for c in sent), 0):.2f}); {len(candidates) - len(sent)} "
                "skipped. Nothing was sent or recorded."
            )
            return
        result = statement_run(
            practice=the_practice, cycle=number, today=today, email=email, by=None
        )
        for statement in result.issued:
            to = statement.emailed_to
            sent_to = f"sent, e-mailed to {to}" if to else "sent"
            self.stdout.write(self._line(statement.account, statement.amount_due, sent_to))
        for account, reason in result.skipped:
            self.stdout.write(self._line(account, None, f"skipped: {reason}"))
        self.stdout.write(
            f"Statements, {which}: {len(result.issued)} sent (${result.run.amount}), "
            f"{len(result.skipped)} skipped."
        )

    @staticmethod
    def _line(account, amount, what: str) -> str:
        money = f"${amount:.2f}" if amount is not None else ""
        return f"{account.patient.mrn:<12} {money:>10}  {what}"
