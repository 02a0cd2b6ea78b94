"""The appeal letter PDF: the claim's facts, the denied lines and the body, read back."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pdfplumber

from medoffice.formats.pdf.appeal import AppealLetter, AppealLine, render_appeal_letter

LETTER = AppealLetter(
    practice="Riverside Family Medicine",
    practice_lines=("100 Main St, Springfield, IL 62701", "Group NPI 1972646315"),
    letter_date=date(2026, 12, 4),
    payer_name="Acme Health Plan",
    payer_lines=("Appeals Unit", "PO Box 99", "Springfield, IL 62701"),
    subject="Appeal: medical necessity",
    facts=(("Patient", "Jane Doe"), ("Claim number", "PAYER-77-001"), ("Member ID", "XYZ123")),
    lines=(AppealLine(date(2026, 11, 2), "93000", Decimal("60.00"), Decimal("0.00"), "CO-50"),),
    paragraphs=("We appeal <your> decision & ask you to pay.", "Second paragraph."),
    enclosures=("Office notes",),
    signer="Pat Biller",
    signer_title="Billing office",
)


def _text(pdf: bytes) -> str:
    with pdfplumber.open(BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() for page in document.pages)


def test_the_letter_carries_the_claims_facts_lines_body_and_signature():
    text = _text(render_appeal_letter(LETTER))
    for expected in (
        "Riverside Family Medicine", "December 4, 2026", "Appeals Unit",
        "Re: Appeal: medical necessity", "PAYER-77-001", "XYZ123", "11/02/2026", "93000",
        "$60.00", "CO-50", "We appeal <your> decision & ask you to pay.", "Second paragraph.",
        "Pat Biller", "Office notes",
    ):  # fmt: skip
        assert expected in text, expected


def test_a_long_letter_flows_onto_a_second_page():
    long = AppealLetter(**{**LETTER.__dict__, "paragraphs": ("Paragraph text. " * 60,) * 8})
    with pdfplumber.open(BytesIO(render_appeal_letter(long))) as document:
        assert len(document.pages) >= 2


def test_the_output_is_the_same_bytes_every_time():
    assert render_appeal_letter(LETTER) == render_appeal_letter(LETTER)
