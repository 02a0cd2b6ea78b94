"""Reads of the supply closet and the equipment register: balances derived from the ledger."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from medoffice.core.clock import today_at
from medoffice.core.models import Location
from medoffice.core.money import ZERO, extend
from medoffice.inventory.models import (
    InventorySettings,
    Item,
    Lot,
    MaintenancePlan,
    MovementKind,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ServiceTicket,
    StockMovement,
    TicketStatus,
    VendorPrice,
)
from medoffice.inventory.rules import LotStock, reorder_quantity, usable
from medoffice.inventory.states import OPEN


def settings_for(practice) -> InventorySettings:
    found = InventorySettings.objects.filter(practice=practice).first()
    return found or InventorySettings(practice=practice)


def balance(item, location, lot=None) -> int:
    moves = StockMovement.objects.filter(item=item, location=location)
    if lot is not None:
        moves = moves.filter(lot=lot)
    return moves.aggregate(n=Sum("quantity"))["n"] or 0


def lot_stock(item, location) -> list[LotStock]:
    """Per lot (None for an item without lots): units on hand at the location."""
    rows = (
        StockMovement.objects.filter(item=item, location=location)
        .values("lot_id")
        .annotate(n=Sum("quantity"))
    )
    lots = Lot.objects.in_bulk([r["lot_id"] for r in rows if r["lot_id"]])
    result = []
    for row in rows:
        lot = lots.get(row["lot_id"])
        result.append(
            LotStock(
                lot_id=row["lot_id"],
                expires_on=lot.expires_on if lot else None,
                on_hand=row["n"] or 0,
                quarantined=lot.quarantined if lot else False,
            )
        )
    return result


@dataclass(frozen=True)
class StockRow:
    item: Item
    location_id: int
    on_hand: int
    usable: int
    expired: int
    value: Decimal

    @property
    def below_reorder_point(self) -> bool:
        return self.usable <= self.item.reorder_point


def stock_levels(practice, *, location_ids=None, today: date | None = None) -> list[StockRow]:
    """Every active item at every location it has been stocked at (or the given ones)."""
    today = today or today_at(practice)
    items = {i.id: i for i in Item.objects.filter(practice=practice, is_active=True)}
    moves = StockMovement.objects.filter(item_id__in=list(items))
    if location_ids:
        moves = moves.filter(location_id__in=location_ids)
    per = defaultdict(list)
    lots = {lot.id: lot for lot in Lot.objects.filter(item_id__in=list(items))}
    for row in moves.values("item_id", "location_id", "lot_id").annotate(n=Sum("quantity")):
        lot = lots.get(row["lot_id"])
        per[(row["item_id"], row["location_id"])].append(
            LotStock(row["lot_id"], lot.expires_on if lot else None, row["n"] or 0,
                     lot.quarantined if lot else False)
        )  # fmt: skip
    result = []
    for (item_id, location_id), stock in per.items():
        item = items[item_id]
        on_hand = sum(s.on_hand for s in stock)
        good = sum(s.on_hand for s in stock if usable(s, today))
        result.append(
            StockRow(item, location_id, on_hand, good, on_hand - good,
                     extend(item.unit_cost, on_hand))
        )  # fmt: skip
    return sorted(result, key=lambda r: (r.item.name, r.location_id))


def stock_levels_with_empty(practice, *, location_ids=None, today=None) -> list[StockRow]:
    """`stock_levels`, plus a zero row at the main location (the first) for each item with a
    par level that was never received anywhere: it is to be ordered too."""
    rows = stock_levels(practice, location_ids=location_ids, today=today)
    stocked = set(StockMovement.objects.filter(item__practice=practice).values_list(
        "item_id", flat=True).distinct())  # fmt: skip
    main = Location.objects.filter(practice=practice)
    if location_ids:
        main = main.filter(id__in=location_ids)
    main = main.order_by("id").first()
    if main is not None:
        for item in Item.objects.filter(practice=practice, is_active=True, par_level__gt=0
                                        ).exclude(id__in=stocked):  # fmt: skip
            rows.append(StockRow(item, main.id, 0, 0, 0, ZERO))
    return rows


def stock_below_reorder_point(practice, *, location_ids=None) -> list[StockRow]:
    rows = stock_levels_with_empty(practice, location_ids=location_ids)
    return [r for r in rows if r.below_reorder_point]


def lots_expiring(practice, *, within_days: int = 60, today: date | None = None):
    today = today or today_at(practice)
    return Lot.objects.filter(
        item__practice=practice, expires_on__lte=today + timedelta(days=within_days)
    ).select_related("item")


def on_order(practice) -> dict[tuple[int, int], int]:
    """(item, location) -> units ordered and not yet received on open orders."""
    result: dict[tuple[int, int], int] = defaultdict(int)
    lines = PurchaseOrderLine.objects.filter(
        order__practice=practice, order__status__in=OPEN
    ).annotate(got=Sum("receipts__quantity"))
    for line in lines.select_related("order"):
        result[(line.item_id, line.order.location_id)] += max(line.quantity - (line.got or 0), 0)
    return result


def current_price(item, vendor, on: date | None = None) -> Decimal | None:
    on = on or timezone.localdate()
    price = (
        VendorPrice.objects.filter(item=item, vendor=vendor, effective_on__lte=on)
        .order_by("-effective_on")
        .first()
    )
    return price.unit_price if price else None


@dataclass(frozen=True)
class Suggestion:
    item: Item
    location_id: int
    on_hand: int
    on_order: int
    daily_usage: float
    quantity: int
    vendor: object
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return extend(self.unit_price, self.quantity)


def reorder_suggestions(practice, *, location_ids=None, today: date | None = None):
    """What to order now, per item and location: par levels, recent usage, open orders."""
    today = today or today_at(practice)
    config = settings_for(practice)
    since = timezone.now() - timedelta(days=config.usage_days)
    used = defaultdict(int)
    for row in (
        StockMovement.objects.filter(
            item__practice=practice, at__gte=since,
            kind__in=[MovementKind.USE, MovementKind.ADMINISTER],
        )
        .values("item_id", "location_id")
        .annotate(n=Sum("quantity"))
    ):  # fmt: skip
        used[(row["item_id"], row["location_id"])] = -(row["n"] or 0)
    ordered = on_order(practice)
    result = []
    for row in stock_levels_with_empty(practice, location_ids=location_ids, today=today):
        key = (row.item.id, row.location_id)
        daily = used[key] / config.usage_days
        quantity = reorder_quantity(
            on_hand=row.usable, on_order=ordered[key], reorder_point=row.item.reorder_point,
            par_level=row.item.par_level, daily_usage=daily, lead_days=config.lead_days,
            pack_size=row.item.pack_size,
        )  # fmt: skip
        if not quantity:
            continue
        vendor = row.item.preferred_vendor
        price = current_price(row.item, vendor, today) if vendor else None
        result.append(
            Suggestion(row.item, row.location_id, row.usable, ordered[key], daily, quantity,
                       vendor, price if price is not None else row.item.unit_cost)
        )  # fmt: skip
    return result


def order_total(order: PurchaseOrder) -> Decimal:
    return sum((extend(line.unit_price, line.quantity) for line in order.lines.all()), ZERO)


def received_by_line(order: PurchaseOrder) -> dict[int, int]:
    rows = StockMovement.objects.filter(order_line__order=order).values("order_line_id")
    return {r["order_line_id"]: r["n"] for r in rows.annotate(n=Sum("quantity"))}


def orders_awaiting_approval(practice):
    return PurchaseOrder.objects.filter(practice=practice, status=OrderStatus.AWAITING_APPROVAL)


@dataclass(frozen=True)
class DueRow:
    plan: MaintenancePlan
    due_on: date | None

    @property
    def overdue(self) -> bool:
        return self.due_on is None or self.due_on <= today_at(self.plan.record.equipment.location)


def equipment_due(practice, *, within_days: int = 30, location_ids=None) -> list[DueRow]:
    """Maintenance and calibration due within `within_days` (or never done), soonest first."""
    today = today_at(practice)
    plans = MaintenancePlan.objects.filter(
        record__equipment__location__practice=practice, record__equipment__is_active=True
    ).select_related("record__equipment__location")
    if location_ids:
        plans = plans.filter(record__equipment__location_id__in=location_ids)
    rows = [DueRow(p, p.next_due_on) for p in plans]
    horizon = today + timedelta(days=within_days)
    due = [r for r in rows if r.due_on is None or r.due_on <= horizon]
    return sorted(due, key=lambda r: r.due_on or date.min)


def tickets_open(practice, *, location_ids=None):
    tickets = ServiceTicket.objects.filter(record__equipment__location__practice=practice).exclude(
        status__in=[TicketStatus.RETURNED, TicketStatus.CLOSED]
    )
    if location_ids:
        tickets = tickets.filter(record__equipment__location_id__in=location_ids)
    return tickets.select_related("record__equipment")


def movements_for(practice, *, item=None, kinds=None, since=None, until=None):
    moves = StockMovement.objects.filter(item__practice=practice)
    if item is not None:
        moves = moves.filter(item=item)
    if kinds:
        moves = moves.filter(kind__in=kinds)
    if since is not None:
        moves = moves.filter(at__gte=since)
    if until is not None:
        moves = moves.filter(at__lt=until)
    return moves.select_related("item", "lot", "location")


def administered_to(patient):
    """Vaccine and drug lots given to a patient (the chart's record of what went in)."""
    return StockMovement.objects.filter(
        Q(patient=patient), kind=MovementKind.ADMINISTER
    ).select_related("item", "lot")


def open_orders_by_vendor(practice) -> dict[int, int]:
    """vendor id -> purchase orders not yet closed or cancelled."""
    rows = (
        PurchaseOrder.objects.filter(practice=practice)
        .exclude(status__in=["closed", "cancelled", "received"])
        .values("vendor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["vendor_id"]: r["n"] for r in rows}


@dataclass(frozen=True)
class CatalogueEntry:
    item: Item
    vendor_sku: str
    current: Decimal | None  # the price in force today (None: only future prices)
    history: tuple  # every VendorPrice of the item at this vendor, newest first


def vendor_catalogue(vendor, today: date | None = None) -> list[CatalogueEntry]:
    """The vendor's catalogue: each item they price, today's price and the history."""
    today = today or timezone.localdate()
    by_item: dict[int, list] = defaultdict(list)
    items = {}
    for price in (
        VendorPrice.objects.filter(vendor=vendor)
        .select_related("item")
        .order_by("item__name", "-effective_on")
    ):
        by_item[price.item_id].append(price)
        items[price.item_id] = price.item
    entries = []
    for item_id, prices in by_item.items():
        current = next((p for p in prices if p.effective_on <= today), None)
        entries.append(CatalogueEntry(
            item=items[item_id], vendor_sku=(current or prices[0]).vendor_sku,
            current=current.unit_price if current else None, history=tuple(prices),
        ))  # fmt: skip
    return entries
