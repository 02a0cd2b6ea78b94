from django.core.management.base import BaseCommand

from medoffice.patients.synthetic import DEMO_SEED, demo_loading
from medoffice.reports.demo import load_demo_history


class Command(BaseCommand):
    help = "Give the demo practice its past weeks, lived through the real services (once)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--weeks", type=int, default=6)

    def handle(self, *args, seed: int, weeks: int, **options):
        if weeks <= 0:
            self.stdout.write("History: none asked for (--weeks 0).")
            return
        with demo_loading() as practice:
            lived = load_demo_history(practice=practice, seed=seed, weeks=weeks)
        if lived["created"]:
            self.stdout.write(
                f"History: the last {weeks} week{'s' if weeks > 1 else ''} lived:"
                f" {lived['visits']} visits seen,"
                f" {lived['no-shows']} no-shows, {lived['cancelled']} cancelled;"
                f" {lived['batches']} claim batches sent,"
                f" {lived['remittances']} remittances posted."
            )
        else:
            self.stdout.write("History already present.")
