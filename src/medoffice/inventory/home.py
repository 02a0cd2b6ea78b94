"""Home-page cards of supplies (core/home.py): items to reorder, equipment upkeep due."""

from django.urls import reverse

from medoffice.core.access import practice_for
from medoffice.core.home import Card, Count, home_card
from medoffice.inventory import selectors
from medoffice.inventory.views import EQUIPMENT, VIEW


@home_card(permission=VIEW, order=80)
def supplies(user) -> Card:
    rows = selectors.stock_below_reorder_point(practice_for(user))
    url = reverse("inventory:stock-list")
    return Card("Supplies", url, [Count("At or below reorder point", len(rows), url)])


@home_card(permission=EQUIPMENT, order=82)
def equipment(user) -> Card:
    due = selectors.equipment_due(practice_for(user), within_days=30)
    url = reverse("inventory:equipment-list")
    return Card("Equipment", url, [Count("Upkeep due in 30 days", len(due), url)])
