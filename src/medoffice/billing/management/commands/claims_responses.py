"""`medoffice claims responses`: pick up the clearinghouse's answers (999, 277CA)."""

from django.core.management.base import BaseCommand, CommandError

from medoffice.billing.acks import responses_pick_up_for_practice
from medoffice.billing.management.commands.claims_send import practice_named
from medoffice.core.context import Actor, reset_actor, set_actor


class Command(BaseCommand):
    help = "Pick up the clearinghouse's answers (999, 277CA) and move the claims they name."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="practice name (default: the only practice)")

    def handle(self, *args, practice=None, **options):
        chosen = practice_named(practice)
        token = set_actor(Actor(None, "medoffice claims", "", "", ""))
        try:
            reports = responses_pick_up_for_practice(practice_id=chosen.id)
        finally:
            reset_actor(token)
        if not reports:
            raise CommandError("no active clearinghouse connection")
        for report in reports:
            self.stdout.write(report.summary())
            for outcome in report.quarantined:
                self.stdout.write(f"quarantined {outcome.name}: {outcome.record.reason}")
        failed = [r for r in reports if r.error]
        if failed:
            raise CommandError(f"{len(failed)} connection(s) could not be reached")
