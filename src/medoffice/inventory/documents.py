"""Mapping a purchase order to its PDF and to the e-mail that carries it to the vendor."""

from django.conf import settings
from django.core.mail import EmailMessage

from medoffice.formats.pdf.purchase_order import Order, OrderLine, render_purchase_order
from medoffice.inventory import selectors
from medoffice.inventory.models import PurchaseOrder, VendorPrice


def order_record(order: PurchaseOrder) -> Order:
    lines = []
    for line in order.lines.select_related("item"):
        price = (
            VendorPrice.objects.filter(vendor=order.vendor, item=line.item)
            .exclude(vendor_sku="")
            .order_by("-effective_on")
            .first()
        )
        lines.append(
            OrderLine(code=price.vendor_sku if price else line.item.sku,
                      description=line.item.name, quantity=line.quantity, unit=line.item.unit,
                      unit_price=line.unit_price, amount=line.unit_price * line.quantity)
        )  # fmt: skip
    loc = order.location
    approver = order.approved_by
    return Order(
        number=order.number, ordered_on=order.created_at.date(), practice=order.practice.name,
        ship_to=(loc.name, loc.address1, f"{loc.city}, {loc.state} {loc.zip_code}", loc.phone),
        vendor=order.vendor.name, vendor_account=order.vendor.account_number,
        lines=tuple(lines), total=selectors.order_total(order),
        approved_by=(approver.get_full_name() or approver.username) if approver else "",
        note=order.note,
    )  # fmt: skip


def order_pdf(order: PurchaseOrder) -> bytes:
    return render_purchase_order(order_record(order))


def order_email(order: PurchaseOrder, *, connection=None) -> EmailMessage:
    email = EmailMessage(
        subject=f"Purchase order {order.number} from {order.practice.name}",
        body=(
            f"Please find attached purchase order {order.number}.\n"
            f"Ship to {order.location.name}, {order.location.address1}, "
            f"{order.location.city}. Please confirm and tell us of any backorder.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.vendor.email],
        connection=connection,
    )
    email.attach(f"PO-{order.number}.pdf", order_pdf(order), "application/pdf")
    return email
