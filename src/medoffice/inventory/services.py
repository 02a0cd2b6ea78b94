"""The only writers of the supply closet and the equipment register.

Every stock change locks the item's row first (SELECT ... FOR UPDATE on PostgreSQL;
SQLite runs one writer at a time), reads the balances the ledger gives, refuses what
would go below zero, then appends movements: so two people taking the last units
at once cannot both succeed. Each service runs in one transaction and audits.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction
from medoffice.core.money import extend, to_cents
from medoffice.core.roles import Role
from medoffice.inventory import selectors
from medoffice.inventory.errors import (
    ExpiredLotError,
    InsufficientStockError,
    OrderStateError,
    OverReceiptError,
)
from medoffice.inventory.models import (
    AdjustReason,
    CycleCount,
    CycleCountLine,
    EquipmentDocument,
    EquipmentRecord,
    Item,
    ItemCategory,
    Lot,
    MaintenanceEvent,
    MaintenancePlan,
    MovementKind,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ServiceTicket,
    StockMovement,
    TicketStatus,
    Vendor,
    VendorPrice,
)
from medoffice.inventory.rules import fefo, stock_units_for
from medoffice.inventory.states import can_move
from medoffice.scheduling.models import Hold, ResourceKind
from medoffice.scheduling.slots import unit_of
from medoffice.worklist.services import task_raise, task_settle, task_settle_prefix

CATEGORY = "inventory"
# How far ahead an out-of-service device is held (the daily job moves the window on).
BLOCK_HORIZON_DAYS = 120


def _lock_item(item: Item) -> Item:
    return Item.objects.select_for_update().get(pk=item.pk)


def _audit(movement: StockMovement, detail: str) -> None:
    lot = f" lot {movement.lot.number}" if movement.lot else ""
    audit_record(
        action=AuditAction.CREATE, obj=movement, patient=movement.patient, category=CATEGORY,
        detail=f"{movement.kind} {movement.quantity} {movement.item.sku}{lot}"
        + (f": {detail}" if detail else ""),
    )  # fmt: skip


def _append(**fields) -> StockMovement:
    fields.setdefault("at", timezone.now())
    movement = StockMovement(**fields)
    movement.full_clean()
    movement.save()
    _audit(movement, fields.get("note", ""))
    return movement


def _lot_for(item: Item, number: str, expires_on: date | None) -> Lot | None:
    number = (number or "").strip()
    if not item.lot_tracked and not number:
        return None
    if item.lot_tracked and (not number or expires_on is None):
        raise ValidationError(
            {"lot_number": [f"{item} is tracked by lot: give the lot and expiry."]}
        )
    lot, created = Lot.objects.get_or_create(item=item, number=number,
                                             defaults={"expires_on": expires_on})  # fmt: skip
    if not created and expires_on is not None and lot.expires_on != expires_on:
        raise ValidationError(
            {"expires_on": [f"Lot {number} was received before with expiry {lot.expires_on}."]}
        )
    return lot


@transaction.atomic
def stock_receive(
    *,
    item: Item,
    location,
    quantity: int,
    by,
    lot_number: str = "",
    expires_on: date | None = None,
    unit_cost=None,
    order_line: PurchaseOrderLine | None = None,
    note: str = "",
) -> StockMovement:
    """Put units on the shelf (against an order line when there is one)."""
    item = _lock_item(item)
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": ["Receive at least one unit."]})
    if expires_on is not None and expires_on < today_at(location):
        raise ExpiredLotError(f"Lot {lot_number} expired on {expires_on}: refuse the delivery.",
                              field="expires_on")  # fmt: skip
    lot = _lot_for(item, lot_number, expires_on)
    cost = to_cents(unit_cost) if unit_cost is not None else item.unit_cost
    movement = _append(
        item=item, lot=lot, location=location, kind=MovementKind.RECEIVE, quantity=quantity,
        unit_cost=cost, order_line=order_line, note=note, by=by,
    )  # fmt: skip
    if cost and cost != item.unit_cost:
        Item.objects.filter(pk=item.pk).update(unit_cost=cost)
    return movement


def _take(
    item: Item, location, quantity: int, *, lot: Lot | None, kind: str, by, **refs
) -> list[StockMovement]:
    """Inside the item lock: take `quantity` from the lot given, or first-expiring first."""
    today = today_at(location)
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": ["Take at least one unit."]})
    if lot is not None:
        if lot.item_id != item.id:
            raise ValidationError({"lot": ["That lot is of another item."]})
        if lot.is_expired(today) or lot.quarantined:
            raise ExpiredLotError(
                f"Lot {lot.number} of {item} expired on {lot.expires_on}: it is quarantined, "
                "not used.", field="lot",
            )  # fmt: skip
        on_hand = selectors.balance(item, location, lot)
        if on_hand < quantity:
            raise InsufficientStockError(
                f"Only {on_hand} {item.unit} of lot {lot.number} at {location.name}."
            )
        plan = [(lot.id, quantity)]
    else:
        stock = selectors.lot_stock(item, location)
        plan = fefo(stock, quantity, today)
        if not plan:
            good = sum(s.on_hand for s in stock if s.on_hand > 0) - sum(
                s.on_hand for s in stock
                if s.on_hand > 0 and (s.quarantined or (s.expires_on and s.expires_on < today))
            )  # fmt: skip
            raise InsufficientStockError(
                f"Only {good} usable {item.unit} of {item} at {location.name}; "
                f"{quantity} asked for."
            )
    lots = Lot.objects.in_bulk([lot_id for lot_id, _ in plan if lot_id])
    return [
        _append(item=item, lot=lots.get(lot_id), location=location, kind=kind, quantity=-units,
                by=by, **refs)
        for lot_id, units in plan
    ]  # fmt: skip


@transaction.atomic
def stock_use(
    *,
    item: Item,
    location,
    quantity: int,
    by,
    lot: Lot | None = None,
    patient=None,
    encounter=None,
    encounter_line=None,
    note: str = "",
) -> list[StockMovement]:
    """Take units off the shelf; given to a patient (vaccines, drugs) when `patient` is set."""
    item = _lock_item(item)
    kind = MovementKind.ADMINISTER if patient is not None else MovementKind.USE
    return _take(
        item, location, quantity, lot=lot, kind=kind, by=by, patient=patient,
        encounter=encounter, encounter_line=encounter_line, note=note,
    )  # fmt: skip


@transaction.atomic
def stock_transfer(
    *, item: Item, from_location, to_location, quantity: int, by, lot: Lot | None = None
) -> list[StockMovement]:
    if from_location.pk == to_location.pk:
        raise ValidationError({"to_location": ["Choose another location."]})
    if from_location.practice_id != to_location.practice_id:
        raise ValidationError({"to_location": ["That location is of another practice."]})
    item = _lock_item(item)
    pair = uuid.uuid4()
    out = _take(item, from_location, quantity, lot=lot, kind=MovementKind.TRANSFER_OUT, by=by,
                transfer=pair)  # fmt: skip
    back = [
        _append(item=item, lot=m.lot, location=to_location, kind=MovementKind.TRANSFER_IN,
                quantity=-m.quantity, transfer=pair, by=by)
        for m in out
    ]  # fmt: skip
    return out + back


@transaction.atomic
def stock_adjust(
    *, item: Item, location, change: int, reason: str, by, lot: Lot | None = None, note: str = ""
) -> StockMovement:
    """Correct the balance (count, damage, expiry, return): never below zero."""
    if reason not in AdjustReason.values:
        raise ValidationError({"reason": ["Say why the stock is adjusted."]})
    if not change:
        raise ValidationError({"change": ["An adjustment changes the stock by at least one."]})
    if item.lot_tracked and lot is None:
        raise ValidationError({"lot": [f"{item} is tracked by lot: choose the lot."]})
    item = _lock_item(item)
    on_hand = selectors.balance(item, location, lot)
    if on_hand + change < 0:
        raise InsufficientStockError(
            f"Only {on_hand} on hand: an adjustment of {change} would leave negative stock.",
            field="change",
        )
    return _append(item=item, lot=lot, location=location, kind=MovementKind.ADJUST,
                   quantity=change, reason=reason, note=note, by=by)  # fmt: skip


@transaction.atomic
def lots_quarantine_expired(*, practice, today: date | None = None) -> list[Lot]:
    """Flag every expired lot still on a shelf and ask the office manager to dispose of it."""
    today = today or today_at(practice)
    lots = list(
        Lot.objects.select_for_update()
        .filter(item__practice=practice, quarantined=False, expires_on__lt=today)
        .select_related("item")
    )
    for lot in lots:
        lot.quarantined = True
        lot.save(update_fields=["quarantined"])
        audit_record(action=AuditAction.UPDATE, obj=lot, category=CATEGORY,
                     detail=f"lot {lot.number} of {lot.item.sku} expired {lot.expires_on}: "
                     "quarantined")  # fmt: skip
        task_raise(
            practice=practice, kind="expired_stock", source_key=f"inventory:expired:{lot.id}",
            title=f"Dispose of expired {lot.item.name}, lot {lot.number}", due_on=today,
            detail="Adjust the stock out with reason 'Expired' once disposed of.",
            link=f"/inventory/items/{lot.item.public_id}/", role=Role.OFFICE_MANAGER,
        )  # fmt: skip
    return lots


# --- Encounters: what is billed is what left the shelf ---


def _used_for(encounter) -> dict[int, int]:
    used: dict[int, int] = {}
    for item_id, quantity in StockMovement.objects.filter(encounter=encounter).values_list(
        "item_id", "quantity"
    ):
        used[item_id] = used.get(item_id, 0) - quantity
    return used


@transaction.atomic
def encounter_stock_sync(*, encounter, by=None) -> list[StockMovement]:
    """Bring the shelf in line with the signed encounter's current supply and drug lines.

    Lines whose code an item is mapped to (Item.billing_code) take stock units off the
    shelf of the visit's location; vaccines and drugs are recorded against the patient
    with the lot given (first-expiring). A correction that drops a line puts its units
    back on the lot they came from. Short stock does not stop the visit's billing: it
    becomes a task for the office manager.
    """
    lines = list(encounter.lines.filter(retired_in_version__isnull=True))
    items = {
        item.billing_code: item
        for item in Item.objects.filter(
            practice_id=encounter.practice_id, is_active=True,
            billing_code__in=[line.code for line in lines],
        )
    }  # fmt: skip
    wanted: dict[int, tuple[Item, int, object]] = {}
    for line in lines:
        item = items.get(line.code)
        if item is None:
            continue
        units = stock_units_for(line.units, item.billing_units_per_unit)
        _, before, _ = wanted.get(item.id, (item, 0, line))
        wanted[item.id] = (item, before + units, line)
    used = _used_for(encounter)
    made: list[StockMovement] = []
    for item_id in sorted(set(wanted) | set(used)):
        item, want, line = wanted.get(item_id, (None, 0, None))
        item = item or Item.objects.get(pk=item_id)
        diff = want - used.get(item_id, 0)
        if diff > 0:
            given = item.category in (ItemCategory.VACCINE, ItemCategory.DRUG)
            try:
                with transaction.atomic():
                    made += stock_use(
                        item=item, location=encounter.location, quantity=diff, by=by,
                        patient=encounter.patient if given else None, encounter=encounter,
                        encounter_line=line, note=f"visit {encounter.date_of_service}",
                    )  # fmt: skip
            except ValidationError as exc:
                task_raise(
                    practice=encounter.practice, kind="stock_short",
                    source_key=f"inventory:short:{encounter.public_id}:{item.id}",
                    title=f"Stock short: {diff} {item.unit} of {item.name} billed on a visit "
                    f"of {encounter.date_of_service} not on the shelf",
                    detail=" ".join(exc.messages)[:500], due_on=today_at(encounter.location),
                    link=f"/inventory/items/{item.public_id}/", role=Role.OFFICE_MANAGER,
                )  # fmt: skip
        elif diff < 0:
            made += _put_back(item, encounter, -diff, by)
    return made


def _put_back(item: Item, encounter, quantity: int, by) -> list[StockMovement]:
    item = _lock_item(item)
    made = []
    for taken in StockMovement.objects.filter(encounter=encounter, item=item, quantity__lt=0
                                              ).order_by("-id"):  # fmt: skip
        if not quantity:
            break
        units = min(-taken.quantity, quantity)
        made.append(
            _append(item=item, lot=taken.lot, location=taken.location, kind=MovementKind.PUT_BACK,
                    quantity=units, encounter=encounter, patient=taken.patient, by=by,
                    note=f"visit {encounter.date_of_service} corrected")
        )  # fmt: skip
        quantity -= units
    return made


# --- Cycle counts ---


@transaction.atomic
def count_start(*, location, by, items=None) -> CycleCount:
    """A count sheet of what the ledger says is at the location (per lot)."""
    practice_id = location.practice_id
    count = CycleCount.objects.create(location=location, started_at=timezone.now(), started_by=by)
    items = (
        items if items is not None else Item.objects.filter(practice_id=practice_id, is_active=True)
    )
    rows = []
    for item in items:
        stock = selectors.lot_stock(item, location) or [None]
        for lot in stock:
            if lot is not None and lot.on_hand == 0:
                continue
            rows.append(CycleCountLine(count=count, item=item,
                                       lot_id=lot.lot_id if lot else None,
                                       expected=lot.on_hand if lot else 0))  # fmt: skip
    CycleCountLine.objects.bulk_create(rows)
    return count


@transaction.atomic
def count_post(*, count: CycleCount, counted: dict[int, int], by) -> list[StockMovement]:
    """Record what was counted (line id -> units) and adjust each variance, reason 'count'."""
    count = CycleCount.objects.select_for_update().get(pk=count.pk)
    if count.posted_at is not None:
        raise ValidationError({"count": ["This count was already posted."]})
    lines = list(count.lines.select_related("item", "lot"))
    missing = [line for line in lines if line.id not in counted]
    if missing:
        raise ValidationError({"counted": [f"{len(missing)} lines were not counted."]})
    made = []
    for line in lines:
        value = counted[line.id]
        if value is None or value < 0:
            raise ValidationError({"counted": [f"{line.item}: a count is 0 or more."]})
        line.counted = value
        line.save(update_fields=["counted"])
        on_hand = selectors.balance(line.item, count.location, line.lot)
        change = value - on_hand  # what the shelf says now, movements since included
        if change:
            made.append(stock_adjust(item=line.item, location=count.location, change=change,
                                     reason=AdjustReason.COUNT, lot=line.lot, by=by,
                                     note=f"count {count.started_at:%Y-%m-%d}"))  # fmt: skip
    count.posted_at = timezone.now()
    count.save(update_fields=["posted_at"])
    return made


# --- Vendors and purchase orders ---


@transaction.atomic
def vendor_save(*, practice, fields: dict, vendor=None):
    """Add a vendor (or change one): supplies, equipment service or software support."""
    vendor = vendor or Vendor(practice=practice)
    if vendor.practice_id != practice.id:
        raise ValidationError({"name": ["This vendor is of another practice."]})
    for name in ("name", "email", "phone", "account_number", "contact", "services", "is_active"):
        if name in fields:
            setattr(vendor, name, fields[name])
    if (
        Vendor.objects.filter(practice=practice, name__iexact=vendor.name)
        .exclude(pk=vendor.pk)
        .exists()
    ):
        raise ValidationError({"name": ["There is already a vendor of that name."]})
    adding = vendor.pk is None
    vendor.full_clean()
    vendor.save()
    audit_record(action=AuditAction.CREATE if adding else AuditAction.UPDATE, obj=vendor,
                 category=CATEGORY, detail=f"vendor {vendor.name}")  # fmt: skip
    return vendor


@transaction.atomic
def price_record(*, vendor, item, unit_price, effective_on: date, vendor_sku: str = ""):
    """Add to the vendor's catalogue; earlier prices stay as the item's price history."""
    if item.practice_id != vendor.practice_id:
        raise ValidationError({"item": ["The item is of another practice."]})
    if VendorPrice.objects.filter(vendor=vendor, item=item, effective_on=effective_on).exists():
        raise ValidationError({"effective_on": [
            f"{vendor.name} already has a price for {item.name} from {effective_on}."
        ]})  # fmt: skip
    price = VendorPrice(vendor=vendor, item=item, unit_price=to_cents(unit_price),
                        effective_on=effective_on, vendor_sku=vendor_sku)  # fmt: skip
    price.full_clean()
    price.save()
    audit_record(action=AuditAction.CREATE, obj=vendor, category=CATEGORY,
                 detail=f"price of {item.sku} ${price.unit_price} from {effective_on}")  # fmt: skip
    return price


def _next_number(practice) -> str:
    year = today_at(practice).year
    taken = PurchaseOrder.objects.filter(practice=practice, number__startswith=f"{year}-").count()
    return f"{year}-{taken + 1:04d}"


@transaction.atomic
def order_create(*, practice, vendor, location, lines: list[tuple], by, note: str = ""):
    """A draft order; `lines` are (item, quantity, unit price or None for the catalogue's)."""
    if vendor is None:
        raise ValidationError({"vendor": ["A purchase order needs a vendor."]})
    if not lines:
        raise ValidationError({"lines": ["Order at least one item."]})
    if vendor.practice_id != practice.id or location.practice_id != practice.id:
        raise ValidationError({"vendor": ["The vendor or location is of another practice."]})
    order = PurchaseOrder(practice=practice, number=_next_number(practice), vendor=vendor,
                          location=location, created_by=by, created_at=timezone.now(),
                          note=note)  # fmt: skip
    order.full_clean()
    order.save()
    seen = set()
    for item, quantity, price in lines:
        if item.id in seen:
            raise ValidationError({"lines": [f"{item} is on the order twice."]})
        seen.add(item.id)
        if price is None:
            price = selectors.current_price(item, vendor)
            price = item.unit_cost if price is None else price
        line = PurchaseOrderLine(order=order, item=item, quantity=quantity,
                                 unit_price=to_cents(price))  # fmt: skip
        line.full_clean()
        line.save()
    audit_record(action=AuditAction.CREATE, obj=order, category=CATEGORY,
                 detail=f"PO {order.number}: {len(lines)} lines "
                 f"${selectors.order_total(order)}")  # fmt: skip
    return order


def _move(order: PurchaseOrder, status: str, detail: str = "") -> None:
    if not can_move(order.status, status):
        raise OrderStateError(
            f"A {order.get_status_display().lower()} order cannot become "
            f"{OrderStatus(status).label.lower()}.", field="status",
        )  # fmt: skip
    order.status = status
    order.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=order,
        category=CATEGORY,
        detail=f"PO {order.number} {status}" + (f": {detail}" if detail else ""),
    )


