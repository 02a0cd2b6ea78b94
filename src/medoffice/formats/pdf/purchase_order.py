"""A purchase order as PDF, for e-mail to the vendor.

Pure layout: a frozen record in, PDF bytes out, no Django. Deterministic
(reportlab's invariant mode) and uncompressed, so tests can read the words.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from reportlab import rl_config
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

MARGIN = 0.7 * inch
LINE = 14


@dataclass(frozen=True)
class OrderLine:
    code: str  # the vendor's item code, else ours
    description: str
    quantity: int
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Order:
    number: str
    ordered_on: date
    practice: str
    ship_to: tuple[str, ...]
    vendor: str
    vendor_account: str
    lines: tuple[OrderLine, ...]
    total: Decimal
    approved_by: str = ""
    note: str = ""


def render_purchase_order(order: Order) -> bytes:
    rl_config.invariant = 1
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, pageCompression=0)
    canvas.setTitle(f"Purchase order {order.number}")
    width, height = LETTER
    y = height - MARGIN

    def text(x, value, *, size=10, bold=False):
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        canvas.drawString(x, y, value)

    text(MARGIN, f"PURCHASE ORDER {order.number}", size=16, bold=True)
    y -= 2 * LINE
    text(MARGIN, order.practice, bold=True)
    text(width / 2, f"Date: {order.ordered_on.isoformat()}")
    y -= LINE
    for part in order.ship_to:
        text(MARGIN, part)
        y -= LINE
    y -= LINE
    text(MARGIN, f"Vendor: {order.vendor}", bold=True)
    if order.vendor_account:
        text(width / 2, f"Our account: {order.vendor_account}")
    y -= 2 * LINE
    columns = (MARGIN, MARGIN + 90, MARGIN + 330, MARGIN + 390, MARGIN + 460)
    for x, head in zip(columns, ("Item", "Description", "Qty", "Unit $", "Amount $"), strict=True):
        text(x, head, bold=True)
    y -= LINE
    for line in order.lines:
        if y < MARGIN + 3 * LINE:
            canvas.showPage()
            y = height - MARGIN
        cells = (line.code, line.description[:44], f"{line.quantity} {line.unit}",
                 f"{line.unit_price:,.2f}", f"{line.amount:,.2f}")  # fmt: skip
        for x, cell in zip(columns, cells, strict=True):
            text(x, cell)
        y -= LINE
    y -= LINE
    text(columns[3], "Total", bold=True)
    text(columns[4], f"{order.total:,.2f}", bold=True)
    y -= 2 * LINE
    if order.approved_by:
        text(MARGIN, f"Approved by {order.approved_by}")
        y -= LINE
    if order.note:
        text(MARGIN, order.note[:100])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
