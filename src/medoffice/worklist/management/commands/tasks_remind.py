"""medoffice tasks remind: e-mail each person their tasks due within a few days."""

from django.core.management.base import BaseCommand

from medoffice.worklist.services import tasks_remind


class Command(BaseCommand):
    help = "E-mail reminders of tasks due soon (once a day per task)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="due within this many days")

    def handle(self, *args, days=3, **options):
        sent = tasks_remind(days_ahead=days)
        self.stdout.write(f"{sent} reminder e-mail(s) sent.\n")