def _locked_order(order) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_submit(*, order: PurchaseOrder, by) -> PurchaseOrder:
    """Up to the threshold an order is approved at once; above it it waits for the manager."""
    order = _locked_order(order)
    amount = selectors.order_total(order)
    threshold = selectors.settings_for(order.practice).approval_threshold
    if amount > threshold:
        _move(order, OrderStatus.AWAITING_APPROVAL, f"${amount} over ${threshold}")
        task_raise(
            practice=order.practice, kind="approve_order",
            source_key=f"inventory:approve:{order.id}",
            title=f"Approve purchase order {order.number} to {order.vendor} (${amount})",
            due_on=today_at(order.practice), link=f"/inventory/orders/{order.public_id}/",
            role=Role.OFFICE_MANAGER,
        )  # fmt: skip
    else:
        order.approved_by, order.approved_at = by, timezone.now()
        _move(order, OrderStatus.APPROVED, f"${amount} within ${threshold}")
    return order


@transaction.atomic
def order_approve(*, order: PurchaseOrder, by) -> PurchaseOrder:
    order = _locked_order(order)
    if order.status != OrderStatus.AWAITING_APPROVAL:
        raise OrderStateError("Only an order awaiting approval is approved.", field="status")
    if order.created_by_id is not None and order.created_by_id == getattr(by, "pk", None):
        pass  # the office manager may approve their own order: the threshold guards assistants
    order.approved_by, order.approved_at = by, timezone.now()
    _move(order, OrderStatus.APPROVED)
    task_settle(practice=order.practice, source_key=f"inventory:approve:{order.id}", by=by)
    return order


