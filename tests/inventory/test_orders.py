"""Purchase orders: drafts, approval above the threshold, e-mailed to the vendor as a PDF over
SMTP, received in parts with backorders, never more than ordered; suggestions from par."""

from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from django.core.exceptions import ValidationError

from medoffice.inventory import selectors
from medoffice.inventory.errors import OrderStateError, OverReceiptError
from medoffice.inventory.models import Lot, OrderStatus, StockMovement
from medoffice.inventory.services import (
    order_approve,
    order_close,
    order_create,
    order_receive,
    order_send,
    order_submit,
    price_record,
    reorder_drafts,
    stock_use,
)
from medoffice.worklist.models import Task
from tests.inventory.conftest import TODAY
from tests.messaging.test_transports import smtp_server  # noqa: F401 - aiosmtpd on loopback


def _order(practice, vendor, location, manager, *lines):
    return order_create(practice=practice, vendor=vendor, location=location, lines=list(lines),
                        by=manager)  # fmt: skip


def test_an_order_without_a_vendor_is_refused(practice, location, gloves, manager):
    with pytest.raises(ValidationError, match="needs a vendor"):
        _order(practice, None, location, manager, (gloves, 10, None))


def test_an_order_within_the_threshold_is_approved_at_once(
    practice, vendor, location, gloves, assistant, threshold
):
    order = _order(practice, vendor, location, assistant, (gloves, 20, Decimal("8.00")))

    order = order_submit(order=order, by=assistant)

    assert order.status == OrderStatus.APPROVED
    assert selectors.order_total(order) == Decimal("160.00")


def test_an_order_above_the_threshold_waits_for_the_office_manager(
    practice, vendor, location, gloves, assistant, manager, threshold
):
    order = _order(practice, vendor, location, assistant, (gloves, 40, Decimal("8.00")))

    order = order_submit(order=order, by=assistant)
    task = Task.objects.get(kind="approve_order", status="open")
    with pytest.raises(OrderStateError):
        order_send(order=order, by=assistant)
    order = order_approve(order=order, by=manager)

    assert order.status == OrderStatus.APPROVED
    assert order.approved_by == manager
    task.refresh_from_db()
    assert task.status == "done"


def test_the_catalogue_price_of_the_day_prices_the_order(
    practice, vendor, location, gloves, manager
):
    price_record(vendor=vendor, item=gloves, unit_price="7.90",
                 effective_on=TODAY - timedelta(days=90), vendor_sku="MW-GLV-M")  # fmt: skip
    price_record(vendor=vendor, item=gloves, unit_price="8.25",
                 effective_on=TODAY - timedelta(days=10), vendor_sku="MW-GLV-M")  # fmt: skip
    price_record(vendor=vendor, item=gloves, unit_price="9.99",
                 effective_on=TODAY + timedelta(days=30))  # fmt: skip

    order = _order(practice, vendor, location, manager, (gloves, 10, None))

    assert order.lines.get().unit_price == Decimal("8.25")
    history = list(gloves.prices.order_by("effective_on").values_list("unit_price", flat=True))
    assert history == [Decimal("7.90"), Decimal("8.25"), Decimal("9.99")]


def test_a_sent_order_reaches_the_vendor_over_smtp_with_its_pdf(
    practice,
    vendor,
    location,
    gloves,
    manager,
    smtp_server,  # noqa: F811
):
    order = order_submit(order=_order(practice, vendor, location, manager,
                                      (gloves, 20, Decimal("8.00"))), by=manager)  # fmt: skip

    order = order_send(order=order, by=manager)

    assert order.status == OrderStatus.SENT
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["orders@midwest.example"]
    received = message_from_bytes(envelope.content, policy=default_policy)
    assert received["Subject"] == f"Purchase order {order.number} from Riverside Test Practice"
    (pdf,) = [p for p in received.walk() if p.get_content_type() == "application/pdf"]
    data = pdf.get_payload(decode=True)
    assert pdf.get_filename() == f"PO-{order.number}.pdf"
    assert data.startswith(b"%PDF")
    assert f"PURCHASE ORDER {order.number}".encode() in data
    assert b"Nitrile gloves, medium" in data
    assert b"160.00" in data


