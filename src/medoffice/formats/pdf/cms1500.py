"""The CMS-1500 (02/12) paper claim, as PDF.

Pure layout: a frozen `Cms1500` record in, PDF bytes out, no Django.

The form is laid out on the grid it was designed for: 10 characters per inch
(Courier 12) and 6 lines per inch, every field at a fixed line and column
(`FIELDS`), every numbered box a rectangle of whole lines and columns
(`BOXES`). Two modes:

- `form="red"`: data only, in upper case, to print onto the pre-printed red
  OCR form (what Medicare and most payers scan). `offset` shifts everything
  by a few points to match one printer (calibrate with a test print).
- `form="plain"`: the same data plus the box outlines, box numbers and
  labels, for payers that accept a black-and-white form and for the
  practice's own copy.

A claim with more than six service lines continues on further pages; each
page carries its own lines and its own total (box 28), as payers process
each form as it stands; the amount paid (box 29) is on the first page only.
The output is deterministic and uncompressed, so tests can read it back.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

LINES_PER_PAGE = 6
MAX_DIAGNOSES = 12
DX_LETTERS = "ABCDEFGHIJKL"

CHAR = 7.2  # points per column: 10 characters per inch
LINE = 12.0  # points per line: 6 lines per inch
LEFT = 19.8  # left edge of column 1, points from the paper's left edge
TOP = 789.0  # top of line 1, points from the paper's bottom edge (11 in = 792)
DATA_FONT = ("Courier", 12.0)  # exactly one column per character
LABEL_FONT = ("Helvetica", 5.2)

INSURANCE_TYPES = ("medicare", "medicaid", "tricare", "champva", "group", "feca", "other")
RELATIONSHIPS = ("self", "spouse", "child", "other")


@dataclass(frozen=True)
class Address:
    street: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""


@dataclass(frozen=True)
class ServiceLine:
    """One line of box 24. `pointers` are letters into box 21 ("AB")."""

    date_from: date
    procedure: str
    charge: Decimal
    place_of_service: str = "11"
    date_to: date | None = None
    emergency: bool = False
    modifiers: tuple[str, ...] = ()
    pointers: str = "A"
    units: Decimal | int = 1
    epsdt: str = ""
    rendering_npi: str = ""
    rendering_qualifier: str = ""  # 24I shaded: e.g. "ZZ" (taxonomy), "G2"
    rendering_other_id: str = ""
    supplemental: str = ""  # the shaded line's 24A-G area: NDC, anesthesia times, ...


@dataclass(frozen=True)
class Cms1500:
    # Carrier block (top right)
    payer_name: str
    payer_address: Address = field(default_factory=Address)
    # Boxes 1-13
    insurance_type: str = "group"
    insured_id: str = ""
    patient_name: str = ""  # LAST, FIRST, MIDDLE INITIAL
    patient_dob: date | None = None
    patient_sex: str = ""  # "M", "F" or blank
    insured_name: str = ""
    patient_address: Address = field(default_factory=Address)
    patient_phone: str = ""
    relationship: str = "self"
    insured_address: Address = field(default_factory=Address)
    insured_phone: str = ""
    other_insured_name: str = ""
    other_insured_policy: str = ""
    other_insured_plan: str = ""
    employment_related: bool = False
    auto_accident: bool = False
    auto_accident_state: str = ""
    other_accident: bool = False
    claim_codes: str = ""
    insured_group: str = ""
    insured_dob: date | None = None
    insured_sex: str = ""
    other_claim_qualifier: str = ""
    other_claim_id: str = ""
    insured_plan_name: str = ""
    another_plan: bool | None = None
    patient_signature: str = "SIGNATURE ON FILE"
    patient_signature_date: date | None = None
    insured_signature: str = "SIGNATURE ON FILE"
    # Boxes 14-23
    current_illness_date: date | None = None
    current_illness_qualifier: str = ""  # 431 onset, 484 last menstrual period
    other_date: date | None = None
    other_date_qualifier: str = ""
    unable_to_work_from: date | None = None
    unable_to_work_to: date | None = None
    referring_qualifier: str = "DN"  # DN referring, DK ordering, DQ supervising
    referring_name: str = ""
    referring_other_qualifier: str = ""
    referring_other_id: str = ""
    referring_npi: str = ""
    hospitalized_from: date | None = None
    hospitalized_to: date | None = None
    additional_info: str = ""
    outside_lab: bool = False
    outside_lab_charges: Decimal | None = None
    icd_indicator: str = "0"  # 0 = ICD-10-CM
    diagnoses: tuple[str, ...] = ()  # up to 12, in order A-L; printed without the dot
    resubmission_code: str = ""  # 7 replacement, 8 void
    original_reference: str = ""  # the payer's claim number of the claim replaced
    prior_authorization: str = ""
    # Box 24
    lines: tuple[ServiceLine, ...] = ()
    # Boxes 25-33
    tax_id: str = ""
    tax_id_is_ssn: bool = False
    patient_account: str = ""
    accept_assignment: bool = True
    amount_paid: Decimal = Decimal("0.00")
    physician_signature: str = "SIGNATURE ON FILE"
    physician_signature_date: date | None = None
    facility_name: str = ""
    facility_address: Address = field(default_factory=Address)
    facility_npi: str = ""
    facility_other_id: str = ""
    billing_phone: str = ""
    billing_name: str = ""
    billing_address: Address = field(default_factory=Address)
    billing_npi: str = ""
    billing_other_id: str = ""


class Cms1500Error(ValueError):
    """The record cannot be printed as a CMS-1500 (a value that has no place on the form)."""


@dataclass(frozen=True)
class Box:
    """A numbered box: whole lines `top`..`bottom` and columns `left`..`right` (inclusive)."""

    number: str
    label: str
    top: int
    bottom: int
    left: int
    right: int

    def rect(self, offset: tuple[float, float] = (0.0, 0.0)) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) in PDF points, origin bottom left."""
        dx, dy = offset
        x0 = LEFT + (self.left - 1) * CHAR + dx
        x1 = LEFT + self.right * CHAR + dx
        y1 = TOP - (self.top - 1) * LINE + dy
        y0 = TOP - self.bottom * LINE + dy
        return x0, y0, x1, y1


