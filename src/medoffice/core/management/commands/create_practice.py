from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from medoffice.core.models import Practice


class Command(BaseCommand):
    help = "Create a practice (first step of an installation); add locations in Configuration."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--group-npi", default="")
        parser.add_argument("--tax-id", default="")

    @transaction.atomic
    def handle(self, *args, name, group_npi, tax_id, **options):
        if Practice.objects.filter(name=name).exists():
            raise CommandError(f"a practice named {name!r} exists already")
        practice = Practice(name=name, group_npi=group_npi, tax_id=tax_id)
        try:
            practice.full_clean()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        practice.save()
        self.stdout.write(f"created practice {name}")
