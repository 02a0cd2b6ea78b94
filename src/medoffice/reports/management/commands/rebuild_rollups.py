"""medoffice reports rebuild-rollups: the dashboard's daily rollups computed afresh."""

import time

from django.core.management.base import BaseCommand

from medoffice.reports import rollups


class Command(BaseCommand):
    help = "Recompute the dashboard's rollups (visits, charges, claims per day) from scratch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true",
            help="only compare the rollups with their sources; exit 1 if they differ",
        )  # fmt: skip

    def handle(self, *args, check=False, **options):
        if check:
            differ = [k for k in rollups.KINDS if rollups.stored(k) != rollups.COMPUTE[k](None)]
            if differ:
                self.stderr.write(f"rollups differ from their sources: {', '.join(differ)}\n")
                raise SystemExit(1)
            self.stdout.write("rollups equal their sources\n")
            return
        started = time.perf_counter()
        written = rollups.rebuild()
        spent = time.perf_counter() - started
        counts = ", ".join(f"{kind} {n:,} day rows" for kind, n in written.items())
        self.stdout.write(f"{counts} ({spent:.1f} s)\n")
