from django.core.management.base import BaseCommand, CommandError

from medoffice.clinical.demo import load_demo_chart
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME


class Command(BaseCommand):
    help = "Give the demo practice's patients booked in the next days realistic charts (once)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--patients", type=int, default=40)

    def handle(self, *args, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        token = set_actor(Actor(None, "medoffice demo", "", "", ""))
        try:
            loaded = load_demo_chart(
                practice=practice, seed=options["seed"], patients=options["patients"]
            )
        finally:
            reset_actor(token)
        if loaded["created"]:
            self.stdout.write(f"Chart: {loaded['charts']} patients with a clinical record.")
        else:
            self.stdout.write("Demo charts already present.")
