from django.core.management.base import BaseCommand

from medoffice.patients.synthetic import demo_loading
from medoffice.records.demo import load_demo_records


class Command(BaseCommand):
    help = (
        "Give the demo practice's charted patients documents, a communications log, records "
        "requests, referrals and a transfer (once; after load_demo_chart)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=3)

    def handle(self, *args, **options):
        with demo_loading() as practice:
            loaded = load_demo_records(practice=practice, patients=options["patients"])
        if loaded["created"]:
            self.stdout.write(f"Records: {loaded['patients']} patients with documents and logs.")
        else:
            self.stdout.write("Demo records already present (or no charted patients).")
