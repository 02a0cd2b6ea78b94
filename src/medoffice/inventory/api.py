"""REST API of the supply closet, purchasing, the equipment register and tasks.

Stock (items, lots, balances) is `inventory.view_item`: clinicians, medical assistants,
the office manager. Prices and stock value appear only for `inventory.view_item_cost`.
Movements, orders and receipts go through the same services as the screens: a refusal
(short stock, an expired lot, more than ordered) is a 400 problem naming the field, and
nothing is saved.
"""

from django.core.exceptions import ValidationError
from django.db.models import Sum
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.core.access import practice_for, practice_id_for
from medoffice.core.models import Location
from medoffice.core.policy import HasRequiredPermission, has_permission
from medoffice.inventory import access, selectors, services
from medoffice.inventory.models import (
    EquipmentRecord,
    Item,
    Lot,
    PurchaseOrder,
    StockMovement,
    Vendor,
)

COST = "inventory.view_item_cost"


class LotOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    number = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True)
    quarantined = serializers.BooleanField()


class ItemOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    unit = serializers.CharField()
    pack_size = serializers.IntegerField()
    storage = serializers.CharField()
    par_level = serializers.IntegerField()
    reorder_point = serializers.IntegerField()
    lot_tracked = serializers.BooleanField()
    billing_code = serializers.CharField()
    on_hand = serializers.IntegerField(help_text="All locations, usable or not")
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False,
        help_text="Only for roles that see prices (inventory.view_item_cost)",
    )  # fmt: skip


def _item_out(item: Item, on_hand: int, show_cost: bool) -> dict:
    data = {
        "id": str(item.public_id), "sku": item.sku, "name": item.name,
        "category": item.category, "unit": item.unit, "pack_size": item.pack_size,
        "storage": item.storage, "par_level": item.par_level,
        "reorder_point": item.reorder_point, "lot_tracked": item.lot_tracked,
        "billing_code": item.billing_code, "on_hand": on_hand,
    }  # fmt: skip
    if show_cost:
        data["unit_cost"] = str(item.unit_cost)
    return data


class ItemCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "inventory.view_item"}

    @extend_schema(responses=ItemOut(many=True), summary="Items with units on hand")
    def get(self, request):
        items = Item.objects.filter(practice_id=practice_id_for(request.user), is_active=True)
        totals = dict(
            StockMovement.objects.filter(item__in=items)
            .values("item_id").annotate(n=Sum("quantity")).values_list("item_id", "n")
        )  # fmt: skip
        show = has_permission(request.user, COST)
        return Response([_item_out(i, totals.get(i.id, 0), show) for i in items])


class StockRowOut(serializers.Serializer):
    item = serializers.UUIDField()
    location = serializers.UUIDField()
    lot = serializers.CharField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    on_hand = serializers.IntegerField()
    usable = serializers.BooleanField()


class ItemStock(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "inventory.view_item"}

    @extend_schema(responses=StockRowOut(many=True), summary="An item's stock per location and lot")
    def get(self, request, public_id):
        from medoffice.core.clock import today_at
        from medoffice.inventory.rules import usable

        item = access.item_get_for_user(request.user, public_id)
        lots = {lot.id: lot for lot in Lot.objects.filter(item=item)}
        rows = []
        for location in access.locations_for(request.user):
            today = today_at(location)  # a token client has no office zone: the shelf's day
            for row in selectors.lot_stock(item, location):
                if not row.on_hand:
                    continue
                lot = lots.get(row.lot_id)
                rows.append({
                    "item": str(item.public_id), "location": str(location.public_id),
                    "lot": lot.number if lot else None,
                    "expires_on": lot.expires_on.isoformat() if lot and lot.expires_on else None,
                    "on_hand": row.on_hand, "usable": usable(row, today),
                })  # fmt: skip
        return Response(rows)


class MovementIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=["use", "adjust", "transfer"])
    location = serializers.UUIDField()
    quantity = serializers.IntegerField(help_text="Units; an adjustment may be negative")
    lot = serializers.CharField(required=False, allow_blank=True, help_text="Lot number")
    to_location = serializers.UUIDField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MovementOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    quantity = serializers.IntegerField()
    lot = serializers.CharField(source="lot.number", allow_null=True, default=None)
    location = serializers.UUIDField(source="location.public_id")
    at = serializers.DateTimeField()


def _location(user, public_id, field="location") -> Location:
    found = Location.objects.filter(practice_id=practice_id_for(user), public_id=public_id).first()
    if found is None:
        raise ValidationError({field: ["No such location in this practice."]})
    return found


class ItemMovements(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "inventory.add_stockmovement"}

    @extend_schema(
        request=MovementIn,
        responses={201: MovementOut(many=True)},
        summary="Use, adjust or transfer stock (first-expiring lot unless named)",
    )
    def post(self, request, public_id):
        item = access.item_get_for_user(request.user, public_id)
        data = MovementIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        location = _location(request.user, values["location"])
        lot = None
        if values.get("lot"):
            lot = Lot.objects.filter(item=item, number=values["lot"]).first()
            if lot is None:
                raise ValidationError({"lot": ["No such lot of this item."]})
        if values["action"] == "use":
            made = services.stock_use(
                item=item,
                location=location,
                quantity=values["quantity"],
                lot=lot,
                by=request.user,
                note=values.get("note", ""),
            )
        elif values["action"] == "adjust":
            made = [
                services.stock_adjust(
                    item=item,
                    location=location,
                    change=values["quantity"],
                    lot=lot,
                    by=request.user,
                    reason=values.get("reason", ""),
                    note=values.get("note", ""),
                )
            ]
        else:
            if not values.get("to_location"):
                raise ValidationError({"to_location": ["Say where the stock goes."]})
            made = services.stock_transfer(
                item=item, from_location=location, quantity=values["quantity"], lot=lot,
                to_location=_location(request.user, values["to_location"], "to_location"),
                by=request.user,
            )  # fmt: skip
        return Response(MovementOut(made, many=True).data, status=201)


