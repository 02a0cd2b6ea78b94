"""The closet's REST API with its role checks: clinicians see stock but never prices or
orders; a delivery of more than was ordered is a 400 problem and saves nothing."""

import json
from decimal import Decimal

from medoffice.core.roles import Role
from medoffice.inventory.models import Lot, OrderStatus, PurchaseOrder, StockMovement
from medoffice.inventory.services import order_create
from tests.inventory.conftest import TODAY


def test_clinicians_get_stock_from_the_api_but_no_prices_or_orders(
    gloves, stocked, make_user, client_for, manager
):
    stocked(gloves, 30)
    clinician = client_for(make_user(Role.CLINICIAN))

    (item,) = clinician.get("/api/inventory/items/").json()
    stock = clinician.get(f"/api/inventory/items/{gloves.public_id}/stock/").json()

    assert (item["name"], item["on_hand"]) == ("Nitrile gloves, medium", 30)
    assert "unit_cost" not in item
    assert [row["on_hand"] for row in stock] == [30]
    assert clinician.get("/api/inventory/orders/").status_code == 403
    (priced,) = client_for(manager).get("/api/inventory/items/").json()
    assert Decimal(priced["unit_cost"]) == gloves.unit_cost


def test_receiving_more_than_ordered_over_the_api_is_refused_whole(
    practice, vendor, location, flu_vaccine, gloves, manager, assistant, client_for
):
    order = order_create(practice=practice, vendor=vendor, location=location, by=manager,
                         lines=[(flu_vaccine, 20, Decimal("18.00")),
                                (gloves, 10, Decimal("8.00"))])  # fmt: skip
    PurchaseOrder.objects.filter(pk=order.pk).update(status=OrderStatus.SENT)
    flu, glv = order.lines.order_by("id")
    soon = (TODAY.replace(year=TODAY.year + 1)).isoformat()

    response = client_for(assistant).post(
        f"/api/inventory/orders/{order.public_id}/receive/",
        data=json.dumps({"receipts": [
            {"line": glv.id, "quantity": 10},
            {"line": flu.id, "quantity": 12, "lot_number": "U1", "expires_on": soon},
            {"line": flu.id, "quantity": 9, "lot_number": "U2", "expires_on": soon},
        ]}),
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    (why,) = response.json()["errors"]["quantity"]
    assert "21 received but only 20 still on order" in why
    assert not StockMovement.objects.exists()
    assert not Lot.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.SENT
