"""What the supply closet and the equipment register give the dashboard (figures) and the
accounting export (supply purchases: inventory debited, the vendor's payable credited)."""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from medoffice.core.models import Location
from medoffice.core.money import ZERO, extend
from medoffice.core.reporting import Figure, FigureData, JournalEntry, JournalLine, Series
from medoffice.inventory import selectors
from medoffice.inventory.models import MovementKind, StockMovement


def below_reorder_point(filters) -> FigureData:
    rows = selectors.stock_below_reorder_point(
        filters.practice, location_ids=list(filters.location_ids) or None
    )
    names = dict(Location.objects.filter(practice=filters.practice).values_list("id", "name"))
    return FigureData(
        series=(Series("Usable units", tuple((r.item.name[:18], r.usable) for r in rows[:12])),),
        headline=f"{len(rows)} item(s) at or below the reorder point",
        columns=("Item", "Location", "Usable", "Reorder point", "Par"),
        rows=tuple((r.item.name, names.get(r.location_id, ""), r.usable,
                    r.item.reorder_point, r.item.par_level) for r in rows),
        link="/inventory/reorder/",
    )  # fmt: skip


def equipment_due(filters) -> FigureData:
    rows = selectors.equipment_due(
        filters.practice, within_days=30, location_ids=list(filters.location_ids) or None
    )
    repairs = list(
        selectors.tickets_open(filters.practice, location_ids=list(filters.location_ids) or None)
    )
    table = [
        (r.plan.record.asset_tag, r.plan.record.equipment.name, r.plan.get_kind_display(),
         r.due_on.isoformat() if r.due_on else "never recorded",
         "overdue" if r.overdue else "due soon")
        for r in rows
    ] + [
        (t.record.asset_tag, t.record.equipment.name, "Repair", t.reported_at.date().isoformat(),
         t.get_status_display())
        for t in repairs
    ]  # fmt: skip
    overdue = sum(1 for r in rows if r.overdue)
    return FigureData(
        series=(),
        headline=f"{len(rows)} due within 30 days ({overdue} overdue), {len(repairs)} in repair",
        columns=("Asset", "Equipment", "What", "Due", "State"), rows=tuple(table),
        link="/inventory/equipment/",
    )  # fmt: skip


def purchases(practice, first_day, last_day) -> list[JournalEntry]:
    """Received supplies by day and vendor: Dr inventory, Cr accounts payable."""
    zone = practice.zone
    start = datetime.combine(first_day, time(0), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    moves = StockMovement.objects.filter(
        item__practice=practice, kind=MovementKind.RECEIVE, at__gte=start, at__lt=end
    ).select_related("order_line__order__vendor")
    totals: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for move in moves:
        order = move.order_line.order if move.order_line else None
        key = (move.at.astimezone(zone).date(), order.vendor.name if order else "No order",
               order.number if order else "")  # fmt: skip
        totals[key] += extend(move.unit_cost or ZERO, move.quantity)
    entries = []
    for (day, vendor, number), amount in sorted(totals.items()):
        if not amount:
            continue
        memo = f"Supplies from {vendor}" + (f", PO {number}" if number else "")
        entries.append(
            JournalEntry(
                day=day,
                source="supply purchases",
                reference=f"PO {number}" if number else "receipt",
                lines=(
                    JournalLine("inventory", debit=amount, memo=memo),
                    JournalLine("ap", credit=amount, memo=memo),
                ),
            )
        )
    return entries  # fmt: skip


FIGURES = [
    Figure("supplies", "Supplies at or below the reorder point", "bars", below_reorder_point,
           order=60),
    Figure("equipment", "Equipment due for upkeep or in repair", "table", equipment_due,
           order=70),
]  # fmt: skip

JOURNAL_SOURCES = [purchases]