@transaction.atomic
def order_send(*, order: PurchaseOrder, by, connection=None) -> PurchaseOrder:
    """E-mail the order to the vendor as a PDF; sent when the mail server took it."""
    from medoffice.inventory.documents import order_email

    order = _locked_order(order)
    if not order.vendor.email:
        raise ValidationError({"vendor": [f"{order.vendor} has no e-mail address for orders."]})
    order.sent_at = timezone.now()
    _move(order, OrderStatus.SENT, f"e-mailed to vendor by {getattr(by, 'username', '-')}")
    order_email(order, connection=connection).send()
    return order


@transaction.atomic
def order_receive(*, order: PurchaseOrder, receipts: list[dict], by) -> list[StockMovement]:
    """Receive a delivery: per entry `line`, `quantity`, and `lot_number`/`expires_on` for
    items tracked by lot (one line may arrive in several lots). More than ordered is
    refused whole; what is still missing stays on order (a backorder)."""
    order = _locked_order(order)
    if order.status not in (OrderStatus.SENT, OrderStatus.PARTIAL):
        raise OrderStateError("Only a sent order is received.", field="status")
    got = selectors.received_by_line(order)
    lines = {line.id: line for line in order.lines.select_related("item")}
    arriving: dict[int, int] = {}
    for entry in receipts:
        line = lines.get(getattr(entry["line"], "id", entry["line"]))
        if line is None:
            raise ValidationError({"line": ["That line is not on this order."]})
        arriving[line.id] = arriving.get(line.id, 0) + (entry.get("quantity") or 0)
    for line_id, quantity in arriving.items():
        line = lines[line_id]
        left = line.quantity - got.get(line_id, 0)
        if quantity > left:
            raise OverReceiptError(
                f"{line.item}: {quantity} received but only {left} still on order "
                f"({line.quantity} ordered)."
            )
    made = []
    for entry in receipts:
        line = lines[getattr(entry["line"], "id", entry["line"])]
        if not entry.get("quantity"):
            continue
        made.append(
            stock_receive(item=line.item, location=order.location, quantity=entry["quantity"],
                          by=by, lot_number=entry.get("lot_number", ""),
                          expires_on=entry.get("expires_on"), unit_cost=line.unit_price,
                          order_line=line, note=f"PO {order.number}")
        )  # fmt: skip
    if not made:
        raise ValidationError({"quantity": ["Nothing was received."]})
    got = selectors.received_by_line(order)
    complete = all(got.get(line.id, 0) >= line.quantity for line in lines.values())
    _move(order, OrderStatus.RECEIVED if complete else OrderStatus.PARTIAL,
          f"{sum(m.quantity for m in made)} units")  # fmt: skip
    return made


