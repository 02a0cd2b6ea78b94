"""An appeal (reconsideration) letter to a payer, as PDF.

Pure layout: a frozen `AppealLetter` in, PDF bytes out, no Django. The words of the
letter come from the practice's template filled with the claim's facts (billing/appeals.py);
this module lays them out: letterhead, date, the payer's address, a reference block with
the claim's facts, the denied lines, the body, enclosures and signature. Deterministic and
uncompressed, so tests can read it back.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13.5, spaceAfter=7)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=11, spaceAfter=0)
_HEAD = ParagraphStyle("head", parent=_BODY, fontName="Helvetica-Bold", fontSize=14, leading=17)
_SUBJECT = ParagraphStyle("subject", parent=_BODY, fontName="Helvetica-Bold", spaceBefore=6)


@dataclass(frozen=True)
class AppealLine:
    date_of_service: date
    code: str  # procedure with modifiers, "99214-25"
    charge: Decimal
    paid: Decimal
    reasons: str  # "CO-50; N115"


@dataclass(frozen=True)
class AppealLetter:
    practice: str
    letter_date: date
    payer_name: str
    subject: str
    paragraphs: tuple[str, ...]
    practice_lines: tuple[str, ...] = ()
    payer_lines: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # (label, value), e.g. ("Claim number", "...")
    lines: tuple[AppealLine, ...] = ()
    enclosures: tuple[str, ...] = ()
    signer: str = ""
    signer_title: str = ""


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def render_appeal_letter(letter: AppealLetter) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.8 * inch,
        bottomMargin=0.8 * inch, title=letter.subject, author=letter.practice,
        invariant=1, pageCompression=0,
    )  # fmt: skip
    story: list = [_p(letter.practice, _HEAD)]
    story += [_p(line, _SMALL) for line in letter.practice_lines]
    story += [Spacer(1, 18), _p(letter.letter_date.strftime("%B %d, %Y").replace(" 0", " "))]
    story += [_p("\n".join((letter.payer_name, *letter.payer_lines)))]
    story.append(_p(f"Re: {letter.subject}", _SUBJECT))
    if letter.facts:
        facts = Table(
            [[_p(label, _SMALL), _p(value, _SMALL)] for label, value in letter.facts],
            colWidths=[1.7 * inch, 4.8 * inch], hAlign="LEFT",
        )  # fmt: skip
        facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [facts, Spacer(1, 8)]
    if letter.lines:
        rows = [["Date of service", "Service", "Charged", "Paid", "Payer's reason"]]
        rows += [
            [line.date_of_service.strftime("%m/%d/%Y"), line.code, _money(line.charge),
             _money(line.paid), line.reasons]
            for line in letter.lines
        ]  # fmt: skip
        table = Table(rows, colWidths=[1.1 * inch, 1.1 * inch, 0.9 * inch, 0.9 * inch, 2.5 * inch])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("ALIGN", (2, 0), (3, -1), "RIGHT"),
                ]
            )
        )
        story += [table, Spacer(1, 10)]
    story += [_p(text) for text in letter.paragraphs]
    story += [Spacer(1, 6), _p("Sincerely,"), Spacer(1, 26)]
    if letter.signer:
        story.append(_p("\n".join(v for v in (letter.signer, letter.signer_title) if v)))
    if letter.enclosures:
        story += [Spacer(1, 10), _p("Enclosures:", _SMALL)]
        story += [_p(f"- {item}", _SMALL) for item in letter.enclosures]
    document.build(story)
    return buffer.getvalue()