def _boxes() -> dict[str, Box]:
    # number, lines top-bottom, columns left-right, label ("\n": the label's next row)
    rows = [
        ("carrier", 1, 5, 41, 80, "CARRIER: PAYER NAME AND ADDRESS"),
        ("1", 7, 8, 1, 49, "1. MEDICARE MEDICAID TRICARE CHAMPVA GROUP HEALTH PLAN FECA OTHER"),
        ("1a", 7, 8, 50, 80, "1a. INSURED'S ID NUMBER"),
        ("2", 9, 10, 1, 29, "2. PATIENT'S NAME (Last, First, Middle Initial)"),
        ("3", 9, 10, 30, 49, "3. PATIENT'S BIRTH DATE SEX M F"),
        ("4", 9, 10, 50, 80, "4. INSURED'S NAME (Last, First, Middle Initial)"),
        ("5", 11, 16, 1, 29, "5. PATIENT'S ADDRESS (No., Street)"),
        (
            "6",
            11,
            12,
            30,
            49,
            "6. PATIENT RELATIONSHIP TO INSURED\nSelf    Spouse   Child    Other",
        ),
        ("7", 11, 16, 50, 80, "7. INSURED'S ADDRESS (No., Street)"),
        ("8", 13, 16, 30, 49, "8. RESERVED FOR NUCC USE"),
        ("9", 17, 18, 1, 29, "9. OTHER INSURED'S NAME"),
        ("9a", 19, 20, 1, 29, "a. OTHER INSURED'S POLICY OR GROUP NUMBER"),
        ("9b", 21, 22, 1, 29, "b. RESERVED FOR NUCC USE"),
        ("9c", 23, 24, 1, 29, "c. RESERVED FOR NUCC USE"),
        ("9d", 25, 26, 1, 29, "d. INSURANCE PLAN NAME OR PROGRAM NAME"),
        ("10", 17, 18, 30, 49, "10. IS PATIENT'S CONDITION RELATED TO:"),
        ("10a", 19, 20, 30, 49, "a. EMPLOYMENT? (Current or Previous) YES NO"),
        ("10b", 21, 22, 30, 49, "b. AUTO ACCIDENT? YES NO PLACE (State)"),
        ("10c", 23, 24, 30, 49, "c. OTHER ACCIDENT? YES NO"),
        ("10d", 25, 26, 30, 49, "10d. CLAIM CODES (Designated by NUCC)"),
        ("11", 17, 18, 50, 80, "11. INSURED'S POLICY GROUP OR FECA NUMBER"),
        ("11a", 19, 20, 50, 80, "a. INSURED'S DATE OF BIRTH SEX M F"),
        ("11b", 21, 22, 50, 80, "b. OTHER CLAIM ID (Designated by NUCC)"),
        ("11c", 23, 24, 50, 80, "c. INSURANCE PLAN NAME OR PROGRAM NAME"),
        ("11d", 25, 26, 50, 80, "d. IS THERE ANOTHER HEALTH BENEFIT PLAN? YES NO"),
        (
            "12",
            27,
            29,
            1,
            49,
            "READ BACK OF FORM BEFORE COMPLETING & SIGNING THIS FORM.\n"
            "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE    DATE",
        ),
        ("13", 27, 29, 50, 80, "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE"),
        ("14", 30, 32, 1, 29, "14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP) QUAL."),
        ("15", 30, 32, 30, 49, "15. OTHER DATE QUAL."),
        ("16", 30, 32, 50, 80, "16. DATES PATIENT UNABLE TO WORK FROM TO"),
        ("17", 33, 34, 1, 28, "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE"),
        ("17a", 33, 33, 29, 49, "17a"),
        ("17b", 34, 34, 29, 49, "17b"),
        ("18", 33, 34, 50, 80, "18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES FROM TO"),
        ("19", 35, 36, 1, 49, "19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)"),
        ("20", 35, 36, 50, 80, "20. OUTSIDE LAB? YES NO $ CHARGES"),
        ("21", 37, 40, 1, 49, "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY (Relate A-L to 24E)"),
        ("22", 37, 38, 50, 80, "22. RESUBMISSION CODE ORIGINAL REF. NO."),
        ("23", 39, 40, 50, 80, "23. PRIOR AUTHORIZATION NUMBER"),
        (
            "24A",
            41,
            54,
            1,
            18,
            "24. A. DATE(S) OF SERVICE\nFrom              To\nMM  DD  YY    MM  DD  YY",
        ),
        ("24B", 41, 54, 19, 21, "B.\nPLACE OF\nSERVICE"),
        ("24C", 41, 54, 22, 24, "C.\n\nEMG"),
        (
            "24D",
            41,
            54,
            25,
            44,
            "D. PROCEDURES, SERVICES, OR SUPPLIES\n"
            "(Explain Unusual Circumstances)\nCPT/HCPCS        MODIFIER",
        ),
        ("24E", 41, 54, 45, 49, "E.\nDIAGNOSIS\nPOINTER"),
        ("24F", 41, 54, 50, 58, "F.\n\n$ CHARGES"),
        ("24G", 41, 54, 59, 62, "G.\nDAYS OR\nUNITS"),
        ("24H", 41, 54, 63, 64, "H.\nEPSDT\nFamily Plan"),
        ("24I", 41, 54, 65, 67, "I.\nID.\nQUAL."),
        ("24J", 41, 54, 68, 80, "J.\nRENDERING\nPROVIDER ID. #"),
        ("25", 55, 56, 1, 22, "25. FEDERAL TAX I.D. NUMBER SSN EIN"),
        ("26", 55, 56, 23, 36, "26. PATIENT'S ACCOUNT NO."),
        ("27", 55, 56, 37, 49, "27. ACCEPT ASSIGNMENT? YES NO"),
        ("28", 55, 56, 50, 61, "28. TOTAL CHARGE"),
        ("29", 55, 56, 62, 71, "29. AMOUNT PAID"),
        ("30", 55, 56, 72, 80, "30. Rsvd for NUCC Use"),
        (
            "31",
            57,
            61,
            1,
            22,
            "31. SIGNATURE OF PHYSICIAN OR SUPPLIER\nINCLUDING DEGREES OR CREDENTIALS",
        ),
        ("32", 57, 61, 23, 49, "32. SERVICE FACILITY LOCATION INFORMATION"),
        ("33", 57, 61, 50, 80, "33. BILLING PROVIDER INFO & PH #"),
    ]
    return {number: Box(number, label, *grid) for number, *grid, label in rows}


