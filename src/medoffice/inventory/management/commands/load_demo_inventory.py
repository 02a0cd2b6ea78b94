from django.core.management.base import BaseCommand

from medoffice.inventory.demo import load_demo_inventory
from medoffice.patients.synthetic import demo_loading


class Command(BaseCommand):
    help = "Give the demo practice its supply closet, vendors, orders and equipment (once)."

    def handle(self, *args, **options):
        with demo_loading() as practice:
            loaded = load_demo_inventory(practice=practice)
        if loaded["created"]:
            self.stdout.write(
                f"Supplies: {loaded['items']} items, 2 vendors, 2 orders; "
                f"{loaded['equipment']} pieces of equipment, {loaded['due']} upkeep due soon."
            )
        else:
            self.stdout.write("Supply closet already present.")
