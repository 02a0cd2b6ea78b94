"""medoffice era import FILE... | era pickup: post ERA (835) remittances.

Exit 0 when every file was posted or had been posted already (each line says which);
exit 1 when a file was rejected (the reason printed, nothing of it posted) or unreadable.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import practice_id
from medoffice.payments.era import era_import, era_pick_up


class Command(BaseCommand):
    help = "Import and post ERA (835) files, or pick them up from the clearinghouse."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="post 835 files")
        imp.add_argument("files", nargs="+")
        imp.add_argument("--practice", help="practice name (default: the only one)")
        pick = sub.add_parser("pickup", help="post the 835s waiting in the clearinghouse inbox")
        pick.add_argument("--practice", help="practice name (default: the only one)")

    def handle(self, *args, action, practice=None, files=(), **options):
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        if action == "pickup":
            from medoffice.billing.models import ClearinghouseConnection

            results = []
            for connection in ClearinghouseConnection.objects.filter(
                practice_id=found, is_active=True
            ):
                results.extend(era_pick_up(connection))
            if not results:
                self.stdout.write("No remittances waiting.\n")
        else:
            results = []
            for name in files:
                path = Path(name)
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    self.stderr.write(f"{name}: rejected: cannot read it ({exc.strerror})\n")
                    results.append(None)
                    continue
                results.append(era_import(data, practice=found, name=path.name, origin="command"))
        failed = 0
        for result in results:
            if result is None:
                failed += 1
                continue
            if result.status == "rejected":
                failed += 1
                self.stderr.write(f"{result.name}: rejected: {result.message}\n")
            elif result.status == "already_posted":
                self.stdout.write(f"{result.name}: {result.message}\n")
            else:
                self.stdout.write(f"{result.name}: {result.message}\n")
        if failed:
            raise CommandError(f"{failed} file(s) rejected: nothing of them was posted")
