"""Release packets, the accounting of disclosures and referral letters, as PDF.

Pure layout: frozen records in, PDF bytes out, no Django. A packet is a cover
sheet, the chart sections asked for (tables of text), then the documents in
scope appended page for page. Images (JPEG, PNG, multi-page TIFF) become PDF
pages here too. Output is deterministic (reportlab's invariant mode).
"""

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

MARGIN = 0.7 * inch
_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9.5, leading=12)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10)
_H1 = ParagraphStyle("h1", parent=_STYLES["Heading1"], fontSize=16, spaceAfter=6)
_H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=12, spaceAfter=4)
_CONFIDENTIAL = (
    "CONFIDENTIAL: this packet holds protected health information disclosed under the"
    " authority named above. Re-disclosure without the patient's authorisation may be"
    " prohibited by law. If you received it in error, tell the sender and destroy it."
)


@dataclass(frozen=True)
class Letterhead:
    practice: str
    lines: tuple[str, ...] = ()  # address, phone, fax, NPI


@dataclass(frozen=True)
class Section:
    """One part of the chart: a title and a table (header row first), or a note if empty."""

    title: str
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    empty_note: str = "Nothing on file in the requested period."
    facts: tuple[tuple[str, str], ...] = ()  # label/value pairs shown before the table


@dataclass(frozen=True)
class Attachment:
    """A document appended to the packet: a PDF file's bytes and its listing."""

    title: str
    document_date: date
    pdf: bytes


@dataclass(frozen=True)
class Cover:
    letterhead: Letterhead
    title: str  # "Release of information", "Records transfer"
    patient: str
    patient_dob: date
    mrn: str
    recipient: str
    recipient_address: str = ""
    purpose: str = ""
    authority: str = ""  # the basis: "Signed authorisation dated ...", "Treatment"
    scope: str = ""  # "01/01/2024 to 06/30/2025"
    delivery: str = ""
    prepared_on: date | None = None
    prepared_by: str = ""
    reference: str = ""  # the request's id
    notes: tuple[str, ...] = ()


def _invariant():
    rl_config.invariant = 1


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _p(text: str, style=_BODY) -> Paragraph:
    return Paragraph(_esc(text), style)


def _head(letterhead: Letterhead) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(f"<b>{_esc(letterhead.practice)}</b>", _H2)]
    if letterhead.lines:
        out.append(_p(" · ".join(letterhead.lines), _SMALL))
    out.append(Spacer(1, 10))
    return out


def _facts_table(pairs) -> Table:
    table = Table(
        [[_p(label, _SMALL), _p(value)] for label, value in pairs],
        colWidths=[1.7 * inch, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#444444")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _grid(header, rows) -> Table:
    data = [[_p(h, _SMALL) for h in header]] + [[_p(c) for c in row] for row in rows]
    table = Table(data, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
            ]
        )
    )
    return table


def _build(story: list[Flowable], *, title: str, footer: str = "") -> bytes:
    _invariant()
    buffer = BytesIO()

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        text = f"{footer} · page {doc.page}" if footer else f"page {doc.page}"
        canvas.drawRightString(LETTER[0] - MARGIN, 0.45 * inch, text)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="MedOffice",
        invariant=1,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _sections_story(sections: list[Section]) -> list[Flowable]:
    story: list[Flowable] = []
    for section in sections:
        block: list[Flowable] = [Paragraph(_esc(section.title), _H2)]
        if section.facts:
            block.append(_facts_table(section.facts))
            block.append(Spacer(1, 4))
        if section.rows:
            block.append(_grid(section.header, section.rows))
        elif not section.facts:
            block.append(_p(section.empty_note))
        story.append(KeepTogether(block[:2]))
        story.extend(block[2:])
        story.append(Spacer(1, 10))
    return story


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def render_packet(
    cover: Cover, sections: list[Section], attachments: list[Attachment]
) -> tuple[bytes, int]:
    """The whole release packet and its page count: cover, sections, then documents."""
    body = _build(
        _sections_story(sections) or [_p("No chart sections were requested.")],
        title=cover.title,
        footer=f"{cover.title} · MRN {cover.mrn}",
    )
    body_pages = page_count(body)
    attached_pages = [page_count(a.pdf) for a in attachments]

    def cover_pdf(total: int) -> bytes:
        story = _head(cover.letterhead)
        story.append(Paragraph(_esc(cover.title), _H1))
        pairs = [
            ("Patient", f"{cover.patient} · DOB {cover.patient_dob:%m/%d/%Y} · MRN {cover.mrn}"),
            ("Released to", cover.recipient),
        ]
        if cover.recipient_address:
            pairs.append(("Address", cover.recipient_address))
        for label, value in (
            ("Purpose", cover.purpose),
            ("Authority", cover.authority),
            ("Dates of service", cover.scope),
            ("Delivery", cover.delivery),
            ("Reference", cover.reference),
        ):
            if value:
                pairs.append((label, value))
        if cover.prepared_on:
            by = f" by {cover.prepared_by}" if cover.prepared_by else ""
            pairs.append(("Prepared", f"{cover.prepared_on:%m/%d/%Y}{by}"))
        pairs.append(("Pages", f"{total} including this cover sheet"))
        story.append(_facts_table(pairs))
        story.append(Spacer(1, 10))
        contents = [(s.title, "chart") for s in sections] + [
            (f"{a.title} ({a.document_date:%m/%d/%Y})", f"{n} p.")
            for a, n in zip(attachments, attached_pages, strict=True)
        ]
        story.append(Paragraph("Contents", _H2))
        if contents:
            story.append(_grid(("Part", "Pages"), contents))
        for note in cover.notes:
            story.append(Spacer(1, 6))
            story.append(_p(note))
        story.append(Spacer(1, 14))
        story.append(_p(_CONFIDENTIAL, _SMALL))
        story.append(PageBreak())
        return _build(story, title=cover.title)

    cover_only = cover_pdf(0)
    cover_pages = page_count(cover_only)
    total = cover_pages + body_pages + sum(attached_pages)
    writer = PdfWriter()
    for part in (cover_pdf(total), body, *(a.pdf for a in attachments)):
        writer.append(PdfReader(BytesIO(part)))
    writer.add_metadata({"/Title": cover.title, "/Producer": "MedOffice"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), total


def image_to_pdf(data: bytes) -> bytes:
    """A JPEG, PNG or (multi-page) TIFF as a PDF, one page per frame."""
    frames = []
    with Image.open(BytesIO(data)) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.convert("RGB"))
    out = BytesIO()
    frames[0].save(out, format="PDF", save_all=True, append_images=frames[1:], resolution=150.0)
    return out.getvalue()