BOXES: dict[str, Box] = _boxes()

# Inner rules drawn in plain mode: (line below which, from column, to column).
_INNER_RULES = (
    (12, 1, 29), (14, 1, 29), (12, 50, 80), (14, 50, 80),  # 5 and 7: street / city / zip
    (33, 29, 49),  # 17a above 17b
    (42, 1, 80),  # box 24's headings above its six lines
    (60, 23, 49), (60, 50, 80),  # 32a/32b, 33a/33b
)  # fmt: skip
_SERVICE_ROWS = tuple(range(43, 55, 2))  # the shaded (supplemental) line of each of the six

# Small labels inside boxes (line, column, text), plain mode only.
_SUBLABELS = (
    (13, 1, "CITY"),
    (13, 24, "STATE"),
    (15, 1, "ZIP CODE"),
    (15, 14, "TELEPHONE (Include Area Code)"),
    (13, 50, "CITY"),
    (13, 73, "STATE"),
    (15, 50, "ZIP CODE"),
    (15, 64, "TELEPHONE (Include Area Code)"),
    (37, 37, "ICD Ind."),
    (38, 1, "A."),
    (38, 14, "B."),
    (38, 27, "C."),
    (38, 40, "D."),
    (39, 1, "E."),
    (39, 14, "F."),
    (39, 27, "G."),
    (39, 40, "H."),
    (40, 1, "I."),
    (40, 14, "J."),
    (40, 27, "K."),
    (40, 40, "L."),
    (61, 23, "a."),
    (61, 36, "b."),
    (61, 50, "a."),
    (61, 63, "b."),
)


