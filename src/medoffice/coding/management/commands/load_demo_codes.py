import time

from django.core.management.base import BaseCommand

from medoffice.coding.demo import load_demo_codes
from medoffice.patients.synthetic import DEMO_SEED, demo_loading


class Command(BaseCommand):
    help = "Give the demo ICD-10-CM, placeholder CPT, a little HCPCS, modifiers, POS and TOS."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)

    def handle(self, *args, seed, **options):
        started = time.perf_counter()
        with demo_loading() as practice:
            loaded = load_demo_codes(practice=practice, seed=seed)
        big = {k: v for k, v in loaded.items() if "codes" in k or k == "favourites"}
        if big:
            summary = ", ".join(f"{n:,} {name}" for name, n in big.items())
            self.stdout.write(f"Code sets: {summary} ({time.perf_counter() - started:.1f} s).")
        else:
            self.stdout.write("Code sets already present.")
