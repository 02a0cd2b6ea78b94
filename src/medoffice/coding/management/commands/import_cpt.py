"""Import the practice's licensed CPT file (CSV: code, descriptor) as a release."""

from medoffice.coding import services
from medoffice.coding.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import the practice's licensed CPT file (CSV: code, descriptor[, long descriptor])."

    def run_import(self, **kwargs):
        return services.cpt_release_import(**kwargs)
