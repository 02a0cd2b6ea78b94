import time

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.demo import load_demo_codes
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.patients.synthetic import DEMO_PRACTICE_NAME, DEMO_SEED


class Command(BaseCommand):
    help = "Give the demo ICD-10-CM, placeholder CPT, a little HCPCS, modifiers, POS and TOS."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)

    def handle(self, *args, seed, **options):
        practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
        if practice is None:
            raise CommandError("load the demo practice first (load_demo)")
        started = time.perf_counter()
        token = set_actor(Actor(None, "medoffice demo", "", "", ""))
        try:
            loaded = load_demo_codes(practice=practice, seed=seed)
        finally:
            reset_actor(token)
        big = {k: v for k, v in loaded.items() if "codes" in k or k == "favourites"}
        if big:
            summary = ", ".join(f"{n:,} {name}" for name, n in big.items())
            self.stdout.write(f"Code sets: {summary} ({time.perf_counter() - started:.1f} s).")
        else:
            self.stdout.write("Code sets already present.")
