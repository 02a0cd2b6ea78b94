"""Code sets, fee schedules and encounters to bill: made here, row by row.

The ICD-10-CM codes and descriptions are real; the sex and age edits on them are set by
these fixtures (the loaded code set carries them in production). CPT descriptors are
placeholders, as the practice's licensed file is not ours to ship.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from medoffice.billing import services
from medoffice.billing.rules import LineInput
from medoffice.coding.models import (
    CodeSetRelease,
    FeeSchedule,
    FeeScheduleEntry,
    Icd10Code,
    ProcedureCode,
)
from medoffice.patients import services as patient_services
from tests.clock import CHICAGO
from tests.scheduling.conftest import arrive  # noqa: F401 - the front desk's check-in

DOS = date(2026, 3, 2)  # a Monday in the FY2026 ICD-10-CM release and the 2026 CPT year

# (code, description, billable, sex, age_min, age_max)
ICD_FY2026 = [
    ("O80", "Encounter for full-term uncomplicated delivery", True, "F", 12, 55),
    ("N400", "Benign prostatic hyperplasia without lower urinary tract symptoms", True, "M",
     None, None),
    ("E11", "Type 2 diabetes mellitus", False, "", None, None),
    ("E119", "Type 2 diabetes mellitus without complications", True, "", None, None),
    ("I10", "Essential (primary) hypertension", True, "", None, None),
    ("Z0000", "Encounter for general adult medical examination without abnormal findings",
     True, "", 18, None),
    ("J069", "Acute upper respiratory infection, unspecified", True, "", None, None),
    ("E668", "Other obesity", False, "", None, None),
    ("E66811", "Obesity, class 1", True, "", None, None),
    ("E785", "Hyperlipidemia, unspecified", True, "", None, None),
]  # fmt: skip
# FY2024: E66.8 was still a billable code; E66.811 did not exist yet. "Z9999" is a made-up
# code that only the older release has, to stand for a code deleted since.
ICD_FY2024 = [
    ("E668", "Other obesity", True, "", None, None),
    ("E119", "Type 2 diabetes mellitus without complications", True, "", None, None),
    ("I10", "Essential (primary) hypertension", True, "", None, None),
    ("Z9999", "A code deleted since (test data)", True, "", None, None),
]
PROCEDURES = ["99213", "99214", "93000", "93005", "36415", "20610", "97110", "J3420"]
PRICES = {
    "99213": "125.00", "99214": "185.00", "93000": "60.00", "93005": "35.00",
    "36415": "12.50", "20610": "150.00", "97110": "45.00", "J3420": "20.00",
}  # fmt: skip


def _load_icd(release, rows):
    Icd10Code.objects.bulk_create(
        Icd10Code(release=release, code=code, description=text, billable=billable, sex=sex,
                  age_min=low, age_max=high)
        for code, text, billable, sex, low, high in rows
    )  # fmt: skip


@pytest.fixture
def code_sets(db):
    fy2024 = CodeSetRelease.objects.create(
        system="icd10cm", version="2024", effective_from=date(2023, 10, 1),
        effective_until=date(2024, 9, 30),
    )  # fmt: skip
    fy2025 = CodeSetRelease.objects.create(
        system="icd10cm", version="2025", effective_from=date(2024, 10, 1),
        effective_until=date(2025, 9, 30),
    )  # fmt: skip
    fy2026 = CodeSetRelease.objects.create(
        system="icd10cm", version="2026", effective_from=date(2025, 10, 1)
    )
    _load_icd(fy2024, ICD_FY2024)
    _load_icd(fy2025, [r for r in ICD_FY2026 if r[0] != "Z9999"])
    _load_icd(fy2026, ICD_FY2026)
    cpt = CodeSetRelease.objects.create(
        system="cpt", version="2026", effective_from=date(2024, 1, 1)
    )
    hcpcs = CodeSetRelease.objects.create(
        system="hcpcs", version="2026-Q1", effective_from=date(2024, 1, 1)
    )
    ProcedureCode.objects.bulk_create(
        ProcedureCode(
            release=hcpcs if code[0].isalpha() else cpt,
            code=code,
            description=f"Placeholder descriptor {code}",
            placeholder=True,
        )  # fmt: skip
        for code in PROCEDURES
    )
    return {"fy2024": fy2024, "fy2025": fy2025, "fy2026": fy2026, "cpt": cpt, "hcpcs": hcpcs}


@pytest.fixture
def fee_schedule(practice):
    schedule = FeeSchedule.objects.create(
        practice=practice, name="Practice charges 2026", effective_from=date(2024, 1, 1)
    )
    FeeScheduleEntry.objects.bulk_create(
        FeeScheduleEntry(schedule=schedule, code=code, amount=Decimal(amount))
        for code, amount in PRICES.items()
    )
    return schedule


@pytest.fixture
def coverage(patient, payer):
    return patient_services.coverage_add(
        patient=patient,
        fields={
            "payer": payer, "member_id": "W12345678", "order": 1, "relationship": "18",
            "effective_start": date(2024, 1, 1),
        },
    )  # fmt: skip


@pytest.fixture
def billing_office(code_sets, fee_schedule, coverage, provider, location):
    """Code sets, the practice's fee schedule, and our patient insured from 2024."""
    return location


