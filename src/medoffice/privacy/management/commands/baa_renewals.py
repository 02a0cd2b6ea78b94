"""Daily: a task for every unsigned business associate agreement and every one that ends
within 90 days; settle the tasks of agreements renewed or terminated."""

from django.core.management.base import BaseCommand

from medoffice.core.context import WORKER, acting_as
from medoffice.privacy.services import baa_tasks_all


class Command(BaseCommand):
    help = "Raise or settle the renewal tasks of the business associate agreements."

    def handle(self, *args, **options):
        with acting_as(WORKER):
            count = baa_tasks_all()
        self.stdout.write(f"checked {count} business associate agreements")