@dataclass(frozen=True)
class Placed:
    """One value at its grid position, and the box it belongs in."""

    box: str
    line: int
    column: int
    text: str
    size: float = DATA_FONT[1]  # smaller only where a value must fit whole (box 26)


def _upper(value: str) -> str:
    return " ".join(value.upper().split())


def _clip(value: str, width: int) -> str:
    """Upper case, inner runs of blanks as one; leading blanks (right-aligned amounts) kept."""
    stripped = value.lstrip(" ")
    return (" " * (len(value) - len(stripped)) + _upper(stripped))[:width]


def _mmddyyyy(value: date | None) -> tuple[str, str, str]:
    if value is None:
        return "", "", ""
    return f"{value.month:02d}", f"{value.day:02d}", f"{value.year:04d}"


def _mmddyy(value: date | None) -> tuple[str, str, str]:
    mm, dd, yyyy = _mmddyyyy(value)
    return mm, dd, yyyy[2:]


def _amount(value: Decimal, width: int = 8) -> str:
    """Dollars right-aligned, a blank where the form's dollar/cent rule is, then cents."""
    cents = value.quantize(Decimal("0.01"))
    if cents < 0:
        raise Cms1500Error(f"A negative amount ({cents}) cannot be printed on the form.")
    dollars, fraction = f"{cents:.2f}".split(".")
    if len(dollars) > width - 3:
        raise Cms1500Error(f"The amount {cents} is too large for the form's field.")
    return f"{dollars:>{width - 3}} {fraction}"