@transaction.atomic
def order_close(*, order: PurchaseOrder, by, reason: str = "") -> PurchaseOrder:
    """Close a received order, or a partly received one whose backorder is given up."""
    order = _locked_order(order)
    if order.status == OrderStatus.PARTIAL and not reason.strip():
        raise ValidationError({"reason": ["Say why the rest of the order is not awaited."]})
    order.closed_at = timezone.now()
    _move(order, OrderStatus.CLOSED, reason.strip())
    return order


@transaction.atomic
def order_cancel(*, order: PurchaseOrder, by, reason: str) -> PurchaseOrder:
    order = _locked_order(order)
    if StockMovement.objects.filter(order_line__order=order).exists():
        raise OrderStateError("Part of this order arrived: close it instead.", field="status")
    order.closed_at = timezone.now()
    _move(order, OrderStatus.CANCELLED, reason.strip())
    task_settle(practice=order.practice, source_key=f"inventory:approve:{order.id}", by=by)
    return order


@transaction.atomic
def reorder_drafts(*, practice, by, location_ids=None) -> tuple[list[PurchaseOrder], list]:
    """Draft orders from the suggestions, one per vendor and location; suggestions for items
    with no vendor come back unordered (an order needs a vendor)."""
    groups: dict[tuple, list] = {}
    orphans = []
    for suggestion in selectors.reorder_suggestions(practice, location_ids=location_ids):
        if suggestion.vendor is None:
            orphans.append(suggestion)
            continue
        groups.setdefault((suggestion.vendor.id, suggestion.location_id), []).append(suggestion)
    orders = []
    from medoffice.core.models import Location

    for (_, location_id), rows in groups.items():
        orders.append(
            order_create(practice=practice, vendor=rows[0].vendor,
                         location=Location.objects.get(pk=location_id),
                         lines=[(s.item, s.quantity, s.unit_price) for s in rows], by=by,
                         note="From the reorder suggestions")
        )  # fmt: skip
    return orders, orphans


