"""The one way views and the API reach the closet's and the register's records: scoped to the
user's practice (another practice's look absent, 404). Nothing here is PHI by itself; the
patients a vaccine lot went to are shown as counts, never names."""

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.inventory.models import (
    CycleCount,
    EquipmentDocument,
    EquipmentRecord,
    Item,
    PurchaseOrder,
    ServiceTicket,
    Vendor,
)


def _one(queryset, public_id):
    found = queryset.filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def item_get_for_user(user, public_id) -> Item:
    return _one(Item.objects.filter(practice_id=practice_id_for(user)), public_id)


def vendor_get_for_user(user, public_id) -> Vendor:
    return _one(Vendor.objects.filter(practice_id=practice_id_for(user)), public_id)


def order_get_for_user(user, public_id) -> PurchaseOrder:
    orders = PurchaseOrder.objects.filter(practice_id=practice_id_for(user))
    return _one(orders.select_related("vendor", "location", "practice"), public_id)


def equipment_get_for_user(user, public_id) -> EquipmentRecord:
    records = EquipmentRecord.objects.filter(
        equipment__location__practice_id=practice_id_for(user)
    ).select_related("equipment__location", "vendor")
    return _one(records, public_id)


def equipment_document_get_for_user(user, public_id) -> EquipmentDocument:
    documents = EquipmentDocument.objects.filter(
        record__equipment__location__practice_id=practice_id_for(user)
    )
    return _one(documents.select_related("record"), public_id)


def ticket_get_for_user(user, public_id) -> ServiceTicket:
    tickets = ServiceTicket.objects.filter(
        record__equipment__location__practice_id=practice_id_for(user)
    )
    return _one(tickets.select_related("record__equipment"), public_id)


def count_get_for_user(user, public_id) -> CycleCount:
    counts = CycleCount.objects.filter(location__practice_id=practice_id_for(user))
    return _one(counts.select_related("location"), public_id)


def locations_for(user):
    from medoffice.core.models import Location

    return Location.objects.filter(practice_id=practice_id_for(user)).order_by("name")


def location_for(user, value):
    """A location of the user's practice by primary key from a form, or None."""
    try:
        return locations_for(user).filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None
