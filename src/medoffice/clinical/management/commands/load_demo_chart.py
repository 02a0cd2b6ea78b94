from django.core.management.base import BaseCommand

from medoffice.clinical.demo import load_demo_chart
from medoffice.patients.synthetic import demo_loading


class Command(BaseCommand):
    help = "Give the demo practice's patients booked in the next days realistic charts (once)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--patients", type=int, default=40)

    def handle(self, *args, **options):
        with demo_loading() as practice:
            loaded = load_demo_chart(
                practice=practice, seed=options["seed"], patients=options["patients"]
            )
        if loaded["created"]:
            self.stdout.write(f"Chart: {loaded['charts']} patients with a clinical record.")
        else:
            self.stdout.write("Demo charts already present.")
