from django.core.management.base import BaseCommand, CommandError

from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME
from medoffice.records.demo import load_demo_records


class Command(BaseCommand):
    help = (
        "Give the demo practice's charted patients documents, a communications log, records "
        "requests, referrals and a transfer (once; after load_demo_chart)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=3)

    def handle(self, *args, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        token = set_actor(Actor(None, "medoffice demo", "", "", ""))
        try:
            loaded = load_demo_records(practice=practice, patients=options["patients"])
        finally:
            reset_actor(token)
        if loaded["created"]:
            self.stdout.write(f"Records: {loaded['patients']} patients with documents and logs.")
        else:
            self.stdout.write("Demo records already present (or no charted patients).")
