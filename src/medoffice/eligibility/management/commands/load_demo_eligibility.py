from django.core.management.base import BaseCommand, CommandError

from medoffice.core.context import Actor, acting_as
from medoffice.core.models import Practice
from medoffice.eligibility.demo import DAYS, load_demo_eligibility
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME


class Command(BaseCommand):
    help = "Check eligibility of the demo practice's visits of the next days (once)."

    def handle(self, *args, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        with acting_as(Actor(None, "medoffice demo", "")):
            loaded = load_demo_eligibility(practice=practice)
        if loaded["created"]:
            self.stdout.write(
                f"Eligibility: {loaded['asked']} visits of the next {DAYS} days checked with the"
                f" simulated payer ({loaded['self_pay']} self-pay)."
            )
        else:
            self.stdout.write("Eligibility checks already present.")
