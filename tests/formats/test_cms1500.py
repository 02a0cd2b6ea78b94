"""The CMS-1500 (02/12) PDF: every value read back from the page sits inside its numbered box."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO

import pdfplumber
import pytest

from medoffice.formats.pdf.cms1500 import (
    BOXES,
    Address,
    Cms1500,
    Cms1500Error,
    ServiceLine,
    render_cms1500,
    render_cms1500_batch,
)

NPI = "1234567893"
LINES = (
    ServiceLine(date(2026, 11, 2), "99214", Decimal("185.00"), modifiers=("25",), pointers="ABCD",
                rendering_npi=NPI),
    ServiceLine(date(2026, 11, 2), "93000", Decimal("60.00"), pointers="B", rendering_npi=NPI),
    ServiceLine(date(2026, 11, 2), "J1815", Decimal("8.00"), pointers="C", units=10,
                rendering_npi=NPI, supplemental="N412345678901 UN10"),
)  # fmt: skip
CLAIM = Cms1500(
    payer_name="Acme Health Plan",
    payer_address=Address("PO Box 1234", "Springfield", "IL", "62701"),
    insurance_type="group",
    insured_id="XYZ123456789",
    patient_name="Doe, Jane, A",
    patient_dob=date(1980, 4, 7),
    patient_sex="F",
    insured_name="Doe, John",
    patient_address=Address("12 Oak St", "Springfield", "IL", "62704"),
    patient_phone="(217) 555-0142",
    relationship="spouse",
    insured_address=Address("12 Oak St", "Springfield", "IL", "62704"),
    insured_group="GRP7788",
    insured_dob=date(1978, 1, 2),
    insured_sex="M",
    insured_plan_name="Acme PPO",
    another_plan=False,
    current_illness_date=date(2026, 10, 1),
    current_illness_qualifier="431",
    referring_name="Smith, Alan",
    referring_npi="1245319599",
    diagnoses=("E11.9", "I10", "Z79.4", "E78.5", "R51.9", "J06.9", "M54.50", "K21.9", "N39.0",
               "L30.9", "H10.33", "F41.1"),
    resubmission_code="7",
    original_reference="PAYERCLM0042",
    prior_authorization="PA99887",
    lines=LINES,
    tax_id="12-3456789",
    patient_account="C0000123",
    amount_paid=Decimal("25.00"),
    physician_signature="Alan Smith MD",
    physician_signature_date=date(2026, 11, 3),
    facility_name="Riverside Family Medicine",
    facility_address=Address("100 Main St", "Springfield", "IL", "62701"),
    facility_npi="1972646315",
    billing_phone="217-555-0100",
    billing_name="Riverside Billing Group",
    billing_address=Address("200 Elm St", "Peoria", "IL", "61602"),
    billing_npi="1558444216",
)  # fmt: skip


def _pages(pdf: bytes):
    with pdfplumber.open(BytesIO(pdf)) as document:
        return [
            (page.height, page.extract_words(keep_blank_chars=False, use_text_flow=True))
            for page in document.pages
        ]


def _box_of(word, height) -> list[str]:
    """The boxes whose rectangle holds the word's middle (PDF points, origin bottom left)."""
    x = (word["x0"] + word["x1"]) / 2
    y = height - (word["top"] + word["bottom"]) / 2
    return [b.number for b in BOXES.values() if _inside(b.rect(), x, y)]


def _inside(rect, x, y) -> bool:
    x0, y0, x1, y1 = rect
    return x0 <= x <= x1 and y0 <= y <= y1


def _where(pdf: bytes, page: int = 0) -> dict[str, list[str]]:
    """Each word on the page -> the boxes it was found in (a word may occur more than once)."""
    height, words = _pages(pdf)[page]
    found: dict[str, list[str]] = {}
    for word in words:
        found.setdefault(word["text"], []).extend(_box_of(word, height))
    return found


@pytest.fixture(scope="module")
def red():
    return _where(render_cms1500(CLAIM, form="red"))


@pytest.mark.parametrize(
    ("text", "box"),
    [
        ("ACME", "carrier"),
        ("XYZ123456789", "1a"),
        ("JANE,", "2"),
        ("1980", "3"),
        ("JOHN", "4"),
        ("62704", "5"),
        ("GRP7788", "11"),
        ("1978", "11a"),
        ("PPO", "11c"),
        ("431", "14"),
        ("1245319599", "17b"),
        ("PAYERCLM0042", "22"),
        ("PA99887", "23"),
        ("99214", "24D"),
        ("25", "24D"),
        ("ABCD", "24E"),
        ("185", "24F"),
        ("10", "24G"),
        ("N412345678901", "24A"),
        ("123456789", "25"),
        ("C0000123", "26"),
        ("253", "28"),  # 185.00 + 60.00 + 8.00 = 253.00
        ("RIVERSIDE", "32"),
        ("1972646315", "32"),
        ("PEORIA,", "33"),
        ("1558444216", "33"),
    ],
)
def test_each_value_prints_inside_its_numbered_box(red, text, box):
    assert box in red[text], f"{text!r} found in {red.get(text)}, expected box {box}"


def test_all_twelve_diagnoses_print_in_box_21_without_the_dot_and_with_the_icd_indicator(red):
    for code in CLAIM.diagnoses:
        assert red[code.replace(".", "")] == ["21"], code
    assert "21" in red["0"]  # ICD indicator 0: ICD-10-CM
    assert "E11.9" not in red


