"""Add synthetic patients to a practice (benchmarks, load tests, demos)."""

import time

from django.core.management.base import BaseCommand, CommandError

from medoffice.core.models import Practice
from medoffice.patients.models import Payer
from medoffice.patients.synthetic import generate_patients


class Command(BaseCommand):
    help = "Bulk-create synthetic patients with coverage and consents in one practice."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--practice", help="practice name (default: the first practice)")

    def handle(self, *args, count: int, seed: int, practice: str | None, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        found = Practice.objects.order_by("id")
        chosen = found.filter(name=practice).first() if practice else found.first()
        if chosen is None:
            raise CommandError(
                f"No practice named {practice!r}."
                if practice
                else "No practice exists yet: run load_demo or create one first."
            )
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if done == total or done % 100_000 == 0:
                self.stdout.write(f"  {done:,}/{total:,}")

        created = generate_patients(
            practice=chosen,
            count=count,
            seed=seed,
            providers=list(chosen.providers.filter(is_active=True)),
            locations=list(chosen.locations.all()),
            payers=list(Payer.objects.filter(is_active=True).order_by("id")),
            progress=progress,
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Added {created:,} synthetic patients to {chosen.name} in {elapsed:.1f} s."
        )
