"""The printed superbill (encounter form) and the patient's visit receipt, as PDF.

Pure layout: frozen records in, PDF bytes out, no Django. The output is
deterministic (reportlab's invariant mode: no creation time, fixed ids) and
uncompressed, so tests can read the words on the page.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from reportlab import rl_config
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

MARGIN = 0.6 * inch
LINE = 13


@dataclass(frozen=True)
class Heading:
    practice: str
    practice_lines: tuple[str, ...] = ()  # address, phone, NPI, tax id
    provider: str = ""
    provider_npi: str = ""
    patient: str = ""
    patient_dob: date | None = None
    mrn: str = ""
    date_of_service: date | None = None
    place_of_service: str = ""
    insurance: str = ""


@dataclass(frozen=True)
class PickItem:
    code: str
    label: str
    checked: bool


@dataclass(frozen=True)
class PickSection:
    title: str
    items: tuple[PickItem, ...]


@dataclass(frozen=True)
class DiagnosisRow:
    letter: str
    code: str  # dotted
    description: str


@dataclass(frozen=True)
class ServiceRow:
    code: str
    description: str
    modifiers: str = ""
    units: int = 1
    pointers: str = ""  # letters, "AB"
    amount: Decimal | None = None


@dataclass(frozen=True)
class SuperbillRecord:
    heading: Heading
    diagnoses: tuple[DiagnosisRow, ...] = ()
    services: tuple[ServiceRow, ...] = ()
    total: Decimal | None = None
    status: str = ""  # "Signed by ... on ...; version 2"
    service_sections: tuple[PickSection, ...] = ()
    diagnosis_sections: tuple[PickSection, ...] = ()


@dataclass(frozen=True)
class ReceiptRecord:
    heading: Heading
    services: tuple[ServiceRow, ...] = ()
    total: Decimal = Decimal("0.00")
    paid_today: Decimal = Decimal("0.00")
    notes: tuple[str, ...] = field(default_factory=tuple)


class _Page:
    """A top-down writer over reportlab's canvas that starts new pages as needed."""

    def __init__(self, title: str) -> None:
        self.buffer = BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=LETTER, pageCompression=0, invariant=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("MedOffice")
        self.width, self.height = LETTER
        self.y = self.height - MARGIN

    def need(self, lines: int = 1) -> None:
        if self.y - lines * LINE < MARGIN:
            self.canvas.showPage()
            self.y = self.height - MARGIN

    def text(self, x: float, value: str, *, size: int = 9, bold: bool = False) -> None:
        self.canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.canvas.drawString(MARGIN + x, self.y, value)

    def right(self, x: float, value: str, *, size: int = 9, bold: bool = False) -> None:
        self.canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.canvas.drawRightString(MARGIN + x, self.y, value)

    def down(self, lines: float = 1) -> None:
        self.y -= lines * LINE

    def rule(self) -> None:
        self.canvas.setLineWidth(0.5)
        self.canvas.line(MARGIN, self.y + 4, self.width - MARGIN, self.y + 4)
        self.down(0.6)

    def box(self, x: float, checked: bool) -> None:
        self.canvas.rect(MARGIN + x, self.y - 1, 8, 8)
        if checked:
            self.canvas.setFont("Helvetica-Bold", 9)
            self.canvas.drawString(MARGIN + x + 1, self.y, "X")

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def _day(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"${value:,.2f}"


def _clip(value: str, chars: int) -> str:
    return value if len(value) <= chars else value[: chars - 1] + "..."


def _heading(page: _Page, title: str, h: Heading) -> None:
    page.text(0, h.practice, size=14, bold=True)
    page.right(page.width - 2 * MARGIN, title, size=14, bold=True)
    page.down(1.3)
    for line in h.practice_lines:
        page.text(0, line, size=8)
        page.down(0.9)
    page.down(0.4)
    page.rule()
    facts = (
        ("Patient", h.patient), ("Date of birth", _day(h.patient_dob)), ("MRN", h.mrn),
        ("Date of service", _day(h.date_of_service)), ("Place of service", h.place_of_service),
        ("Provider", h.provider + (f" (NPI {h.provider_npi})" if h.provider_npi else "")),
        ("Insurance", h.insurance or "Self-pay"),
    )  # fmt: skip
    for label, value in facts:
        if not value:
            continue
        page.text(0, f"{label}:", bold=True)
        page.text(95, _clip(value, 90))
        page.down()
    page.down(0.5)


def _pick_sections(page: _Page, title: str, sections: tuple[PickSection, ...]) -> None:
    if not sections:
        return
    page.need(3)
    page.text(0, title, size=11, bold=True)
    page.down(1.2)
    column_width = (page.width - 2 * MARGIN) / 2
    for section in sections:
        page.need(2)
        page.text(0, section.title, bold=True)
        page.down()
        for index in range(0, len(section.items), 2):
            page.need()
            for column, item in enumerate(section.items[index : index + 2]):
                x = column * column_width
                page.box(x, item.checked)
                page.text(x + 14, f"{item.code}  {_clip(item.label, 42)}", size=8)
            page.down()
        page.down(0.3)


def render_superbill(record: SuperbillRecord) -> bytes:
    rl_config.invariant = 1
    page = _Page(f"Superbill {_day(record.heading.date_of_service)}")
    _heading(page, "Superbill", record.heading)
    _pick_sections(page, "Services", record.service_sections)
    _pick_sections(page, "Diagnoses", record.diagnosis_sections)
    page.need(3)
    page.text(0, "Diagnoses (ICD-10-CM)", size=11, bold=True)
    page.down(1.2)
    for dx in record.diagnoses:
        page.need()
        page.text(0, dx.letter, bold=True)
        page.text(18, dx.code)
        page.text(75, _clip(dx.description, 95), size=8)
        page.down()
    if not record.diagnoses:
        page.text(0, "None recorded.", size=8)
        page.down()
    page.down(0.5)
    page.need(3)
    page.text(0, "Services", size=11, bold=True)
    page.down(1.2)
    right = page.width - 2 * MARGIN
    for label, x in (("Code", 0), ("Modifiers", 45), ("Description", 105), ("Units", 370),
                     ("Dx", 405)):  # fmt: skip
        page.text(x, label, size=8, bold=True)
    page.right(right, "Charge", size=8, bold=True)
    page.down()
    for row in record.services:
        page.need()
        page.text(0, row.code)
        page.text(45, row.modifiers)
        page.text(105, _clip(row.description, 50), size=8)
        page.text(370, str(row.units))
        page.text(405, row.pointers)
        page.right(right, _money(row.amount))
        page.down()
    if record.total is not None:
        page.rule()
        page.text(300, "Total charges", bold=True)
        page.right(right, _money(record.total), bold=True)
        page.down()
    if record.status:
        page.down()
        page.need()
        page.text(0, record.status, size=8)
    return page.finish()


def render_receipt(record: ReceiptRecord) -> bytes:
    rl_config.invariant = 1
    page = _Page(f"Visit receipt {_day(record.heading.date_of_service)}")
    _heading(page, "Visit receipt", record.heading)
    right = page.width - 2 * MARGIN
    page.text(0, "Services", size=11, bold=True)
    page.down(1.2)
    for label, x in (("Code", 0), ("Description", 60), ("Units", 380)):
        page.text(x, label, size=8, bold=True)
    page.right(right, "Charge", size=8, bold=True)
    page.down()
    for row in record.services:
        page.need()
        page.text(0, row.code + (f"-{row.modifiers}" if row.modifiers else ""))
        page.text(60, _clip(row.description, 60), size=8)
        page.text(380, str(row.units))
        page.right(right, _money(row.amount))
        page.down()
    page.rule()
    for label, amount in (("Total charges", record.total), ("Paid today", record.paid_today)):
        page.text(300, label, bold=True)
        page.right(right, _money(amount), bold=True)
        page.down()
    page.down()
    for note in record.notes:
        page.need()
        page.text(0, note, size=8)
        page.down()
    return page.finish()