# --- Equipment ---


def _local_midnight(day: date, location) -> datetime:
    return datetime.combine(day, time(0), tzinfo=location.zone)


def out_of_service_spans(record: EquipmentRecord, now: datetime) -> list[tuple]:
    """(from, until, why) the device cannot be booked: overdue upkeep that blocks booking,
    open repairs with an out-of-service time. Open-ended spans run to the horizon."""
    location = record.equipment.location
    horizon = now + timedelta(days=BLOCK_HORIZON_DAYS)
    spans = []
    for plan in record.plans.filter(blocks_booking=True):
        due = plan.next_due_on
        if due is not None:
            spans.append((max(_local_midnight(due, location), now), horizon,
                          f"{plan.get_kind_display()} due {due}"))  # fmt: skip
    for ticket in record.tickets.exclude(status__in=[TicketStatus.RETURNED, TicketStatus.CLOSED]):
        if ticket.out_from is None:
            continue
        until = horizon
        if ticket.expected_back_on is not None:
            back = _local_midnight(ticket.expected_back_on, location)
            until = back if back > now else horizon
        spans.append((max(ticket.out_from, now), until, "out for repair"))
    return [s for s in spans if s[0] < s[1]]


@transaction.atomic
def equipment_block_sync(*, record: EquipmentRecord, now: datetime | None = None) -> list:
    """Make the register's holds on the device match its out-of-service spans from now on.

    Returns the live appointments that already hold the device inside a span: those visits
    need another device or another time (a task says so)."""
    now = now or timezone.now()
    equipment = record.equipment
    start = unit_of(now)
    wanted: set[int] = set()
    for begin, end, _ in out_of_service_spans(record, now):
        wanted.update(range(unit_of(begin), unit_of(end - timedelta(microseconds=1)) + 1))
    held = Hold.objects.filter(kind=ResourceKind.EQUIPMENT, resource_id=equipment.id,
                               unit__gte=start)  # fmt: skip
    ours = set(held.filter(appointment__isnull=True).values_list("unit", flat=True))
    booked = dict(held.filter(appointment__isnull=False).values_list("unit", "appointment_id"))
    stale = ours - wanted
    if stale:
        held.filter(appointment__isnull=True, unit__in=stale).delete()
    new = sorted(wanted - ours - booked.keys())
    Hold.objects.bulk_create(
        [Hold(appointment=None, kind=ResourceKind.EQUIPMENT, resource_id=equipment.id, unit=u)
         for u in new], batch_size=2000,
    )  # fmt: skip
    clashes = sorted({booked[u] for u in wanted if u in booked})
    key = f"equipment:clash:{record.id}"
    practice = equipment.location.practice
    if clashes:
        task_raise(
            practice=practice, kind="equipment_clash", source_key=key,
            title=f"{len(clashes)} booked visit(s) need {equipment.name} while it is out of "
            "service: rebook them", due_on=today_at(equipment.location),
            link=f"/inventory/equipment/{record.public_id}/", role=Role.OFFICE_MANAGER,
        )  # fmt: skip
    else:
        task_settle(practice=practice, source_key=key)
    if stale or new:
        audit_record(
            action=AuditAction.UPDATE,
            obj=record,
            category=CATEGORY,
            detail=f"out-of-service holds: +{len(new)} -{len(stale)} units",
        )
    return clashes


