from django.core.management.base import BaseCommand

from medoffice.eligibility.demo import DAYS, load_demo_eligibility
from medoffice.patients.synthetic import demo_loading


class Command(BaseCommand):
    help = "Check eligibility of the demo practice's visits of the next days (once)."

    def handle(self, *args, **options):
        with demo_loading() as practice:
            loaded = load_demo_eligibility(practice=practice)
        if loaded["created"]:
            self.stdout.write(
                f"Eligibility: {loaded['asked']} visits of the next {DAYS} days checked with the"
                f" simulated payer ({loaded['self_pay']} self-pay)."
            )
        else:
            self.stdout.write("Eligibility checks already present.")