def _phone(value: str) -> tuple[str, str]:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return "", _upper(value)[:12]
    return digits[:3], f"{digits[3:6]} {digits[6:]}"


def _units(value: Decimal | int) -> str:
    number = Decimal(value)
    text = f"{number.normalize():f}" if number != number.to_integral() else str(int(number))
    return text[:4]


def _x(condition: bool) -> str:
    return "X" if condition else ""


class _Placer:
    def __init__(self) -> None:
        self.items: list[Placed] = []

    def put(self, box: str, line: int, column: int, value: str, width: int) -> None:
        text = _clip(value, width)
        if text.strip():
            self.items.append(Placed(box, line, column, text))

    def put_whole(self, box: str, line: int, column: int, value: str, width: int) -> None:
        """A value that must not be cut (the account number the payer echoes back): printed
        condensed when it is longer than the field."""
        text = _upper(value)
        if len(text) <= width:
            self.put(box, line, column, text, width)
        elif text:
            size = max(DATA_FONT[1] * width / len(text), 7.0)
            self.items.append(Placed(box, line, column, text[: int(width * 12 / size)], size))

    def date(self, box: str, line: int, columns: tuple[int, int, int], value, *, short=False):
        parts = _mmddyy(value) if short else _mmddyyyy(value)
        for column, part in zip(columns, parts, strict=True):
            self.put(box, line, column, part, len(part))

    def check(self, box: str, line: int, column: int, condition: bool) -> None:
        self.put(box, line, column, _x(condition), 1)

    def address(self, box: str, column: int, address: Address, state_column: int) -> None:
        self.put(box, 12, column, address.street, 28)
        self.put(box, 14, column, address.city, state_column - column - 2)
        self.put(box, 14, state_column, address.state, 2)
        self.put(box, 16, column, address.zip_code, 12)


def _header(p: _Placer, r: Cms1500) -> None:
    p.put("carrier", 2, 41, r.payer_name, 40)
    p.put("carrier", 3, 41, r.payer_address.street, 40)
    city = ", ".join(v for v in (r.payer_address.city, r.payer_address.state) if v)
    p.put("carrier", 4, 41, f"{city} {r.payer_address.zip_code}".strip(), 40)


def _patient_and_insured(p: _Placer, r: Cms1500) -> None:
    if r.insurance_type not in INSURANCE_TYPES:
        raise Cms1500Error(f"Box 1: unknown insurance type {r.insurance_type!r}.")
    type_column = dict(zip(INSURANCE_TYPES, (1, 8, 15, 24, 31, 39, 45), strict=True))
    p.check("1", 8, type_column[r.insurance_type], True)
    p.put("1a", 8, 50, r.insured_id, 29)
    p.put("2", 10, 1, r.patient_name, 28)
    p.date("3", 10, (31, 34, 37), r.patient_dob)
    p.check("3", 10, 42, r.patient_sex == "M")
    p.check("3", 10, 47, r.patient_sex == "F")
    p.put("4", 10, 50, r.insured_name, 29)
    p.address("5", 1, r.patient_address, 26)
    area, number = _phone(r.patient_phone)
    p.put("5", 16, 15, area, 3)
    p.put("5", 16, 19, number, 10)
    if r.relationship not in RELATIONSHIPS:
        raise Cms1500Error(f"Box 6: unknown relationship {r.relationship!r}.")
    relation_column = dict(zip(RELATIONSHIPS, (33, 38, 42, 47), strict=True))
    p.check("6", 12, relation_column[r.relationship], True)
    p.address("7", 50, r.insured_address, 74)
    area, number = _phone(r.insured_phone)
    p.put("7", 16, 65, area, 3)
    p.put("7", 16, 69, number, 10)
    p.put("9", 18, 1, r.other_insured_name, 28)
    p.put("9a", 20, 1, r.other_insured_policy, 28)
    p.put("9d", 26, 1, r.other_insured_plan, 28)
    p.check("10a", 20, 35, r.employment_related)
    p.check("10a", 20, 41, not r.employment_related)
    p.check("10b", 22, 35, r.auto_accident)
    p.check("10b", 22, 41, not r.auto_accident)
    if r.auto_accident:
        p.put("10b", 22, 45, r.auto_accident_state, 2)
    p.check("10c", 24, 35, r.other_accident)
    p.check("10c", 24, 41, not r.other_accident)
    p.put("10d", 26, 31, r.claim_codes, 19)
    p.put("11", 18, 50, r.insured_group, 29)
    p.date("11a", 20, (53, 56, 59), r.insured_dob)
    p.check("11a", 20, 68, r.insured_sex == "M")
    p.check("11a", 20, 75, r.insured_sex == "F")
    p.put("11b", 22, 50, r.other_claim_qualifier, 2)
    p.put("11b", 22, 53, r.other_claim_id, 27)
    p.put("11c", 24, 50, r.insured_plan_name, 29)
    if r.another_plan is not None:
        p.check("11d", 26, 52, r.another_plan)
        p.check("11d", 26, 57, not r.another_plan)
    p.put("12", 29, 7, r.patient_signature, 26)
    if r.patient_signature_date:
        mm, dd, yy = _mmddyy(r.patient_signature_date)
        p.put("12", 29, 37, f"{mm} {dd} {yy}", 8)
    p.put("13", 29, 55, r.insured_signature, 25)


