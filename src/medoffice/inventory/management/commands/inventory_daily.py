"""medoffice inventory daily: upkeep coming due and reorders onto the task list, out-of-service
holds moved on, expired lots quarantined. The worker runs it once a day by itself
(medoffice.inventory.tasks); this command runs it now."""

from django.core.management.base import BaseCommand

from medoffice.core.models import Practice
from medoffice.inventory.services import inventory_daily


class Command(BaseCommand):
    help = "Upkeep due and reorders to tasks, equipment blocks in the schedule, expired lots."

    def handle(self, *args, **options):
        for practice in Practice.objects.all():
            result = inventory_daily(practice=practice)
            self.stdout.write(
                f"{practice.name}: {result['due']} upkeep due soon, {result['clashes']} booked "
                f"visit(s) clash with equipment out of service, {result['expired_lots']} lot(s) "
                f"quarantined, {result['reorder_lines']} item(s) to reorder\n"
            )
