"""The demo practice's supply closet and equipment register (idempotent, demo data only).

Two vendors with catalogue prices and a price change, a dozen items from gloves to flu
vaccine (mapped to 90686, on the demo superbill) and B12 injections (J3420), receipts in
lots with expiry dates (one lot about to expire, one expired and quarantined), a month of
use so the reorder suggestions have something to go on, an order waiting for the office
manager's approval and one partly received; the ECG cart registered with its calibration
coming due within the notice period, a spirometer and an autoclave with their upkeep.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from medoffice.core.clock import today_at
from medoffice.core.models import Location, Practice
from medoffice.inventory.models import (
    EquipmentRecord,
    InventorySettings,
    Item,
    MaintenancePlan,
    OrderStatus,
    PurchaseOrder,
    Vendor,
)
from medoffice.inventory.services import (
    equipment_daily,
    order_create,
    order_receive,
    order_submit,
    price_record,
    stock_receive,
    stock_use,
)
from medoffice.scheduling.models import Equipment

# sku, name, category, unit, pack, par, reorder point, unit price, lot tracked, billing code,
# storage, units received, units used over the last month
ITEMS = (
    ("GLV-M", "Nitrile exam gloves, medium", "supply", "box", 10, 40, 12, "8.50", False, "",
     "Supply room B1", 30, 26),
    ("GLV-L", "Nitrile exam gloves, large", "supply", "box", 10, 30, 10, "8.50", False, "",
     "Supply room B1", 24, 11),
    ("GZ-44", "Gauze sponges 4x4, sterile", "supply", "pack", 25, 100, 30, "0.45", False, "",
     "Supply room B2", 120, 40),
    ("SYR-3", "Syringe 3 mL with 25G needle", "supply", "each", 100, 300, 100, "0.22", False,
     "", "Supply room B3", 400, 180),
    ("ALC-PAD", "Alcohol prep pads", "supply", "box", 10, 20, 6, "2.10", False, "",
     "Supply room B3", 20, 9),
    ("ECG-EL", "ECG electrodes, resting tab", "supply", "pack", 10, 30, 10, "4.75", False, "",
     "Exam 3 cabinet", 20, 14),
    ("STRIP-UA", "Urinalysis reagent strips (100)", "supply", "bottle", 1, 6, 2, "24.00",
     False, "", "Lab", 5, 2),
    ("FLU-Q", "Influenza vaccine quadrivalent 0.5 mL PFS", "vaccine", "syringe", 10, 60, 20,
     "18.40", True, "90686", "Vaccine fridge", 60, 35),
    ("TDAP", "Tdap vaccine 0.5 mL PFS", "vaccine", "syringe", 10, 20, 5, "42.00", True, "",
     "Vaccine fridge", 10, 3),
    ("B12-1000", "Cyanocobalamin 1,000 mcg/mL vial", "drug", "vial", 25, 25, 8, "2.10", True,
     "J3420", "Medication cabinet", 25, 9),
    ("PAPER-X", "Exam table paper 21 in", "office", "roll", 12, 24, 8, "6.30", False, "",
     "Supply room A", 24, 10),
    ("TONER", "Printer toner, front desk", "office", "cartridge", 1, 3, 1, "89.00", False, "",
     "Front office", 2, 1),
)  # fmt: skip


@transaction.atomic
def load_demo_inventory(*, practice: Practice, user=None) -> dict:
    if Vendor.objects.filter(practice=practice).exists():
        return {"created": False}
    location = Location.objects.filter(practice=practice).order_by("id").first()
    now, today = timezone.now(), today_at(location)
    InventorySettings.objects.create(practice=practice, approval_threshold=Decimal("500.00"))
    supplier = Vendor.objects.create(
        practice=practice, name="Prairie Medical Supply", email="orders@prairie-med.example",
        phone="(217) 555-0190", account_number="RFM-20417", contact="Dana Brooks",
        services="Medical and office supplies, vaccines",
    )  # fmt: skip
    biomed = Vendor.objects.create(
        practice=practice, name="Heartland Biomedical Services", email="service@hbs.example",
        phone="(217) 555-0163", account_number="HBS-881", services="Equipment repair, calibration",
    )  # fmt: skip
    items = {}
    for (sku, name, category, unit, pack, par, point, price, lots, code, storage, got,
         used) in ITEMS:  # fmt: skip
        item = Item.objects.create(
            practice=practice, sku=sku, name=name, category=category, unit=unit, pack_size=pack,
            par_level=par, reorder_point=point, unit_cost=Decimal(price), lot_tracked=lots,
            billing_code=code, storage=storage, preferred_vendor=supplier,
        )  # fmt: skip
        old = (Decimal(price) * Decimal("0.94")).quantize(Decimal("0.01"))
        price_record(vendor=supplier, item=item, unit_price=old, vendor_sku=f"PM-{sku}",
                     effective_on=today - timedelta(days=200))  # fmt: skip
        price_record(vendor=supplier, item=item, unit_price=price, vendor_sku=f"PM-{sku}",
                     effective_on=today - timedelta(days=40))  # fmt: skip
        items[sku] = item
        if lots:
            first = max(got // 3, 1)
            for number, units, days in (("A1", first, 20), ("B7", got - first, 300)):
                stock_receive(item=item, location=location, quantity=units, by=user,
                              lot_number=f"{sku[:3]}{today:%y}{number}", unit_cost=price,
                              expires_on=today + timedelta(days=days))  # fmt: skip
        else:
            stock_receive(item=item, location=location, quantity=got, by=user, unit_cost=price)
        if used:
            stock_use(item=item, location=location, quantity=used, by=user, note="demo: a month")
    # An order over the approval threshold waiting for the office manager.
    big = order_create(practice=practice, vendor=supplier, location=location, by=user,
                       lines=[(items["FLU-Q"], 40, None), (items["GLV-M"], 30, None)],
                       note="Flu season")  # fmt: skip
    order_submit(order=big, by=user)
    # A sent order that came in part: the gloves arrived, the paper is backordered.
    partial = order_create(
        practice=practice,
        vendor=supplier,
        location=location,
        by=user,
        lines=[(items["GLV-L"], 10, None), (items["PAPER-X"], 24, None)],
    )
    PurchaseOrder.objects.filter(pk=partial.pk).update(status=OrderStatus.SENT, sent_at=now)
    partial.refresh_from_db()
    order_receive(
        order=partial,
        by=user,
        receipts=[{"line": partial.lines.get(item=items["GLV-L"]), "quantity": 10}],
    )
    # The equipment register.
    ecg = Equipment.objects.filter(location__practice=practice, kind="ECG").first()
    if ecg is None:
        ecg = Equipment.objects.create(location=location, name="ECG cart", kind="ECG")
    registered = []
    for equipment, tag, make, model, serial, plans in (
        (ecg, "RFM-0001", "GE Healthcare", "MAC 2000", "SN55012871",
         (("calibration", 365, 360), ("preventive", 180, 40))),
        (Equipment.objects.create(location=location, name="Spirometer", kind="Spirometry"),
         "RFM-0002", "MGC Diagnostics", "CPFS/D USB", "SN3310096",
         (("calibration", 90, 70),)),
        (Equipment.objects.create(location=location, name="Autoclave", kind="Sterilizer"),
         "RFM-0003", "Midmark", "M11", "SN-M11-44120", (("preventive", 30, 12),)),
    ):  # fmt: skip
        record = EquipmentRecord.objects.create(
            equipment=equipment, asset_tag=tag, make=make, model=model, serial_number=serial,
            vendor=biomed, service_contract="Annual PM and calibration",
            contract_ends_on=today + timedelta(days=200),
            warranty_ends_on=today + timedelta(days=400), in_service_on=today - timedelta(days=900),
        )  # fmt: skip
        for kind, interval, ago in plans:
            MaintenancePlan.objects.create(record=record, kind=kind, interval_days=interval,
                                           last_done_on=today - timedelta(days=ago),
                                           performed_by=biomed.name)  # fmt: skip
        registered.append(record)
    daily = equipment_daily(practice=practice)
    return {"created": True, "items": len(items), "equipment": len(registered), **daily}