@dataclass
class Visit:
    patient: object
    provider: object
    location: object


@pytest.fixture
def open_encounter(billing_office, patient, provider, location, freeze):
    """open_encounter(day=DOS, place="11", patient_=patient) -> an open encounter, with the
    clock frozen at 10:00 Chicago on that day."""

    def make(day: date = DOS, place: str = "11", patient_=None):
        freeze(datetime.combine(day, time(10, 0), tzinfo=CHICAGO))
        return services.encounter_open(
            patient=patient_ or patient, provider=provider, location=location,
            date_of_service=day, place_of_service=place,
        )  # fmt: skip

    return make


def line(code: str, units=1, modifiers=(), pointers=()) -> LineInput:
    return LineInput(code=code, units=units, modifiers=tuple(modifiers), pointers=tuple(pointers))


@pytest.fixture
def coded(open_encounter):
    """coded(diagnoses, lines, **open kwargs) -> an open encounter with that superbill."""

    def make(diagnoses=("E11.9", "I10"), lines=None, **kwargs):
        encounter = open_encounter(**kwargs)
        return services.superbill_save(
            encounter=encounter, diagnoses=list(diagnoses),
            lines=list(lines if lines is not None else [line("99213")]),
        )  # fmt: skip

    return make


@pytest.fixture
def signed(coded, clinician):
    def make(diagnoses=("E11.9", "I10"), lines=None, **kwargs):
        encounter = coded(diagnoses, lines, **kwargs)
        return services.encounter_sign(encounter=encounter, signed_by=clinician)

    return make


@pytest.fixture
def superbill_template(practice):
    """Family medicine's form: office visits, tests, and the usual diagnoses."""
    from medoffice.billing.models import SuperbillItem, SuperbillTemplate

    template = SuperbillTemplate.objects.create(
        practice=practice, name="Family medicine", specialty="Family medicine"
    )
    items = [
        ("service", "Office visits", "99213", "Established, low"),
        ("service", "Office visits", "99214", "Established, moderate"),
        ("service", "Tests", "93000", "ECG with interpretation"),
        ("service", "Tests", "36415", "Venipuncture"),
        ("diagnosis", "Chronic", "E11.9", "Type 2 diabetes"),
        ("diagnosis", "Chronic", "I10", "Hypertension"),
        ("diagnosis", "Acute", "J06.9", "Upper respiratory infection"),
    ]
    SuperbillItem.objects.bulk_create(
        SuperbillItem(template=template, kind=kind, section=section, code=code, label=label,
                      position=n)
        for n, (kind, section, code, label) in enumerate(items)
    )  # fmt: skip
    return template


# ---------------------------------------------------------------- claims and the exchange
# A billing office with a ZIP+4 location (the 837P billing provider's address needs it) and a
# folder clearinghouse of each test's own.


@pytest.fixture
def claims_office(billing_office, location):
    location.zip_code = "62701-1234"
    location.save()
    return location


@pytest.fixture
def clearinghouse(claims_office, practice, tmp_path):
    from medoffice.billing.models import ClearinghouseConnection

    return ClearinghouseConnection.objects.create(
        practice=practice, name="Test clearinghouse", sender_id="MEDOFFICE01",
        receiver_id="CLEARHOUSE", receiver_name="Test Clearinghouse",
        contact_name="Billing office", contact_phone="(217) 555-0100",
        outbox_dir=str(tmp_path / "outbox"), inbox_dir=str(tmp_path / "inbox"),
    )  # fmt: skip
