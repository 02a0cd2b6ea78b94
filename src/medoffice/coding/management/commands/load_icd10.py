"""Load ICD-10-CM from the installed simple-icd-10-cm beside the releases already loaded."""

import time

from django.core.management.base import BaseCommand

from medoffice.coding import loaders, services
from medoffice.coding.errors import CodingError
from medoffice.coding.management.commands._options import parse_date, refuse
from medoffice.core.context import Actor, reset_actor, set_actor


class Command(BaseCommand):
    help = "Load the ICD-10-CM year of the installed simple-icd-10-cm as a new release."

    def add_arguments(self, parser):
        parser.add_argument(
            "--release", help="release name (default: its year); `medoffice codes` --version"
        )
        parser.add_argument(
            "--effective-from", help="first day in force, YYYY-MM-DD (default: 1 October before)"
        )
        parser.add_argument("--replace", action="store_true", help="reload an existing version")

    def handle(self, *args, release=None, effective_from=None, replace=False, **options):
        edition = loaders.icd10cm_package_edition()
        started = time.perf_counter()
        token = set_actor(Actor(None, "medoffice codes", "", "", ""))
        try:
            outcome = services.icd10_release_load(
                version=release or edition.version,
                effective_from=parse_date(effective_from, "--effective-from")
                or edition.effective_from,
                source=edition.source,
                records=loaders.icd10cm_records(),
                replace=replace,
            )
        except CodingError as exc:
            raise refuse(self, exc) from exc
        finally:
            reset_actor(token)
        release = outcome.release
        self.stdout.write(
            f"Loaded {release}: {outcome.imported:,} codes, in force from "
            f"{release.effective_from}, in {time.perf_counter() - started:.1f} s "
            f"(data: {edition.source})."
        )
