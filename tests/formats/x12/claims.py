"""Prepared claims for the 837P tests: one base claim and its variants."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from medoffice.formats.x12 import Envelope
from medoffice.formats.x12.claim_837p import (
    BillingProvider,
    Claim,
    LineAdjudication,
    OtherPayer,
    Patient,
    Payer,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)
from medoffice.formats.x12.common import Address, Adjustment

SUBMITTER = Submitter("MAPLE FAMILY MEDICINE", "MAPLE01", "BILLING OFFICE", "2175550100")
RECEIVER = Receiver("GATEWAY CLEARINGHOUSE", "GATEWAY")
ENVELOPE = Envelope(
    sender_id="MAPLE01",
    receiver_id="GATEWAY",
    interchange_control_number=41,
    group_control_number=41,
    created=datetime(2026, 11, 23, 9, 30),  # noqa: DTZ001 - the office's wall clock
)
BILLING = BillingProvider(
    "MAPLE FAMILY MEDICINE",
    "1234567893",
    "371234567",
    Address("100 MAIN ST", "SPRINGFIELD", "IL", "627011234", line2="SUITE 200"),
    taxonomy="207Q00000X",
)
ACME = Payer("ACME HEALTH PLAN", "60054", Address("PO BOX 1000", "HARTFORD", "CT", "06101"))
MEDICARE = Payer("MEDICARE PART B", "00952", claim_filing_indicator="MB")
SUBSCRIBER = Subscriber(
    "W123456789",
    "DOE",
    "JANE",
    date(1980, 1, 2),
    "F",
    Address("1 ELM ST", "SPRINGFIELD", "IL", "62704"),
    middle_name="Q",
    group_number="GRP100",
)
DR_SMITH = Provider("SMITH", "ANNA", "1245319599", taxonomy="207Q00000X")
DR_JONES = Provider("JONES", "MARK", "1003000126")
DOS = date(2026, 11, 2)


def line(code="99213", charge="125.00", pointers=(1,), **kw) -> ServiceLine:
    return ServiceLine(code, Decimal(charge), kw.pop("units", 1), DOS, pointers, **kw)


BASE = Claim(
    patient_control_number="E1001",
    billing_provider=BILLING,
    subscriber=SUBSCRIBER,
    payer=ACME,
    diagnoses=("J069", "R051"),
    lines=(line(pointers=(1, 2), line_control_number="L1"),),
)

DEPENDENT = replace(
    BASE,
    patient_control_number="E1002",
    subscriber=replace(SUBSCRIBER, birth_date=None, sex="U"),
    patient=Patient(
        "DOE",
        "TIMMY",
        date(2015, 6, 30),
        "M",
        "19",
        Address("1 ELM ST", "SPRINGFIELD", "IL", "62704"),
    ),
)
TELEHEALTH = replace(
    BASE,
    patient_control_number="E1003",
    place_of_service="10",
    lines=(line("99214", "180.00", (1,), modifiers=("95",)),),
)
TELEHEALTH_02 = replace(TELEHEALTH, patient_control_number="E1004", place_of_service="02")
MULTI_LINE = replace(
    BASE,
    patient_control_number="E1005",
    diagnoses=("E119", "I10", "E785", "Z23", "J45909"),
    lines=(
        line("99214", "180.00", (1, 2, 3), modifiers=("25",)),
        line("90686", "40.00", (4,)),
        line("90471", "25.00", (4,)),
        line("94010", "60.00", (5, 1), units=2),
        line("36415", "10.00", (1,), place_of_service="81", modifiers=("59", "XU", "76", "77")),
    ),
)
RENDERING = replace(
    BASE,
    patient_control_number="E1006",
    rendering_provider=DR_SMITH,
    referring_provider=DR_JONES,
    prior_authorization="AUTH77",
    lines=(line(), line("99406", "30.00", (1,), rendering_provider=DR_JONES)),
)
REPLACEMENT = replace(
    BASE, patient_control_number="E1007", frequency="7", original_reference="PAYERCLM123"
)
VOID = replace(
    BASE, patient_control_number="E1008", frequency="8", original_reference="PAYERCLM124"
)
SECONDARY = replace(
    BASE,
    patient_control_number="E1009",
    payer=MEDICARE,
    responsibility="S",
    insurance_type="12",
    lines=(line(line_control_number="L1"), line("81002", "20.00", (1,), line_control_number="L2")),
    other_payers=(
        OtherPayer(
            responsibility="P",
            payer=ACME,
            subscriber=replace(SUBSCRIBER, birth_date=None, sex="U", address=None),
            paid=Decimal("80.00"),
            adjustments=(Adjustment("PR", "2", Decimal("15.00")),),
            remaining_patient_liability=Decimal("15.00"),
        ),
    ),
)
SECONDARY = replace(
    SECONDARY,
    lines=(
        replace(
            SECONDARY.lines[0],
            adjudications=(
                LineAdjudication(
                    "60054",
                    Decimal("80.00"),
                    "99213",
                    1,
                    date(2026, 11, 15),
                    adjustments=(
                        Adjustment("CO", "45", Decimal("30.00")),
                        Adjustment("PR", "2", Decimal("15.00")),
                    ),
                ),
            ),
        ),
        replace(
            SECONDARY.lines[1],
            adjudications=(
                LineAdjudication(
                    "60054",
                    Decimal("0.00"),
                    "81002",
                    1,
                    date(2026, 11, 15),
                    adjustments=(Adjustment("CO", "45", Decimal("20.00")),),
                ),
            ),
        ),
    ),
)
# A secondary whose primary answered at claim level only (DTP*573 in 2330B, no 2430).
SECONDARY_CLAIM_LEVEL = replace(
    SECONDARY,
    patient_control_number="E1010",
    lines=tuple(replace(x, adjudications=()) for x in SECONDARY.lines),
    other_payers=(replace(SECONDARY.other_payers[0], adjudication_date=date(2026, 11, 15)),),
)
# The copay taken at the desk (AMT*F5, before the claim's REF segments).
COPAY_PAID = replace(RENDERING, patient_control_number="E1011", patient_paid=Decimal("30.00"))

VARIANTS = {
    "self": BASE,
    "dependent": DEPENDENT,
    "telehealth_home": TELEHEALTH,
    "telehealth_other": TELEHEALTH_02,
    "multiple_lines_and_pointers": MULTI_LINE,
    "rendering_referring_prior_auth": RENDERING,
    "replacement": REPLACEMENT,
    "void": VOID,
    "secondary_with_line_adjudication": SECONDARY,
    "secondary_claim_level": SECONDARY_CLAIM_LEVEL,
    "copay_paid_at_the_desk": COPAY_PAID,
}