@transaction.atomic
def maintenance_record(*, plan: MaintenancePlan, done_on: date, by, done_by: str = "",
                       note: str = "") -> MaintenanceEvent:  # fmt: skip
    """Record a maintenance or calibration done: the next due date moves on."""
    plan = MaintenancePlan.objects.select_for_update(of=("self",)).select_related(
        "record__equipment__location").get(pk=plan.pk)  # fmt: skip
    today = today_at(plan.record.equipment.location)
    if done_on is None or done_on > today:
        raise ValidationError({"done_on": ["'Last done' cannot be in the future."]})
    if plan.last_done_on and done_on < plan.last_done_on:
        raise ValidationError({"done_on": [f"It was already done on {plan.last_done_on}."]})
    event = MaintenanceEvent.objects.create(
        plan=plan, done_on=done_on, done_by=done_by or plan.performed_by, note=note,
        recorded_by=by, recorded_at=timezone.now(),
    )  # fmt: skip
    plan.last_done_on = done_on
    plan.save(update_fields=["last_done_on"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=plan.record,
        category=CATEGORY,
        detail=f"{plan.kind} done {done_on}; next due {plan.next_due_on}",
    )
    task_settle(practice=plan.record.equipment.location.practice,
                source_key=f"equipment:due:{plan.id}", by=by)  # fmt: skip
    equipment_block_sync(record=plan.record)
    return event


TICKET_MOVES = {
    TicketStatus.REPORTED: {TicketStatus.VENDOR_CALLED, TicketStatus.IN_REPAIR,
                            TicketStatus.CLOSED},
    TicketStatus.VENDOR_CALLED: {TicketStatus.IN_REPAIR, TicketStatus.CLOSED},
    TicketStatus.IN_REPAIR: {TicketStatus.RETURNED},
    TicketStatus.RETURNED: {TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}  # fmt: skip


@transaction.atomic
def ticket_open(*, record: EquipmentRecord, problem: str, by, out_of_service: bool = False):
    problem = (problem or "").strip()
    if not problem:
        raise ValidationError({"problem": ["Say what is wrong."]})
    now = timezone.now()
    ticket = ServiceTicket.objects.create(record=record, problem=problem[:300], reported_at=now,
                                          reported_by=by,
                                          out_from=now if out_of_service else None)  # fmt: skip
    audit_record(
        action=AuditAction.CREATE,
        obj=ticket,
        category=CATEGORY,
        detail=f"repair ticket for {record.asset_tag}",
    )
    task_raise(
        practice=record.equipment.location.practice,
        kind="repair",
        source_key=f"equipment:ticket:{ticket.id}",
        title=f"Repair {record.equipment.name} ({record.asset_tag}): call "
        f"{record.vendor or 'the service vendor'}",
        due_on=today_at(record.equipment.location),
        link=f"/inventory/equipment/{record.public_id}/",
        role=Role.OFFICE_MANAGER,
    )
    equipment_block_sync(record=record)
    return ticket


@transaction.atomic
def ticket_move(*, ticket: ServiceTicket, status: str, by, expected_back_on: date | None = None,
                vendor_reference: str = "") -> ServiceTicket:  # fmt: skip
    ticket = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    if status not in TICKET_MOVES.get(ticket.status, set()):
        raise ValidationError(
            {"status": [f"A ticket {ticket.get_status_display().lower()} cannot move to {status}."]}
        )
    now = timezone.now()
    if status == TicketStatus.VENDOR_CALLED:
        ticket.vendor_called_at = now
    if status == TicketStatus.IN_REPAIR:
        ticket.out_from = ticket.out_from or now
        ticket.expected_back_on = expected_back_on
    if status == TicketStatus.RETURNED:
        ticket.returned_at = now
    if vendor_reference:
        ticket.vendor_reference = vendor_reference
    ticket.status = status
    ticket.save()
    audit_record(
        action=AuditAction.UPDATE, obj=ticket, category=CATEGORY, detail=f"repair ticket {status}"
    )
    if status in (TicketStatus.RETURNED, TicketStatus.CLOSED):
        task_settle(practice=ticket.record.equipment.location.practice,
                    source_key=f"equipment:ticket:{ticket.id}", by=by)  # fmt: skip
    equipment_block_sync(record=ticket.record)
    return ticket


def equipment_daily(*, practice, now: datetime | None = None) -> dict:
    """The daily job: tasks for upkeep coming due, holds moved on, expired lots quarantined."""
    now = now or timezone.now()
    notice = selectors.settings_for(practice).equipment_notice_days
    keep = set()
    for row in selectors.equipment_due(practice, within_days=notice):
        plan, equipment = row.plan, row.plan.record.equipment
        key = f"equipment:due:{plan.id}"
        keep.add(key)
        when = f"due {row.due_on:%b %d}" if row.due_on else "never recorded"
        task_raise(practice=practice, kind="equipment_due", source_key=key,
                   title=f"{plan.get_kind_display()} of {equipment.name} "
                   f"({plan.record.asset_tag}) {when}",
                   due_on=row.due_on or today_at(equipment.location),
                   detail=f"By {plan.performed_by or 'the service vendor'}.",
                   link=f"/inventory/equipment/{plan.record.public_id}/",
                   role=Role.OFFICE_MANAGER)  # fmt: skip
    task_settle_prefix(practice=practice, prefix="equipment:due:", keep=keep)
    clashes = 0
    for record in EquipmentRecord.objects.filter(equipment__location__practice=practice):
        clashes += len(equipment_block_sync(record=record, now=now))
    expired = lots_quarantine_expired(practice=practice)
    return {"due": len(keep), "clashes": clashes, "expired_lots": len(expired)}


REORDER_TASK = "inventory:reorder"


def reorder_task(*, practice) -> int:
    """One task for the office manager while anything should be ordered (the reorder screen
    lists what), closed once nothing is; returns the number of suggested order lines."""
    suggestions = selectors.reorder_suggestions(practice)
    if not suggestions:
        task_settle_prefix(practice=practice, prefix=REORDER_TASK, keep=set())
        return 0
    vendors = {s.vendor.name for s in suggestions if s.vendor}
    task_raise(
        practice=practice, kind="reorder", source_key=REORDER_TASK,
        title=f"Reorder: {len(suggestions)} item(s) at or below the reorder point",
        detail=("From " + ", ".join(sorted(vendors))) if vendors else "No preferred vendor",
        due_on=today_at(practice), link="/inventory/reorder/", role=Role.OFFICE_MANAGER,
    )  # fmt: skip
    return len(suggestions)


@transaction.atomic
def inventory_daily(*, practice, now: datetime | None = None) -> dict:
    """The supply closet's daily job (`medoffice inventory daily`, and the worker once a
    day): expired lots quarantined, upkeep due and reorders onto the task list."""
    result = equipment_daily(practice=practice, now=now)
    result["reorder_lines"] = reorder_task(practice=practice)
    return result


def order_line_amount(line: PurchaseOrderLine):
    return extend(line.unit_price, line.quantity)


@transaction.atomic
def equipment_document_add(*, record, kind: str, title: str, upload, by) -> EquipmentDocument:
    """Keep a certificate, manual or contract with the device: a PDF or an image, checked by
    its first bytes and stored under a generated name (WB-03); refused whole otherwise."""
    from medoffice.core.uploads import checked_upload

    document = EquipmentDocument(record=record, kind=kind, title=(title or "").strip(),
                                 uploaded_by=by)  # fmt: skip
    errors: dict[str, list[str]] = {}
    try:
        document.file = checked_upload(upload)
    except ValidationError as exc:
        errors["file"] = exc.messages
    try:
        document.full_clean(exclude=["file", "uploaded_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    document.save()
    audit_record(action=AuditAction.CREATE, obj=record, category=CATEGORY,
                 detail=f"document {document.kind}: {document.title}")  # fmt: skip
    return document
