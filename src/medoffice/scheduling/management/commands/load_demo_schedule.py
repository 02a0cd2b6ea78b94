from django.core.management.base import BaseCommand

from medoffice.patients.synthetic import DEMO_SEED, demo_loading
from medoffice.scheduling.demo import load_demo_schedule


class Command(BaseCommand):
    help = "Give the demo practice rooms, visit types, weekly templates and booked visits."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--days", type=int, default=10)

    def handle(self, *args, seed, days, **options):
        with demo_loading() as practice:
            summary = load_demo_schedule(practice=practice, seed=seed, days=days)
        if summary["created"]:
            self.stdout.write(
                f"Schedule: rooms, visit types and templates; {summary['appointments']}"
                f" visits booked over the next {days} days."
            )
        else:
            self.stdout.write("Schedule already present.")
