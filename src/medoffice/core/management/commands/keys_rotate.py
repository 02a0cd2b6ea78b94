from django.core.management.base import BaseCommand

from medoffice.core.keys import keys_rotate


class Command(BaseCommand):
    help = "Re-seal every encrypted field under the current key of MEDOFFICE_FIELD_KEYS (AC-08)."

    def handle(self, *args, **options):
        report = keys_rotate()
        for label, count in report.resealed.items():
            self.stdout.write(f"{label}: {count} re-sealed")
        self.stdout.write(f"all sealed values now under key {report.key_id!r}")
