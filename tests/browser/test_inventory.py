"""The supply closet in a real browser: a medical assistant receives a delivery that came in
two lots and drafts the reorder the shelves call for; the office manager finds the approval on
the task list, approves the order, and sees the ECG's calibration come due on the dashboard."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from medoffice.core.roles import Role
from medoffice.inventory.models import (
    EquipmentRecord,
    InventorySettings,
    Item,
    Lot,
    MaintenancePlan,
    OrderStatus,
    PurchaseOrder,
    Vendor,
)
from medoffice.inventory.services import equipment_daily, order_create
from medoffice.scheduling.models import Equipment
from tests.clock import office_today


@pytest.fixture
def closet(practice, location):
    vendor = Vendor.objects.create(practice=practice, name="Prairie Medical Supply",
                                   email="orders@prairie.example")  # fmt: skip
    InventorySettings.objects.create(practice=practice, approval_threshold=Decimal("50"))
    flu = Item.objects.create(
        practice=practice, name="Influenza vaccine 0.5 mL", sku="FLU-Q", category="vaccine",
        unit="syringe", pack_size=10, par_level=30, reorder_point=10, lot_tracked=True,
        preferred_vendor=vendor, unit_cost=Decimal("18.00"),
    )  # fmt: skip
    Item.objects.create(
        practice=practice, name="Cyanocobalamin 1,000 mcg vial", sku="B12", category="drug",
        unit="vial", pack_size=25, par_level=25, reorder_point=5, lot_tracked=True,
        preferred_vendor=vendor, unit_cost=Decimal("2.10"),
    )  # fmt: skip
    order = order_create(practice=practice, vendor=vendor, location=location, by=None,
                         lines=[(flu, 20, Decimal("18.00"))])  # fmt: skip
    PurchaseOrder.objects.filter(pk=order.pk).update(status=OrderStatus.SENT)
    ecg = Equipment.objects.create(location=location, name="ECG cart", kind="ECG")
    record = EquipmentRecord.objects.create(equipment=ecg, asset_tag="RFM-0001", make="GE")
    MaintenancePlan.objects.create(
        record=record, kind="calibration", interval_days=365, performed_by="Heartland Biomed",
        last_done_on=office_today() - timedelta(days=360),
    )  # fmt: skip
    equipment_daily(practice=practice)
    return order


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/login/" in url)


def test_delivery_in_two_lots_reorder_approved_and_calibration_due_on_the_dashboard(
    page, login, make_user, closet
):
    soon = office_today() + timedelta(days=120)
    later = office_today() + timedelta(days=330)

    # The medical assistant receives the delivery: twelve syringes of one lot, eight of another.
    login(make_user(Role.MEDICAL_ASSISTANT))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supplies").click()
    page.get_by_role("link", name="Purchase orders").click()
    page.get_by_role("link", name=closet.number).click()
    page.get_by_label("Units of Influenza vaccine 0.5 mL (1)").fill("12")
    page.get_by_label("Lot of Influenza vaccine 0.5 mL (1)").fill("U1234AA")
    page.get_by_label("Expiry of Influenza vaccine 0.5 mL (1)").fill(soon.isoformat())
    page.get_by_label("Units of Influenza vaccine 0.5 mL (2)").fill("8")
    page.get_by_label("Lot of Influenza vaccine 0.5 mL (2)").fill("U5678BB")
    page.get_by_label("Expiry of Influenza vaccine 0.5 mL (2)").fill(later.isoformat())
    page.snap("receiving")
    page.get_by_role("button", name="Receive").click()
    expect(page.locator("#order-status")).to_have_text("Received")
    assert sorted(Lot.objects.values_list("number", flat=True)) == ["U1234AA", "U5678BB"]

    # The B12 shelf is empty: the assistant drafts the suggested order and submits it.
    page.get_by_role("link", name="Reorder").click()
    expect(page.locator("#suggestions")).to_contain_text("Cyanocobalamin")
    page.get_by_role("button", name="Make draft orders").click()
    draft = PurchaseOrder.objects.get(status=OrderStatus.DRAFT)
    page.get_by_role("link", name=draft.number).click()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#order-status")).to_have_text("Awaiting approval")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    _sign_out(page)

    # The office manager: the approval is on the task list; approve, then the dashboard.
    login(make_user(Role.OFFICE_MANAGER))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    expect(page.locator("#tasks")).to_contain_text("Calibration of ECG cart (RFM-0001) due")
    page.get_by_role("link", name=f"Approve purchase order {draft.number}").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#order-status")).to_have_text("Approved")
    draft.refresh_from_db()
    assert draft.status == OrderStatus.APPROVED

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    equipment = page.locator("#figure-equipment")
    expect(equipment).to_contain_text("1 due within 30 days")
    expect(equipment).to_contain_text("RFM-0001")
    expect(equipment).to_contain_text("Calibration")
    page.snap("dashboard")
    equipment.get_by_role("link", name="Equipment due for upkeep or in repair").click()
    expect(page.locator("#figure-rows")).to_contain_text("ECG cart")
