from django.core.management.base import BaseCommand, CommandError

from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME, DEMO_SEED
from medoffice.scheduling.demo import load_demo_schedule


class Command(BaseCommand):
    help = "Give the demo practice rooms, visit types, weekly templates and booked visits."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--days", type=int, default=10)

    def handle(self, *args, seed, days, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        token = set_actor(Actor(None, "medoffice demo", "", "", ""))
        try:
            summary = load_demo_schedule(practice=practice, seed=seed, days=days)
        finally:
            reset_actor(token)
        if summary["created"]:
            self.stdout.write(
                f"Schedule: rooms, visit types and templates; {summary['appointments']}"
                f" visits booked over the next {days} days."
            )
        else:
            self.stdout.write("Schedule already present.")
