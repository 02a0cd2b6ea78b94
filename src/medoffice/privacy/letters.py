"""Breach notification letters to individuals (164.404(c)) as one PDF, a page per patient,
and the notice list (CSV) for the mailing, HHS and media reports."""

import csv
import io
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from medoffice.privacy.models import SecurityIncident

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=8)
_HEAD = ParagraphStyle("head", parent=_BODY, fontName="Helvetica-Bold", fontSize=14, leading=18)
_SUB = ParagraphStyle("sub", parent=_BODY, fontName="Helvetica-Bold", spaceBefore=4)


def _p(text: str, style=_BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _address(patient) -> str:
    lines = [f"{patient.first_name} {patient.last_name}", patient.address1]
    if patient.address2:
        lines.append(patient.address2)
    lines.append(f"{patient.city}, {patient.state} {patient.zip_code}")
    return "\n".join(lines)


def letters_pdf(incident: SecurityIncident, *, practice_name: str, today: date) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.8 * inch,
        bottomMargin=0.8 * inch, title="Notice of a privacy incident", author=practice_name,
        invariant=1, pageCompression=0,
    )  # fmt: skip
    story: list = []
    discovered = incident.discovered_at.date().strftime("%B %d, %Y").replace(" 0", " ")
    for n, affected in enumerate(incident.affected.select_related("patient")):
        patient = affected.patient
        if n:
            story.append(PageBreak())
        story += [
            _p(practice_name, _HEAD),
            Spacer(1, 12),
            _p(today.strftime("%B %d, %Y").replace(" 0", " ")),
            _p(_address(patient)),
            Spacer(1, 6),
            _p("Notice of a privacy incident involving your health information", _SUB),
            _p(f"Dear {patient.first_name} {patient.last_name},"),
            _p("What happened", _SUB),
            _p(
                (incident.letter_what_happened or incident.title)
                + f" We discovered this on {discovered}. Our records show your information was"
                f" accessed between {affected.first_at:%B %d, %Y} and {affected.last_at:%B %d, %Y}."
            ),
            _p("What information was involved", _SUB),
            _p(incident.letter_phi_types or "Information from your medical record."),
            _p("What we are doing", _SUB),
            _p(incident.letter_actions or "We are investigating and have stopped the access."),
            _p("What you can do", _SUB),
            _p(incident.letter_steps or "Review statements from your health insurer."),
            _p("For more information", _SUB),
            _p(incident.letter_contact or practice_name),
        ]
    if not story:
        story.append(_p("No affected patients are listed for this incident."))
    document.build(story)
    return buffer.getvalue()


NOTICE_COLUMNS = (
    "mrn", "last_name", "first_name", "address1", "address2", "city", "state", "zip_code",
    "events", "first_access", "last_access",
)  # fmt: skip


def _safe(value):
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def notices_csv(incident: SecurityIncident) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(NOTICE_COLUMNS)
    for affected in incident.affected.select_related("patient"):
        p = affected.patient
        writer.writerow(
            [_safe(v) for v in (
                p.mrn, p.last_name, p.first_name, p.address1, p.address2, p.city, p.state,
                p.zip_code, affected.events, affected.first_at.isoformat(),
                affected.last_at.isoformat(),
            )]
        )  # fmt: skip
    return out.getvalue()
