"""Import CMS's annual HCPCS Level II file (fixed-width text or CSV) as a release."""

from medoffice.coding import services
from medoffice.coding.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import CMS's HCPCS file (HCPC<year>_..._ANWEB.txt, or its CSV) as a new release."

    def run_import(self, **kwargs):
        return services.hcpcs_release_import(**kwargs)
