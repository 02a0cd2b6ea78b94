"""medoffice inventory reorder [--dry-run]: the suggested orders, or draft orders made of them."""

from django.core.management.base import BaseCommand, CommandError

from medoffice.coding.management.commands._options import practice_id
from medoffice.core.models import Location, Practice
from medoffice.inventory.selectors import reorder_suggestions
from medoffice.inventory.services import reorder_drafts


class Command(BaseCommand):
    help = "Suggest orders from par levels, reorder points and recent usage."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print, make no orders")
        parser.add_argument("--practice", help="practice name (default: the only one)")

    def handle(self, *args, dry_run=False, practice=None, **options):
        found = practice_id(practice)
        if found is None:
            raise CommandError("no practice yet: create one first")
        practice = Practice.objects.get(pk=found)
        names = dict(Location.objects.filter(practice=practice).values_list("id", "name"))
        suggestions = reorder_suggestions(practice)
        if not suggestions:
            self.stdout.write("Nothing to order: every item is above its reorder point.\n")
            return
        for s in suggestions:
            self.stdout.write(
                f"{s.item.sku:<12} {s.item.name[:36]:<36} {names[s.location_id][:14]:<14} "
                f"on hand {s.on_hand:>4}  on order {s.on_order:>4}  order {s.quantity:>5} "
                f"{s.item.unit:<8} {s.vendor.name if s.vendor else 'NO VENDOR':<24} "
                f"${s.amount}\n"
            )
        if dry_run:
            self.stdout.write(f"{len(suggestions)} suggestion(s); --dry-run: no orders made.\n")
            return
        orders, orphans = reorder_drafts(practice=practice, by=None)
        for order in orders:
            self.stdout.write(f"Draft order {order.number} to {order.vendor}.\n")
        for orphan in orphans:
            self.stderr.write(f"{orphan.item.sku}: no preferred vendor, not ordered.\n")