def _claim(p: _Placer, r: Cms1500) -> None:
    p.date("14", 32, (2, 5, 8), r.current_illness_date)
    if r.current_illness_date:
        p.put("14", 32, 16, r.current_illness_qualifier, 3)
    if r.other_date:
        p.put("15", 32, 31, r.other_date_qualifier, 3)
    p.date("15", 32, (37, 40, 43), r.other_date)
    p.date("16", 32, (54, 57, 60), r.unable_to_work_from)
    p.date("16", 32, (68, 71, 74), r.unable_to_work_to)
    if r.referring_name:
        p.put("17", 34, 1, r.referring_qualifier, 2)
        p.put("17", 34, 4, r.referring_name, 25)
    p.put("17a", 33, 30, r.referring_other_qualifier, 2)
    p.put("17a", 33, 33, r.referring_other_id, 16)
    p.put("17b", 34, 33, r.referring_npi, 10)
    p.date("18", 34, (54, 57, 60), r.hospitalized_from)
    p.date("18", 34, (68, 71, 74), r.hospitalized_to)
    p.put("19", 36, 1, r.additional_info, 48)
    p.check("20", 36, 52, r.outside_lab)
    p.check("20", 36, 57, not r.outside_lab)
    if r.outside_lab and r.outside_lab_charges is not None:
        p.put("20", 36, 63, _amount(r.outside_lab_charges), 8)
    if len(r.diagnoses) > MAX_DIAGNOSES:
        raise Cms1500Error(f"Box 21 holds 12 diagnoses, the claim has {len(r.diagnoses)}.")
    if r.diagnoses:
        p.put("21", 37, 42, r.icd_indicator, 1)
    for index, code in enumerate(r.diagnoses):
        p.put("21", 38 + index // 4, 3 + 13 * (index % 4), code.replace(".", ""), 8)
    p.put("22", 38, 50, r.resubmission_code, 11)
    p.put("22", 38, 62, r.original_reference, 18)
    p.put("23", 40, 50, r.prior_authorization, 29)


def _service(p: _Placer, number: int, line: ServiceLine, diagnoses: int) -> None:
    shaded = _SERVICE_ROWS[number]
    row = shaded + 1
    p.put("24A", shaded, 1, line.supplemental, 48)
    p.put("24I", shaded, 65, line.rendering_qualifier, 2)
    p.put("24J", shaded, 68, line.rendering_other_id, 13)
    p.date("24A", row, (1, 4, 7), line.date_from, short=True)
    p.date("24A", row, (10, 13, 16), line.date_to or line.date_from, short=True)
    p.put("24B", row, 19, line.place_of_service, 2)
    p.check("24C", row, 23, line.emergency)
    p.put("24D", row, 25, line.procedure, 6)
    if len(line.modifiers) > 4:
        raise Cms1500Error(f"Box 24D holds 4 modifiers, line {number + 1} has more.")
    for index, modifier in enumerate(line.modifiers):
        p.put("24D", row, 33 + 3 * index, modifier, 2)
    pointers = line.pointers.upper().replace(" ", "")
    if len(pointers) > 4 or any(c not in DX_LETTERS[:diagnoses] for c in pointers):
        raise Cms1500Error(
            f"Box 24E, line {number + 1}: pointers {line.pointers!r} do not name up to four "
            f"of the claim's diagnoses (A-{DX_LETTERS[max(diagnoses, 1) - 1]})."
        )
    p.put("24E", row, 45, pointers, 4)
    p.put("24F", row, 50, _amount(line.charge), 8)
    p.put("24G", row, 59, _units(line.units), 4)
    p.put("24H", row, 63, line.epsdt, 2)
    p.put("24J", row, 68, line.rendering_npi, 10)


def _footer(p: _Placer, r: Cms1500, lines: tuple[ServiceLine, ...], first: bool) -> None:
    p.put("25", 56, 1, r.tax_id.replace("-", ""), 15)
    p.check("25", 56, 17, r.tax_id_is_ssn)
    p.check("25", 56, 19, not r.tax_id_is_ssn)
    p.put_whole("26", 56, 23, r.patient_account, 14)
    p.check("27", 56, 38, r.accept_assignment)
    p.check("27", 56, 43, not r.accept_assignment)
    p.put("28", 56, 52, _amount(sum((ln.charge for ln in lines), Decimal("0.00"))), 8)
    paid = r.amount_paid if first else Decimal("0.00")
    if paid:
        p.put("29", 56, 62, _amount(paid), 8)
    area, number = _phone(r.billing_phone)
    p.put("33", 57, 66, area, 3)
    p.put("33", 57, 70, number, 10)
    p.put("31", 59, 1, r.physician_signature, 21)
    if r.physician_signature_date:
        mm, dd, yy = _mmddyy(r.physician_signature_date)
        p.put("31", 60, 6, f"{mm} {dd} {yy}", 8)
    for column, box, name, address in (
        (23, "32", r.facility_name, r.facility_address),
        (50, "33", r.billing_name, r.billing_address),
    ):
        p.put(box, 58, column, name, 26 if box == "32" else 30)
        p.put(box, 59, column, address.street, 26 if box == "32" else 30)
        city = ", ".join(v for v in (address.city, address.state) if v)
        p.put(box, 60, column, f"{city} {address.zip_code}".strip(), 26 if box == "32" else 30)
    p.put("32", 61, 24, r.facility_npi, 10)
    p.put("32", 61, 37, r.facility_other_id, 12)
    p.put("33", 61, 51, r.billing_npi, 10)
    p.put("33", 61, 64, r.billing_other_id, 16)


def pages_of(record: Cms1500) -> list[tuple[ServiceLine, ...]]:
    lines = record.lines
    if not lines:
        raise Cms1500Error("A claim form needs at least one service line (box 24).")
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]