def _sent(practice, vendor, location, manager, *lines):
    order = order_submit(order=_order(practice, vendor, location, manager, *lines), by=manager)
    order.vendor.email = ""  # sending is tested above; here the status is what matters
    from medoffice.inventory.models import PurchaseOrder

    PurchaseOrder.objects.filter(pk=order.pk).update(status=OrderStatus.SENT)
    order.refresh_from_db()
    return order


def test_a_delivery_in_two_lots_then_the_backorder(
    practice, vendor, location, flu_vaccine, gloves, manager, assistant
):
    order = _sent(practice, vendor, location, manager, (flu_vaccine, 20, Decimal("18.00")),
                  (gloves, 10, Decimal("8.00")))  # fmt: skip
    flu, glv = order.lines.order_by("id")
    soon, later = TODAY + timedelta(days=120), TODAY + timedelta(days=300)

    order_receive(order=order, by=assistant, receipts=[
        {"line": flu, "quantity": 6, "lot_number": "U1234AA", "expires_on": soon},
        {"line": flu, "quantity": 4, "lot_number": "U5678BB", "expires_on": later},
        {"line": glv, "quantity": 10},
    ])  # fmt: skip
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    assert selectors.on_order(practice)[(flu_vaccine.id, location.id)] == 10
    assert sorted(Lot.objects.values_list("number", "expires_on")) == [
        ("U1234AA", soon), ("U5678BB", later),
    ]  # fmt: skip

    order_receive(order=order, by=assistant, receipts=[
        {"line": flu, "quantity": 10, "lot_number": "U5678BB", "expires_on": later}])  # fmt: skip
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert selectors.balance(flu_vaccine, location) == 20
    assert order_close(order=order, by=manager).status == OrderStatus.CLOSED


def test_receiving_more_than_ordered_is_refused_whole(
    practice, vendor, location, flu_vaccine, gloves, manager, assistant
):
    order = _sent(practice, vendor, location, manager, (flu_vaccine, 10, Decimal("18.00")),
                  (gloves, 10, Decimal("8.00")))  # fmt: skip
    flu, glv = order.lines.order_by("id")

    with pytest.raises(OverReceiptError, match="only 10 still on order"):
        order_receive(order=order, by=assistant, receipts=[
            {"line": glv, "quantity": 5},
            {"line": flu, "quantity": 8, "lot_number": "A", "expires_on": TODAY + timedelta(90)},
            {"line": flu, "quantity": 3, "lot_number": "B", "expires_on": TODAY + timedelta(90)},
        ])  # fmt: skip

    assert StockMovement.objects.count() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.SENT


def test_closing_a_partly_received_order_needs_a_reason(
    practice, vendor, location, gloves, manager, assistant
):
    order = _sent(practice, vendor, location, manager, (gloves, 10, Decimal("8.00")))
    order_receive(order=order, by=assistant,
                  receipts=[{"line": order.lines.get(), "quantity": 4}])  # fmt: skip

    with pytest.raises(ValidationError, match="Say why"):
        order_close(order=order, by=manager)
    order = order_close(order=order, by=manager, reason="Discontinued by the vendor")

    assert order.status == OrderStatus.CLOSED
    assert selectors.on_order(practice) == {}


def test_reorder_suggests_up_to_par_plus_lead_time_usage_in_whole_packs(
    practice, vendor, location, gloves, stocked, assistant, manager
):
    stocked(gloves, 40)
    stock_use(item=gloves, location=location, quantity=30, by=assistant)  # 1 a day over 30

    (suggestion,) = selectors.reorder_suggestions(practice)
    # on hand 10 <= reorder point 12: up to par 40 + 7 days x 1 = 47, less 10 -> 37 -> 40
    assert (suggestion.on_hand, suggestion.quantity) == (10, 40)

    orders, orphans = reorder_drafts(practice=practice, by=manager)
    assert orphans == []
    assert [(o.vendor, o.status, o.lines.get().quantity) for o in orders] == [
        (vendor, OrderStatus.DRAFT, 40)
    ]
    assert selectors.reorder_suggestions(practice) == []  # what is on order counts