class OrderLineIn(serializers.Serializer):
    item = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)


class OrderIn(serializers.Serializer):
    vendor = serializers.UUIDField(required=False, allow_null=True)
    location = serializers.UUIDField()
    lines = OrderLineIn(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class OrderOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    number = serializers.CharField()
    vendor = serializers.CharField(source="vendor.name")
    status = serializers.CharField()
    total = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()

    def get_total(self, obj) -> str:
        return str(selectors.order_total(obj))

    def get_lines(self, obj) -> list:
        got = selectors.received_by_line(obj)
        return [
            {"line": line.id, "item": str(line.item.public_id), "quantity": line.quantity,
             "received": got.get(line.id, 0), "unit_price": str(line.unit_price)}
            for line in obj.lines.select_related("item")
        ]  # fmt: skip


class OrderCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {
        "GET": "inventory.view_purchaseorder",
        "POST": "inventory.add_purchaseorder",
    }

    @extend_schema(responses=OrderOut(many=True), summary="Purchase orders, newest first")
    def get(self, request):
        orders = PurchaseOrder.objects.filter(practice_id=practice_id_for(request.user))
        if request.query_params.get("status"):
            orders = orders.filter(status=request.query_params["status"])
        return Response(OrderOut(orders.select_related("vendor")[:200], many=True).data)

    @extend_schema(
        request=OrderIn,
        responses={201: OrderOut},
        summary="A draft order (prices from the vendor's catalogue when not given)",
    )
    def post(self, request):
        data = OrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        practice = practice_for(request.user)
        vendor = None
        if values.get("vendor"):
            vendor = Vendor.objects.filter(practice=practice, public_id=values["vendor"]).first()
            if vendor is None:
                raise ValidationError({"vendor": ["No such vendor in this practice."]})
        items = {i.public_id: i for i in Item.objects.filter(practice=practice)}
        lines = []
        for line in values["lines"]:
            if line["item"] not in items:
                raise ValidationError({"lines": ["An item is not of this practice."]})
            lines.append((items[line["item"]], line["quantity"], line.get("unit_price")))
        order = services.order_create(practice=practice, vendor=vendor, by=request.user,
                                      location=_location(request.user, values["location"]),
                                      lines=lines, note=values.get("note", ""))  # fmt: skip
        return Response(OrderOut(order).data, status=201)


class OrderItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "inventory.view_purchaseorder"}

    @extend_schema(responses=OrderOut, summary="A purchase order with what was received")
    def get(self, request, public_id):
        return Response(OrderOut(access.order_get_for_user(request.user, public_id)).data)


class ReceiptIn(serializers.Serializer):
    line = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=0)
    lot_number = serializers.CharField(required=False, allow_blank=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class DeliveryIn(serializers.Serializer):
    receipts = ReceiptIn(many=True)


class OrderReceive(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "inventory.receive_purchaseorder"}

    @extend_schema(request=DeliveryIn, responses=OrderOut,
                   summary="Receive a delivery (several lots per line allowed; never more "
                   "than ordered)")  # fmt: skip
    def post(self, request, public_id):
        order = access.order_get_for_user(request.user, public_id)
        data = DeliveryIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_receive(order=order, receipts=[dict(r) for r in data.validated_data[
            "receipts"]], by=request.user)  # fmt: skip
        order.refresh_from_db()
        return Response(OrderOut(order).data)


class OrderApprove(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "inventory.approve_purchaseorder"}

    @extend_schema(request=None, responses=OrderOut, summary="Approve an order over the threshold")
    def post(self, request, public_id):
        order = services.order_approve(
            order=access.order_get_for_user(request.user, public_id), by=request.user
        )
        return Response(OrderOut(order).data)


class EquipmentOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    asset_tag = serializers.CharField()
    name = serializers.CharField(source="equipment.name")
    kind = serializers.CharField(source="equipment.kind")
    make = serializers.CharField()
    model = serializers.CharField()
    serial_number = serializers.CharField()
    location = serializers.UUIDField(source="equipment.location.public_id")
    upkeep = serializers.SerializerMethodField()
    open_repairs = serializers.SerializerMethodField()

    def get_upkeep(self, obj) -> list:
        return [{"kind": p.kind, "interval_days": p.interval_days,
                 "last_done_on": p.last_done_on, "next_due_on": p.next_due_on}
                for p in obj.plans.all()]  # fmt: skip

    def get_open_repairs(self, obj) -> int:
        return obj.tickets.exclude(status__in=["returned", "closed"]).count()


class EquipmentCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "inventory.view_equipmentrecord"}

    @extend_schema(responses=EquipmentOut(many=True), summary="The equipment register")
    def get(self, request):
        records = (
            EquipmentRecord.objects.filter(
                equipment__location__practice_id=practice_id_for(request.user)
            )
            .select_related("equipment__location")
            .prefetch_related("plans")
        )
        return Response(EquipmentOut(records, many=True).data)