def test_the_rendering_npi_prints_on_every_service_line(red):
    assert red[NPI] == ["24J", "24J", "24J"]


def test_amounts_print_with_the_cents_apart_as_on_the_form():
    height, words = _pages(render_cms1500(CLAIM))[0]
    charges = [w for w in words if _box_of(w, height) == ["24F"]]
    assert [w["text"] for w in charges] == ["185", "00", "60", "00", "8", "00"]
    # dollars are right-aligned: the cents of every line start at the same column
    cents = {round(w["x0"], 1) for w in charges if w["text"] == "00"}
    assert len(cents) == 1


def test_the_red_form_mode_prints_data_only_and_plain_paper_draws_boxes_and_labels():
    red_words = " ".join(w["text"] for w in _pages(render_cms1500(CLAIM, form="red"))[0][1])
    plain_pdf = render_cms1500(CLAIM, form="plain")
    plain_words = " ".join(w["text"] for w in _pages(plain_pdf)[0][1])
    assert "INSURED'S" not in red_words
    assert "PATIENT'S NAME" in plain_words
    assert "ACCEPT ASSIGNMENT?" in plain_words
    with pdfplumber.open(BytesIO(plain_pdf)) as document:
        assert len(document.pages[0].rects) >= len(BOXES)
    with pdfplumber.open(BytesIO(render_cms1500(CLAIM, form="red"))) as document:
        assert document.pages[0].rects == []


def test_plain_mode_values_still_sit_in_their_boxes():
    plain = _where(render_cms1500(CLAIM, form="plain"))
    assert "2" in plain["DOE,"]
    assert "24D" in plain["93000"]
    assert "33" in plain["1558444216"]


def test_a_printer_offset_moves_every_value_by_the_same_amount():
    base = _pages(render_cms1500(CLAIM))[0][1]
    shifted = _pages(render_cms1500(CLAIM, offset=(3.6, -6.0)))[0][1]
    assert len(base) == len(shifted)
    for a, b in zip(base, shifted, strict=True):
        assert a["text"] == b["text"]
        assert b["x0"] - a["x0"] == pytest.approx(3.6, abs=0.01)
        assert b["top"] - a["top"] == pytest.approx(6.0, abs=0.01)


def test_checkboxes_mark_the_insurance_type_relationship_sex_and_assignment():
    height, words = _pages(render_cms1500(CLAIM))[0]
    marks = sorted(b for w in words if w["text"] == "X" for b in _box_of(w, height))
    # 1 group; 3 female; 6 spouse; 10a/10b/10c no; 11a male; 11d no; 20 no; 25 EIN; 27 yes
    assert marks == sorted(["1", "3", "6", "10a", "10b", "10c", "11a", "11d", "20", "25", "27"])


def test_seven_lines_continue_on_a_second_page_with_its_own_total_and_no_amount_paid():
    seven = replace(CLAIM, lines=LINES + LINES + LINES[:1])
    pages = _pages(render_cms1500(seven))
    assert len(pages) == 2
    first, second = (_where(render_cms1500(seven), n) for n in (0, 1))
    assert first["506"] == ["28"]  # 2 x 253.00
    assert second["185"] == ["24F", "28"]  # the one line, and the page's own total
    assert "29" in first["25"]
    assert "29" not in second.get("25", [])


def test_a_batch_prints_each_claim_on_its_own_pages():
    other = replace(CLAIM, patient_name="Roe, Richard", lines=LINES[:1])
    pdf = render_cms1500_batch([CLAIM, other])
    pages = _pages(pdf)
    assert len(pages) == 2
    assert "RICHARD" in {w["text"] for w in pages[1][1]}


def test_a_long_account_number_prints_whole_and_condensed_inside_box_26():
    account = "4F2A9C0E71B3D5E6"  # 16 characters; the box holds 14 at 10 per inch
    where = _where(render_cms1500(replace(CLAIM, patient_account=account)))
    assert where[account] == ["26"]


def test_the_output_is_the_same_bytes_every_time():
    assert render_cms1500(CLAIM) == render_cms1500(CLAIM)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lines": ()}, "at least one service line"),
        ({"diagnoses": tuple(f"R{n:02d}" for n in range(13))}, "12 diagnoses"),
        ({"lines": (replace(LINES[0], pointers="F"),)}, "pointers"),
        ({"lines": (replace(LINES[0], pointers="ABCDE"),)}, "pointers"),
        ({"lines": (replace(LINES[0], modifiers=("25", "59", "95", "GT", "XS")),)}, "4 modifiers"),
        ({"lines": (replace(LINES[0], charge=Decimal("-5.00")),)}, "negative"),
        ({"lines": (replace(LINES[0], charge=Decimal("123456.00")),)}, "too large"),
        ({"insurance_type": "medigap"}, "Box 1"),
        ({"relationship": "cousin"}, "Box 6"),
    ],
)
def test_a_record_that_cannot_be_printed_is_refused_with_the_box_named(change, message):
    with pytest.raises(Cms1500Error, match=message):
        render_cms1500(replace(CLAIM, **({"diagnoses": CLAIM.diagnoses[:5]} | change)))


def test_an_unknown_form_mode_is_refused():
    with pytest.raises(Cms1500Error, match="form"):
        render_cms1500(CLAIM, form="blue")
