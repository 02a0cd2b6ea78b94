from django.core.management.base import BaseCommand, CommandError

from medoffice.billing.demo import load_demo_billing
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME


class Command(BaseCommand):
    help = "Give the demo practice a superbill template and fee schedules (once)."

    def handle(self, *args, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        token = set_actor(Actor(None, "medoffice demo", "", "", ""))
        try:
            loaded = load_demo_billing(practice=practice)
        finally:
            reset_actor(token)
        if loaded["created"]:
            self.stdout.write(
                f"Billing: a superbill of {loaded['superbill items']} items, fee schedules for"
                f" {loaded['priced codes']} codes; a simulated clearinghouse and"
                f" {loaded['ready claims']} signed visits ready to bill."
            )
        else:
            self.stdout.write("Billing set-up already present.")
