"""The patient's account on paper: the payment receipt, the statement and the deposit slip.

Pure layout: frozen records in, PDF bytes out, no Django. Deterministic and uncompressed
(reportlab's invariant mode), like the superbill, so tests read the words on the page.

The statement is written for the patient, not the biller: for each visit, what was
charged, what insurance paid and adjusted, and what is left for you and why (deductible,
coinsurance, copay, not covered); then the amount due, the date it is due, and how to pay.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab import rl_config
from reportlab.lib.colors import HexColor

from medoffice.formats.pdf.superbill import MARGIN, _clip, _day, _money, _Page

ZERO = Decimal("0.00")
ACCENT = HexColor("#1f6f8b")
SHADE = HexColor("#eef5f8")


@dataclass(frozen=True)
class Party:
    """Who sends or receives the paper: name and address lines."""

    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaymentReceiptRecord:
    practice: Party
    patient: str
    account: str  # the account number the patient quotes (MRN)
    received_at: str  # local date and time, already formatted with the zone
    method: str  # "Cash", "Check 1234", "Card (terminal ref T-88)"
    amount: Decimal
    applied: tuple[tuple[str, Decimal], ...] = ()  # ("Visit 03/02/2026", 20.00)
    unapplied: Decimal = ZERO  # kept on the account as a credit for later visits
    received_by: str = ""
    number: str = ""  # the receipt number
    balance_after: Decimal | None = None


@dataclass(frozen=True)
class StatementLine:
    """One service on a visit."""

    description: str  # "Office visit, established patient (99213)"
    charge: Decimal
    insurance_paid: Decimal = ZERO
    adjusted: Decimal = ZERO  # the insurer's discount and other adjustments
    you_paid: Decimal = ZERO
    you_owe: Decimal = ZERO
    why: str = ""  # "Deductible $40.00; coinsurance $12.00"


@dataclass(frozen=True)
class StatementVisit:
    day: date
    provider: str
    insurance: str  # "Acme Health" or "No insurance on file"
    lines: tuple[StatementLine, ...]


@dataclass(frozen=True)
class StatementRecord:
    practice: Party
    patient: Party  # the guarantor and mailing address
    account: str
    statement_date: date
    due_date: date
    visits: tuple[StatementVisit, ...]
    previous_payments: Decimal = ZERO  # payments not tied to a visit (credits applied)
    amount_due: Decimal = ZERO
    how_to_pay: tuple[str, ...] = ()
    message: str = ""  # the dunning message for this notice, if any
    plan: str = ""  # "Payment plan: next instalment $50.00 due 04/01/2026"
    number: str = ""


@dataclass(frozen=True)
class DepositRow:
    method: str  # "Cash", "Check", "Card"
    reference: str  # check number / terminal ref
    payer: str  # patient or payer name
    amount: Decimal


@dataclass(frozen=True)
class DepositSlipRecord:
    practice: Party
    location: str
    day: date
    closed_by: str
    rows: tuple[DepositRow, ...]
    totals: tuple[tuple[str, Decimal], ...]  # by method, from the ledger
    counted: tuple[tuple[str, Decimal], ...]  # by method, as counted in the drawer
    differences: tuple[str, ...] = ()  # "Cash: counted $95.00, posted $100.00 (-$5.00)"


def _party(page: _Page, party: Party, *, size: int = 9) -> None:
    page.text(0, party.name, size=size + 2, bold=True)
    page.down()
    for line in party.lines:
        page.text(0, line, size=size)
        page.down()


def _band(page: _Page, label: str, value: str) -> None:
    """A shaded box with one big figure: the amount that matters on this paper."""
    canvas = page.canvas
    canvas.setFillColor(SHADE)
    canvas.rect(MARGIN, page.y - 10, page.width - 2 * MARGIN, 30, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    page.down(-0.4)
    page.text(8, label, size=12, bold=True)
    page.right(page.width - 2 * MARGIN - 8, value, size=16, bold=True)
    canvas.setFillColorRGB(0, 0, 0)
    page.down(2.2)


def render_payment_receipt(record: PaymentReceiptRecord) -> bytes:
    rl_config.invariant = 1
    page = _Page(f"Payment receipt {record.number}".strip())
    right = page.width - 2 * MARGIN
    _party(page, record.practice)
    page.down()
    page.text(0, "Payment receipt", size=14, bold=True)
    if record.number:
        page.right(right, f"Receipt {record.number}", size=9)
    page.down(1.6)
    for label, value in (
        ("Patient", record.patient),
        ("Account", record.account),
        ("Received", record.received_at),
        ("Paid by", record.method),
        ("Received by", record.received_by),
    ):
        if value:
            page.text(0, label, bold=True)
            page.text(90, value)
            page.down()
    page.down()
    _band(page, "Amount paid", _money(record.amount))
    if record.applied:
        page.text(0, "Applied to", size=11, bold=True)
        page.down(1.2)
        for label, amount in record.applied:
            page.need()
            page.text(0, _clip(label, 80))
            page.right(right, _money(amount))
            page.down()
    if record.unapplied:
        page.text(0, "Kept on your account as a credit for later visits")
        page.right(right, _money(record.unapplied))
        page.down()
    if record.balance_after is not None:
        page.rule()
        page.text(0, "Your balance after this payment", bold=True)
        page.right(right, _money(record.balance_after), bold=True)
        page.down()
    page.down()
    page.text(0, "Thank you. Keep this receipt for your records.", size=8)
    return page.finish()


def _why(line: StatementLine) -> str:
    return line.why or ("" if not line.you_owe else "Not paid by insurance")


def render_statement(record: StatementRecord) -> bytes:
    rl_config.invariant = 1
    page = _Page(f"Statement {record.statement_date:%m/%d/%Y}")
    right = page.width - 2 * MARGIN
    top = page.y
    _party(page, record.practice)
    page.y = top
    page.right(right, "Statement", size=14, bold=True)
    page.down(1.3)
    for label, value in (
        ("Statement date", _day(record.statement_date)),
        ("Account", record.account),
        ("Please pay by", _day(record.due_date)),
    ):
        page.right(right - 90, label, size=8, bold=True)
        page.right(right, value, size=9)
        page.down()
    page.y = min(page.y, top - (len(record.practice.lines) + 2) * 13)
    page.down()
    _party(page, record.patient, size=9)
    page.down()
    _band(page, "You owe", _money(record.amount_due))
    if record.message:
        page.text(0, _clip(record.message, 110), size=9, bold=True)
        page.down(1.4)
    if record.plan:
        page.text(0, _clip(record.plan, 110), size=9)
        page.down(1.4)
    page.text(0, "Your visits", size=11, bold=True)
    page.down(1.3)
    columns = (("Charged", 300), ("Insurance paid", 365), ("Discount", 425),
               ("You paid", 475), ("You owe", right))  # fmt: skip
    for visit in record.visits:
        page.need(4)
        page.text(0, f"{_day(visit.day)}  {visit.provider}", bold=True)
        page.right(right, _clip(visit.insurance, 50), size=8)
        page.down()
        page.text(0, "Service", size=7, bold=True)
        for label, x in columns:
            page.right(x, label, size=7, bold=True)
        page.down()
        for line in visit.lines:
            page.need(2)
            page.text(0, _clip(line.description, 52), size=8)
            values = (line.charge, line.insurance_paid, line.adjusted, line.you_paid, line.you_owe)
            for (_, x), value in zip(columns, values, strict=True):
                page.right(x, _money(value), size=8, bold=x == right)
            page.down()
            why = _why(line)
            if why:
                page.text(12, _clip("Why you owe this: " + why, 100), size=7)
                page.down()
        page.down(0.5)
    page.rule()
    if record.previous_payments:
        page.text(0, "Payments and credits not tied to a visit")
        page.right(right, "-" + _money(record.previous_payments))
        page.down()
    page.text(0, "Amount due", size=11, bold=True)
    page.right(right, _money(record.amount_due), size=11, bold=True)
    page.down(2)
    if record.how_to_pay:
        page.need(len(record.how_to_pay) + 2)
        page.text(0, "How to pay", size=11, bold=True)
        page.down(1.3)
        for way in record.how_to_pay:
            page.text(0, "- " + _clip(way, 110), size=9)
            page.down()
    page.down()
    page.need(2)
    page.text(0, "Questions about this bill? Call us: we can explain every line, and we offer "
                 "payment plans.", size=8)  # fmt: skip
    return page.finish()


def render_deposit_slip(record: DepositSlipRecord) -> bytes:
    rl_config.invariant = 1
    page = _Page(f"Deposit slip {record.day:%m/%d/%Y} {record.location}")
    right = page.width - 2 * MARGIN
    _party(page, record.practice)
    page.down()
    page.text(0, f"Deposit slip: {record.location}, {_day(record.day)}", size=13, bold=True)
    page.down(1.3)
    page.text(0, f"Closed by {record.closed_by}", size=9)
    page.down(1.5)
    for label, x in (("Method", 0), ("Reference", 70), ("From", 190)):
        page.text(x, label, size=8, bold=True)
    page.right(right, "Amount", size=8, bold=True)
    page.down()
    for row in record.rows:
        page.need()
        page.text(0, row.method)
        page.text(70, _clip(row.reference, 22))
        page.text(190, _clip(row.payer, 50))
        page.right(right, _money(row.amount))
        page.down()
    page.rule()
    counted = dict(record.counted)
    page.text(0, "Totals", size=10, bold=True)
    page.right(right - 110, "Posted", size=8, bold=True)
    page.right(right, "Counted", size=8, bold=True)
    page.down()
    for method, amount in record.totals:
        page.text(0, method)
        page.right(right - 110, _money(amount))
        page.right(right, _money(counted.get(method)))
        page.down()
    grand = sum((amount for _, amount in record.totals), ZERO)
    page.text(0, "Deposit total", bold=True)
    page.right(right - 110, _money(grand), bold=True)
    page.right(right, _money(sum(counted.values(), ZERO)), bold=True)
    page.down(1.5)
    if record.differences:
        page.text(0, "Differences to explain", size=10, bold=True)
        page.down()
        for difference in record.differences:
            page.text(0, "- " + difference, size=9)
            page.down()
    else:
        page.text(0, "Counted amounts match the posted payments.", size=9)
        page.down()
    return page.finish()
