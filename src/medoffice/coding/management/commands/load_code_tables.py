from django.core.management.base import BaseCommand

from medoffice.coding import services


class Command(BaseCommand):
    help = "Add or update the modifiers, places of service and types of service."

    def handle(self, *args, **options):
        counts = services.reference_tables_load()
        self.stdout.write("Loaded " + ", ".join(f"{n} {name}" for name, n in counts.items()) + ".")
