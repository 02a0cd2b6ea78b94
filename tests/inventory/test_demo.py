"""The demo practice gets a closet worth looking at: items below their reorder point, lots in
FEFO order, an order waiting for approval, one partly received, and a calibration due."""

from medoffice.inventory import selectors
from medoffice.inventory.demo import load_demo_inventory
from medoffice.inventory.models import OrderStatus, PurchaseOrder
from medoffice.worklist.models import Task


def test_the_demo_closet_has_something_for_each_screen(practice, location):
    loaded = load_demo_inventory(practice=practice)

    assert loaded["created"]
    assert load_demo_inventory(practice=practice) == {"created": False}
    statuses = set(PurchaseOrder.objects.values_list("status", flat=True))
    assert statuses == {OrderStatus.AWAITING_APPROVAL, OrderStatus.PARTIAL}
    assert selectors.stock_below_reorder_point(practice)
    assert selectors.reorder_suggestions(practice)
    assert Task.objects.filter(kind="equipment_due", title__startswith="Calibration of ECG cart")
    assert Task.objects.filter(kind="approve_order")
