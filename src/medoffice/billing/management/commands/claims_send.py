"""`medoffice claims send`: build, scrub and send every ready claim of a practice."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.billing.exchange import claims_send
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice


def practice_named(name: str | None) -> Practice:
    practices = Practice.objects.all()
    if name:
        practices = practices.filter(name=name)
    if practices.count() != 1:
        raise CommandError(
            "name the practice with --practice" if practices.exists() else "no such practice"
        )
    return practices.get()


class Command(BaseCommand):
    help = "Build, scrub and send every ready claim (837P) through the clearinghouse connection."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="practice name (default: the only practice)")
        parser.add_argument(
            "--dry-run", action="store_true", help="write the 837P files to --out; send nothing"
        )
        parser.add_argument("--out", help="directory for the dry run's files")

    def handle(self, *args, practice=None, dry_run=False, out=None, **options):
        if dry_run and not out:
            raise CommandError("--dry-run writes its files to a directory: give --out DIR")
        chosen = practice_named(practice)
        token = set_actor(Actor(None, "medoffice claims", "", "", ""))
        try:
            report = claims_send(
                practice_id=chosen.id, dry_run=dry_run, out_dir=Path(out) if out else None
            )
        finally:
            reset_actor(token)
        self.stdout.write(
            f"claims made: {report.built}; clean: {report.scrubbed_clean}; "
            f"held back with scrubber errors: {report.with_errors}"
        )
        for payer, count in report.unrouted.items():
            self.stdout.write(f"no clearinghouse connection for {payer}: {count} claim(s) wait")
        if dry_run:
            for path in report.written:
                self.stdout.write(f"written (not sent): {path}")
            self.stdout.write("dry run: nothing was sent and no claim changed")
            return
        self.stdout.write(f"claims sent: {report.sent_claims}")
        waiting = [o for o in report.batches if not o.sent]
        for outcome in waiting:
            self.stdout.write(
                f"batch {outcome.batch.interchange_control:09d} queued, not sent: {outcome.error}"
            )
        if waiting:
            raise CommandError(
                f"{len(waiting)} batch(es) could not be sent; they are tried again by the worker"
            )
