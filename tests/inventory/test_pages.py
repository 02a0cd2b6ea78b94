"""The closet's screens: clinicians see stock but no prices; assistants receive a delivery in
two lots through the form; an over-receipt is refused with the reason on the page; the
dashboard shows the figures and opens each to its list and CSV."""

from datetime import timedelta
from decimal import Decimal

import pytest

from medoffice.core.roles import Role
from medoffice.inventory.models import OrderStatus, PurchaseOrder, StockMovement
from medoffice.inventory.services import order_create
from tests.inventory.conftest import TODAY


@pytest.fixture
def sent_order(practice, vendor, location, flu_vaccine, gloves, manager):
    order = order_create(practice=practice, vendor=vendor, location=location, by=manager,
                         lines=[(flu_vaccine, 20, Decimal("18.00")),
                                (gloves, 10, Decimal("8.00"))])  # fmt: skip
    PurchaseOrder.objects.filter(pk=order.pk).update(status=OrderStatus.SENT)
    return order


def test_clinicians_see_stock_but_not_prices(gloves, stocked, make_user, client_for, manager):
    stocked(gloves, 30)
    clinician = client_for(make_user(Role.CLINICIAN))
    office_manager = client_for(manager)

    page = clinician.get("/inventory/").content.decode()
    item = clinician.get(f"/inventory/items/{gloves.public_id}/").content.decode()
    assert "Nitrile gloves, medium" in page
    assert "30 box" in page
    assert "$8.50" not in page
    assert "Unit cost" not in page
    assert "$" not in item
    assert clinician.get("/inventory/orders/").status_code == 403
    assert "$8.50" in office_manager.get("/inventory/").content.decode()


def test_an_assistant_receives_two_lots_through_the_form(sent_order, assistant, client_for):
    flu, glv = sent_order.lines.order_by("id")
    client = client_for(assistant)
    soon, later = TODAY + timedelta(days=100), TODAY + timedelta(days=300)

    response = client.post(f"/inventory/orders/{sent_order.public_id}/receive/", {
        f"line_{flu.id}_0": flu.id, f"qty_{flu.id}_0": "12", f"lot_{flu.id}_0": "U1",
        f"exp_{flu.id}_0": soon.isoformat(),
        f"line_{flu.id}_1": flu.id, f"qty_{flu.id}_1": "8", f"lot_{flu.id}_1": "U2",
        f"exp_{flu.id}_1": later.isoformat(),
        f"line_{glv.id}_0": glv.id, f"qty_{glv.id}_0": "",
    })  # fmt: skip

    assert response.status_code == 302
    sent_order.refresh_from_db()
    assert sent_order.status == OrderStatus.PARTIAL
    assert sorted(StockMovement.objects.values_list("lot__number", "quantity")) == [
        ("U1", 12), ("U2", 8),
    ]  # fmt: skip
    page = client.get(f"/inventory/orders/{sent_order.public_id}/").content.decode()
    assert "Partly received" in page


def test_receiving_more_than_ordered_shows_why_and_saves_nothing(sent_order, assistant, client_for):
    glv = sent_order.lines.order_by("id")[1]
    response = client_for(assistant).post(
        f"/inventory/orders/{sent_order.public_id}/receive/",
        {f"line_{glv.id}_0": glv.id, f"qty_{glv.id}_0": "11"},
    )

    assert response.status_code == 422
    assert "11 received but only 10 still on order" in response.content.decode()
    assert StockMovement.objects.count() == 0


def test_using_an_expired_lot_on_the_item_page_is_refused_with_the_reason(
    flu_vaccine, stocked, assistant, client_for, location, freeze
):
    from django.utils import timezone

    lot = stocked(flu_vaccine, 2, lot="OLD", expires=TODAY + timedelta(days=1)).lot
    freeze(timezone.now() + timedelta(days=3))

    response = client_for(assistant).post(f"/inventory/items/{flu_vaccine.public_id}/move/", {
        "action": "use", "location": location.pk, "quantity": 1, "lot": lot.public_id,
    })  # fmt: skip

    assert response.status_code == 422
    assert "expired" in response.content.decode()
    assert StockMovement.objects.count() == 1


def test_the_dashboard_shows_each_figure_linked_to_its_list_and_csv(
    manager, client_for, gloves, stocked
):
    stocked(gloves, 5)  # below the reorder point of 12
    client = client_for(manager)

    page = client.get("/dashboard/").content.decode()
    for key in ("appointments", "no-shows", "waits", "utilisation", "charges", "supplies",
                "equipment"):  # fmt: skip
        assert f'id="figure-{key}"' in page, key
    assert "1 item(s) at or below the reorder point" in page
    assert "<svg" in page
    listing = client.get("/dashboard/figure/?key=supplies").content.decode()
    assert "Nitrile gloves, medium" in listing
    exported = client.get("/dashboard/figure/?key=supplies&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    assert exported.content.decode().splitlines()[0] == "Item,Location,Usable,Reorder point,Par"
    assert client.get("/dashboard/figure/?key=nope").status_code == 404