@dataclass(frozen=True)
class AccountingEntry:
    disclosed_on: date
    recipient: str
    recipient_address: str
    description: str
    purpose: str


@dataclass(frozen=True)
class Accounting:
    letterhead: Letterhead
    patient: str
    patient_dob: date
    mrn: str
    period_from: date
    period_to: date
    entries: tuple[AccountingEntry, ...]
    prepared_on: date


def render_accounting(accounting: Accounting) -> bytes:
    """The accounting of disclosures a patient may ask for (45 CFR 164.528)."""
    story = _head(accounting.letterhead)
    story.append(Paragraph("Accounting of disclosures", _H1))
    story.append(
        _facts_table(
            [
                ("Patient", f"{accounting.patient} · DOB {accounting.patient_dob:%m/%d/%Y}"),
                ("MRN", accounting.mrn),
                ("Period", f"{accounting.period_from:%m/%d/%Y} to {accounting.period_to:%m/%d/%Y}"),
                ("Prepared", f"{accounting.prepared_on:%m/%d/%Y}"),
            ]
        )
    )
    story.append(Spacer(1, 8))
    if accounting.entries:
        rows = [
            (
                f"{e.disclosed_on:%m/%d/%Y}",
                e.recipient + (f", {e.recipient_address}" if e.recipient_address else ""),
                e.description,
                e.purpose,
            )
            for e in accounting.entries
        ]
        story.append(_grid(("Date", "Recipient", "Information disclosed", "Purpose"), rows))
    else:
        story.append(_p("No disclosures that must be accounted for were made in this period."))
    story.append(Spacer(1, 10))
    story.append(
        _p(
            "This accounting lists disclosures of your health information in the period above,"
            " as 45 CFR 164.528 requires. It does not list disclosures for treatment, payment"
            " or health care operations, disclosures to you, or disclosures you authorised in"
            " writing. The first accounting in any 12 months is free.",
            _SMALL,
        )
    )
    return _build(story, title="Accounting of disclosures", footer=f"MRN {accounting.mrn}")


@dataclass(frozen=True)
class Letter:
    letterhead: Letterhead
    dated: date
    to_lines: tuple[str, ...]
    regarding: str  # "Re: Jane Doe, DOB 01/02/1980"
    salutation: str
    paragraphs: tuple[str, ...]
    facts: tuple[tuple[str, str], ...] = ()
    closing: str = "Sincerely,"
    signer_lines: tuple[str, ...] = ()
    enclosures: tuple[str, ...] = field(default=())


def render_letter(letter: Letter) -> bytes:
    """A referral letter (out) or a referral acknowledgement (in)."""
    story = _head(letter.letterhead)
    story.append(_p(f"{letter.dated:%B %d, %Y}"))
    story.append(Spacer(1, 8))
    for line in letter.to_lines:
        story.append(_p(line))
    story.append(Spacer(1, 8))
    story.append(Paragraph(f"<b>{_esc(letter.regarding)}</b>", _BODY))
    story.append(Spacer(1, 8))
    story.append(_p(letter.salutation))
    for paragraph in letter.paragraphs:
        story.append(Spacer(1, 4))
        story.append(_p(paragraph))
    if letter.facts:
        story.append(Spacer(1, 6))
        story.append(_facts_table(letter.facts))
    story.append(Spacer(1, 12))
    story.append(_p(letter.closing))
    story.append(Spacer(1, 24))
    for line in letter.signer_lines:
        story.append(_p(line))
    if letter.enclosures:
        story.append(Spacer(1, 10))
        story.append(_p("Enclosures: " + "; ".join(letter.enclosures), _SMALL))
    story.append(Spacer(1, 14))
    story.append(_p(_CONFIDENTIAL.replace("this packet", "this letter"), _SMALL))
    return _build(story, title=letter.regarding)
