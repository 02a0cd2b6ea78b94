from django.core.management.base import BaseCommand

from medoffice.billing.demo import load_demo_billing
from medoffice.patients.synthetic import demo_loading


class Command(BaseCommand):
    help = "Give the demo practice a superbill template and fee schedules (once)."

    def handle(self, *args, **options):
        with demo_loading() as practice:
            loaded = load_demo_billing(practice=practice)
        if loaded["created"]:
            self.stdout.write(
                f"Billing: a superbill of {loaded['superbill items']} items, fee schedules for"
                f" {loaded['priced codes']} codes; a simulated clearinghouse and"
                f" {loaded['ready claims']} signed visits ready to bill."
            )
        else:
            self.stdout.write("Billing set-up already present.")
