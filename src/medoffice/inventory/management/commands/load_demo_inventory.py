from django.core.management.base import BaseCommand, CommandError

from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.inventory.demo import load_demo_inventory
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME


class Command(BaseCommand):
    help = "Give the demo practice its supply closet, vendors, orders and equipment (once)."

    def handle(self, *args, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        token = set_actor(Actor(None, "medoffice demo", "", "", ""))
        try:
            loaded = load_demo_inventory(practice=practice)
        finally:
            reset_actor(token)
        if loaded["created"]:
            self.stdout.write(
                f"Supplies: {loaded['items']} items, 2 vendors, 2 orders; "
                f"{loaded['equipment']} pieces of equipment, {loaded['due']} upkeep due soon."
            )
        else:
            self.stdout.write("Supply closet already present.")
