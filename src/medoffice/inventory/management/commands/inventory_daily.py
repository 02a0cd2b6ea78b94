"""medoffice inventory daily: upkeep coming due onto the task list, out-of-service holds moved
on, expired lots quarantined. Run once a day (cron or the worker's schedule)."""

from django.core.management.base import BaseCommand

from medoffice.core.models import Practice
from medoffice.inventory.services import equipment_daily


class Command(BaseCommand):
    help = "Equipment due dates to tasks, equipment blocks in the schedule, expired lots."

    def handle(self, *args, **options):
        for practice in Practice.objects.all():
            result = equipment_daily(practice=practice)
            self.stdout.write(
                f"{practice.name}: {result['due']} upkeep due soon, {result['clashes']} booked "
                f"visit(s) clash with equipment out of service, {result['expired_lots']} lot(s) "
                "quarantined\n"
            )
