"""Screens of the supply closet (stock, an item's lots and movements, reorder suggestions,
cycle counts), purchasing (orders: submit, approve, send, receive, close) and the
equipment register (upkeep, repairs). Thin: parse, call a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import ValidationError as FormError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.access import practice_for, practice_id_for
from medoffice.core.models import Practice
from medoffice.core.policy import has_permission, requires
from medoffice.inventory import access, selectors, services
from medoffice.inventory.documents import order_pdf
from medoffice.inventory.forms import (
    EquipmentDocumentForm,
    MoveForm,
    PriceForm,
    TicketForm,
    TicketMoveForm,
    UpkeepForm,
    VendorForm,
    receipts_from_post,
)
from medoffice.inventory.models import (
    DocumentKind,
    EquipmentRecord,
    Item,
    Lot,
    OrderStatus,
    PurchaseOrder,
    StockMovement,
    TicketStatus,
    Vendor,
)
from medoffice.scheduling.models import Hold

VIEW = "inventory.view_item"
COST = "inventory.view_item_cost"
MOVE = "inventory.add_stockmovement"
ORDERS = "inventory.view_purchaseorder"
ORDER = "inventory.add_purchaseorder"
APPROVE = "inventory.approve_purchaseorder"
MANAGE_ORDER = "inventory.change_purchaseorder"
RECEIVE = "inventory.receive_purchaseorder"
EQUIPMENT = "inventory.view_equipmentrecord"
UPKEEP = "inventory.change_equipmentrecord"
REPORT = "inventory.add_serviceticket"
REPAIR = "inventory.change_serviceticket"
COUNT = "inventory.add_cyclecount"
VENDORS = "inventory.view_vendor"
ADD_VENDOR = "inventory.add_vendor"
ADD_PRICE = "inventory.add_vendorprice"


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(getattr(exc, "messages", [str(exc)]))


def _practice(request) -> Practice:
    return practice_for(request.user)


def _location_ids(request) -> list[int]:
    ids = []
    for value in request.GET.getlist("location"):
        if value.isdigit():
            ids.append(int(value))
    return ids


@require_GET
@requires(VIEW)
def stock_list(request):
    practice = _practice(request)
    locations = list(access.locations_for(request.user))
    chosen = _location_ids(request)
    rows = selectors.stock_levels(practice, location_ids=chosen or None)
    stocked = {r.item.id for r in rows}
    never = Item.objects.filter(practice=practice, is_active=True).exclude(id__in=stocked)
    names = {loc.id: loc.name for loc in locations}
    return render(request, "inventory/stock_list.html", {
        "rows": rows, "never": never, "locations": locations, "chosen": chosen,
        "location_names": names, "show_cost": has_permission(request.user, COST),
        "can_order": has_permission(request.user, ORDER),
        "can_count": has_permission(request.user, COUNT),
        "expiring": selectors.lots_expiring(practice, within_days=60)[:20],
    })  # fmt: skip


@require_GET
@requires(VIEW)
def item_detail(request, public_id, *, errors=None, status=200):
    item = access.item_get_for_user(request.user, public_id)
    locations = list(access.locations_for(request.user))
    lots = {lot.id: lot for lot in Lot.objects.filter(item=item)}
    stock = []
    for loc in locations:
        for row in selectors.lot_stock(item, loc):
            if row.on_hand:
                stock.append((loc, lots.get(row.lot_id), row.on_hand))
    moves = StockMovement.objects.filter(item=item).select_related("lot", "location", "by")
    return render(request, "inventory/item_detail.html", {
        "item": item, "stock": stock, "locations": locations, "errors": errors or [],
        "moves": moves.order_by("-at", "-id")[:50], "lots": [lot for _, lot, _ in stock if lot],
        "show_cost": has_permission(request.user, COST),
        "can_move": has_permission(request.user, MOVE),
        "prices": item.prices.select_related("vendor")[:20]
        if has_permission(request.user, COST) else [],
    }, status=status)  # fmt: skip


@require_POST
@requires(MOVE)
def item_move(request, public_id):
    item = access.item_get_for_user(request.user, public_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = [f"{k}: {' '.join(v)}" for k, v in form.errors.items()]
        return item_detail.__wrapped__(request, public_id, errors=errors, status=422)
    data = form.cleaned_data
    location = access.location_for(request.user, data["location"])
    lot = Lot.objects.filter(item=item, public_id=data["lot"]).first() if data["lot"] else None
    try:
        if location is None:
            raise ValidationError({"location": ["Choose a location of this practice."]})
        if data["action"] == "use":
            services.stock_use(item=item, location=location, quantity=data["quantity"],
                               lot=lot, by=request.user, note=data["note"])  # fmt: skip
        elif data["action"] == "adjust":
            services.stock_adjust(item=item, location=location, change=data["quantity"],
                                  reason=data["reason"] or "", lot=lot, by=request.user,
                                  note=data["note"])  # fmt: skip
        else:
            target = access.location_for(request.user, data["to_location"])
            if target is None:
                raise ValidationError({"to_location": ["Choose where the stock goes."]})
            services.stock_transfer(
                item=item,
                from_location=location,
                to_location=target,
                quantity=data["quantity"],
                lot=lot,
                by=request.user,
            )
    except ValidationError as exc:
        return item_detail.__wrapped__(request, public_id, errors=_errors(exc), status=422)
    messages.success(request, "Stock updated.")
    return redirect("inventory:item-detail", public_id=item.public_id)


@requires(ORDER)
def reorder(request):
    practice = _practice(request)
    if request.method == "POST":
        orders, orphans = services.reorder_drafts(practice=practice, by=request.user)
        for order in orders:
            messages.success(request, f"Draft order {order.number} to {order.vendor}.")
        for orphan in orphans:
            messages.warning(request, f"{orphan.item} has no preferred vendor: not ordered.")
        return redirect("inventory:order-list")
    suggestions = selectors.reorder_suggestions(practice)
    names = {loc.id: loc.name for loc in access.locations_for(request.user)}
    return render(request, "inventory/reorder.html", {
        "suggestions": suggestions, "location_names": names,
        "show_cost": has_permission(request.user, COST),
    })  # fmt: skip


@require_GET
@requires(ORDERS)
def order_list(request):
    orders = PurchaseOrder.objects.filter(practice_id=practice_id_for(request.user))
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    orders = list(orders.select_related("vendor", "location").prefetch_related("lines")[:200])
    return render(request, "inventory/order_list.html", {
        "orders": [(o, selectors.order_total(o)) for o in orders], "status": status,
        "statuses": OrderStatus.choices,
    })  # fmt: skip


@require_GET
@requires(ORDERS)
def order_detail(request, public_id, *, errors=None, status=200):
    order = access.order_get_for_user(request.user, public_id)
    got = selectors.received_by_line(order)
    lines = [
        (line, got.get(line.id, 0), line.quantity - got.get(line.id, 0),
         services.order_line_amount(line))
        for line in order.lines.select_related("item")
    ]  # fmt: skip
    user = request.user
    return render(request, "inventory/order_detail.html", {
        "order": order, "lines": lines, "total": selectors.order_total(order),
        "errors": errors or [], "receipts": order.lines.none(),
        "threshold": selectors.settings_for(order.practice).approval_threshold,
        "can_submit": order.status == OrderStatus.DRAFT and has_permission(user, ORDER),
        "can_approve": order.status == OrderStatus.AWAITING_APPROVAL
        and has_permission(user, APPROVE),
        "can_send": order.status == OrderStatus.APPROVED and has_permission(user, MANAGE_ORDER),
        "can_receive": order.status in (OrderStatus.SENT, OrderStatus.PARTIAL)
        and has_permission(user, RECEIVE),
        "can_close": order.status in (OrderStatus.PARTIAL, OrderStatus.RECEIVED)
        and has_permission(user, MANAGE_ORDER),
        "rows": range(2),
    }, status=status)  # fmt: skip


def _order_action(request, public_id, action):
    order = access.order_get_for_user(request.user, public_id)
    try:
        if action == "submit":
            order = services.order_submit(order=order, by=request.user)
            messages.success(request, f"Order {order.number}: {order.get_status_display()}.")
        elif action == "approve":
            services.order_approve(order=order, by=request.user)
            messages.success(request, f"Order {order.number} approved.")
        elif action == "send":
            services.order_send(order=order, by=request.user)
            messages.success(request, f"Order {order.number} e-mailed to {order.vendor.email}.")
        elif action == "receive":
            receipts = receipts_from_post(request.POST, list(order.lines.select_related("item")))
            made = services.order_receive(order=order, receipts=receipts, by=request.user)
            messages.success(request, f"{sum(m.quantity for m in made)} units received.")
        elif action == "close":
            services.order_close(order=order, by=request.user,
                                 reason=request.POST.get("reason", ""))  # fmt: skip
            messages.success(request, f"Order {order.number} closed.")
    except (ValidationError, FormError) as exc:
        return order_detail.__wrapped__(request, public_id, errors=_errors(exc), status=422)
    return redirect("inventory:order-detail", public_id=order.public_id)


@require_POST
@requires(ORDER)
def order_submit(request, public_id):
    return _order_action(request, public_id, "submit")


@require_POST
@requires(APPROVE)
def order_approve(request, public_id):
    return _order_action(request, public_id, "approve")


@require_POST
@requires(MANAGE_ORDER)
def order_send(request, public_id):
    return _order_action(request, public_id, "send")


@require_POST
@requires(RECEIVE)
def order_receive(request, public_id):
    return _order_action(request, public_id, "receive")


@require_POST
@requires(MANAGE_ORDER)
def order_close(request, public_id):
    return _order_action(request, public_id, "close")


@require_GET
@requires(ORDERS)
def order_document(request, public_id):
    order = access.order_get_for_user(request.user, public_id)
    response = HttpResponse(order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="PO-{order.number}.pdf"'
    return response


@require_GET
@requires(EQUIPMENT)
def equipment_list(request):
    practice = _practice(request)
    records = (
        EquipmentRecord.objects.filter(equipment__location__practice=practice)
        .select_related("equipment__location", "vendor")
        .prefetch_related("plans", "tickets")
    )
    return render(request, "inventory/equipment_list.html", {
        "records": records, "due": selectors.equipment_due(practice, within_days=30),
        "repairs": selectors.tickets_open(practice),
    })  # fmt: skip


@require_GET
@requires(EQUIPMENT)
def equipment_detail(request, public_id, *, errors=None, status=200):
    record = access.equipment_get_for_user(request.user, public_id)
    blocked = Hold.objects.filter(kind="E", resource_id=record.equipment_id,
                                  appointment__isnull=True).count()  # fmt: skip
    return render(request, "inventory/equipment_detail.html", {
        "record": record, "plans": record.plans.all(), "errors": errors or [],
        "tickets": record.tickets.all()[:20], "documents": record.documents.all(),
        "events": [e for p in record.plans.all() for e in p.events.all()[:5]],
        "blocked_hours": blocked * 5 // 60, "statuses": TicketStatus.choices,
        "can_upkeep": has_permission(request.user, UPKEEP),
        "can_report": has_permission(request.user, REPORT),
        "can_repair": has_permission(request.user, REPAIR),
        "spans": services.out_of_service_spans(record, timezone.now()),
        "document_kinds": DocumentKind.choices,
    }, status=status)  # fmt: skip


@require_POST
@requires(UPKEEP)
def equipment_document_add(request, public_id):
    record = access.equipment_get_for_user(request.user, public_id)
    form = EquipmentDocumentForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.equipment_document_add(
            record=record, kind=form.cleaned_data["kind"], title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"], by=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        return equipment_detail.__wrapped__(request, public_id, errors=_errors(exc), status=422)
    messages.success(request, "Document kept with the equipment.")
    return redirect("inventory:equipment-detail", public_id=record.public_id)


@require_GET
@requires(EQUIPMENT)
def equipment_document(request, public_id):
    """The file as an attachment, never rendered by the browser (WB-03)."""
    document = access.equipment_document_get_for_user(request.user, public_id)
    name = document.file.name
    extension = name[name.rfind(".") :] if "." in name else ""
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=f"{document.kind}{extension}"
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_POST
@requires(UPKEEP)
def equipment_upkeep(request, public_id):
    record = access.equipment_get_for_user(request.user, public_id)
    form = UpkeepForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        plan = record.plans.filter(pk=form.cleaned_data["plan"]).first()
        if plan is None:
            raise ValidationError({"plan": ["That plan is not this equipment's."]})
        services.maintenance_record(
            plan=plan,
            done_on=form.cleaned_data["done_on"],
            done_by=form.cleaned_data["done_by"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except ValidationError as exc:
        return equipment_detail.__wrapped__(request, public_id, errors=_errors(exc), status=422)
    messages.success(request, "Recorded; the next due date moved on.")
    return redirect("inventory:equipment-detail", public_id=record.public_id)


@require_POST
@requires(REPORT)
def equipment_ticket(request, public_id):
    record = access.equipment_get_for_user(request.user, public_id)
    form = TicketForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.ticket_open(record=record, problem=form.cleaned_data["problem"], by=request.user,
                             out_of_service=form.cleaned_data["out_of_service"])  # fmt: skip
    except ValidationError as exc:
        return equipment_detail.__wrapped__(request, public_id, errors=_errors(exc), status=422)
    messages.success(request, "Repair reported; the office manager has it on the task list.")
    return redirect("inventory:equipment-detail", public_id=record.public_id)


@require_POST
@requires(REPAIR)
def ticket_move(request, public_id):
    ticket = access.ticket_get_for_user(request.user, public_id)
    form = TicketMoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.ticket_move(
            ticket=ticket,
            status=form.cleaned_data["status"],
            by=request.user,
            expected_back_on=form.cleaned_data["expected_back_on"],
            vendor_reference=form.cleaned_data["vendor_reference"],
        )
    except ValidationError as exc:
        return equipment_detail.__wrapped__(request, ticket.record.public_id,
                                            errors=_errors(exc), status=422)  # fmt: skip
    return redirect("inventory:equipment-detail", public_id=ticket.record.public_id)


@require_POST
@requires(COUNT)
def count_start(request):
    location = access.location_for(request.user, request.POST.get("location"))
    if location is None:
        messages.error(request, "Choose a location to count.")
        return redirect("inventory:stock-list")
    count = services.count_start(location=location, by=request.user)
    return redirect("inventory:count-detail", public_id=count.public_id)


@requires(COUNT)
def count_detail(request, public_id):
    count = access.count_get_for_user(request.user, public_id)
    lines = list(count.lines.select_related("item", "lot"))
    errors = []
    if request.method == "POST":
        counted = {}
        for line in lines:
            value = (request.POST.get(f"counted_{line.id}") or "").strip()
            if value.isdigit():
                counted[line.id] = int(value)
        try:
            made = services.count_post(count=count, counted=counted, by=request.user)
            messages.success(request, f"Count posted: {len(made)} adjustment(s).")
            return redirect("inventory:count-detail", public_id=count.public_id)
        except ValidationError as exc:
            errors = _errors(exc)
    return render(request, "inventory/count_detail.html", {
        "count": count, "lines": lines, "errors": errors,
        "variances": [line for line in lines if line.variance],
    }, status=422 if errors else 200)  # fmt: skip


# --- Vendors: who supplies, services and supports; their catalogue and price history ---
# Prices are the office manager's (clinicians see stock, not prices): no view_vendor, 403.


def _vendor_list_page(request, form, status=200):
    practice = _practice(request)
    vendors = Vendor.objects.filter(practice=practice).order_by("-is_active", "name")
    open_orders = selectors.open_orders_by_vendor(practice)
    rows = [(v, open_orders.get(v.id, 0)) for v in vendors]
    return render(request, "inventory/vendor_list.html", {
        "rows": rows, "form": form, "can_add": has_permission(request.user, ADD_VENDOR),
    }, status=status)  # fmt: skip


@require_GET
@requires(VENDORS)
def vendor_list(request):
    return _vendor_list_page(request, VendorForm())


@require_POST
@requires(ADD_VENDOR)
def vendor_add(request):
    form = VendorForm(request.POST)
    if form.is_valid():
        try:
            vendor = services.vendor_save(practice=_practice(request), fields=form.cleaned_data)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error("name", message)
        else:
            messages.success(request, f"{vendor.name} added.")
            return redirect("inventory:vendor-detail", public_id=vendor.public_id)
    return _vendor_list_page(request, form, status=422)


@require_GET
@requires(VENDORS)
def vendor_detail(request, public_id):
    return _vendor_page(request, access.vendor_get_for_user(request.user, public_id))


def _vendor_page(request, vendor, form=None, status=200):
    return render(request, "inventory/vendor_detail.html", {
        "vendor": vendor, "catalogue": selectors.vendor_catalogue(vendor),
        "orders": PurchaseOrder.objects.filter(vendor=vendor).order_by("-created_at")[:20],
        "equipment": EquipmentRecord.objects.filter(vendor=vendor).select_related("equipment"),
        "items": Item.objects.filter(practice_id=vendor.practice_id, is_active=True)
        .order_by("name"),
        "form": form or PriceForm(initial={"effective_on": timezone.localdate()}),
        "can_price": has_permission(request.user, ADD_PRICE),
    }, status=status)  # fmt: skip


@require_POST
@requires(ADD_PRICE)
def vendor_price(request, public_id):
    vendor = access.vendor_get_for_user(request.user, public_id)
    form = PriceForm(request.POST)
    if form.is_valid():
        item = Item.objects.filter(
            practice_id=vendor.practice_id, public_id=form.cleaned_data["item"]
        ).first()
        if item is None:
            form.add_error("item", "Choose one of the practice's items.")
        else:
            try:
                services.price_record(
                    vendor=vendor, item=item, unit_price=form.cleaned_data["unit_price"],
                    effective_on=form.cleaned_data["effective_on"],
                    vendor_sku=form.cleaned_data["vendor_sku"],
                )  # fmt: skip
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, f"Price of {item.name} recorded.")
                return redirect("inventory:vendor-detail", public_id=vendor.public_id)
    return _vendor_page(request, vendor, form, status=422)