def placements(record: Cms1500) -> Iterator[list[Placed]]:
    """Every value of each page, at its line and column: what `render_cms1500` prints."""
    for page_number, lines in enumerate(pages_of(record)):
        p = _Placer()
        _header(p, record)
        _patient_and_insured(p, record)
        _claim(p, record)
        for number, line in enumerate(lines):
            _service(p, number, line, len(record.diagnoses))
        _footer(p, record, lines, first=page_number == 0)
        yield p.items


def position(line: int, column: int, offset: tuple[float, float] = (0.0, 0.0)):
    """The baseline start (x, y) in points of a character at a grid line and column."""
    return LEFT + (column - 1) * CHAR + offset[0], TOP - line * LINE + 2.8 + offset[1]


def _label(canvas: Canvas, text: str, x: float, top: float, width: float) -> None:
    """A box's label at its top left, one row per line of text, shrunk to fit the box."""
    name, size = LABEL_FONT
    for row, part in enumerate(text.split("\n")):
        fitted = size
        while fitted > 3.0 and canvas.stringWidth(part, name, fitted) > width:
            fitted -= 0.2
        canvas.setFont(name, fitted)
        canvas.drawString(x, top - 5.5 - row * 5.6, part)


def _draw_outline(canvas: Canvas, offset: tuple[float, float], page: int, pages: int) -> None:
    canvas.setLineWidth(0.6)
    canvas.setStrokeColor(Color(0, 0, 0))
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(LEFT + offset[0], TOP - 4.9 * LINE + offset[1], "HEALTH INSURANCE CLAIM FORM")
    canvas.setFont("Helvetica", 6)
    canvas.drawString(
        LEFT + offset[0], TOP - 5.8 * LINE + offset[1],
        "CMS-1500 (02/12) layout, printed on plain paper",
    )  # fmt: skip
    shade = Color(0.92, 0.92, 0.92)
    x0, _, x1, _ = BOXES["24A"].rect(offset)
    x1 = BOXES["24J"].rect(offset)[2]
    for shaded in _SERVICE_ROWS:
        y_top = TOP - (shaded - 1) * LINE + offset[1]
        canvas.setFillColor(shade)
        canvas.rect(x0, y_top - LINE, x1 - x0, LINE, stroke=0, fill=1)
        canvas.setFillColor(Color(0, 0, 0))
        canvas.line(x0, y_top - 2 * LINE, x1, y_top - 2 * LINE)
    for box in BOXES.values():
        bx0, by0, bx1, by1 = box.rect(offset)
        canvas.rect(bx0, by0, bx1 - bx0, by1 - by0, stroke=1, fill=0)
        _label(canvas, box.label, bx0 + 1.2, by1, bx1 - bx0 - 2.0)
    for line, left, right in _INNER_RULES:
        y = TOP - line * LINE + offset[1]
        canvas.line(LEFT + (left - 1) * CHAR + offset[0], y, LEFT + right * CHAR + offset[0], y)
    canvas.setFont(*LABEL_FONT)
    for line, column, text in _SUBLABELS:
        x, _ = position(line, column, offset)
        canvas.drawString(x + 1.5, TOP - (line - 1) * LINE - 5.5 + offset[1], text)
    if pages > 1:
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(
            LEFT + 80 * CHAR + offset[0], TOP - 62.5 * LINE + offset[1],
            f"Page {page} of {pages}",
        )  # fmt: skip


def render_cms1500(
    record: Cms1500, *, form: str = "red", offset: tuple[float, float] = (0.0, 0.0)
) -> bytes:
    """The claim as PDF: `form="red"` data only (pre-printed form), `"plain"` with the boxes."""
    if form not in ("red", "plain"):
        raise Cms1500Error(f"Unknown form {form!r}: 'red' or 'plain'.")
    return render_cms1500_batch([record], form=form, offset=offset)


def render_cms1500_batch(
    records: list[Cms1500], *, form: str = "red", offset: tuple[float, float] = (0.0, 0.0)
) -> bytes:
    """Several claims in one PDF, one after another (the paper payers' print run)."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, pageCompression=0, invariant=1)
    canvas.setTitle("CMS-1500 claims")
    canvas.setAuthor("MedOffice")
    for record in records:
        pages = list(placements(record))
        for number, items in enumerate(pages, start=1):
            if form == "plain":
                _draw_outline(canvas, offset, number, len(pages))
            canvas.setFillColor(Color(0, 0, 0))
            for item in items:
                canvas.setFont(DATA_FONT[0], item.size)
                canvas.drawString(*position(item.line, item.column, offset), item.text)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
