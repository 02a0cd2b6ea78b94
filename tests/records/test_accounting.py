"""Accounting of disclosures (45 CFR 164.528) over a generated history of eight years."""

import random
from datetime import date, datetime, timedelta
from io import BytesIO

from pypdf import PdfReader

from medoffice.records import selectors, services
from medoffice.records.printing import accounting_pdf_bytes
from tests.clock import CHICAGO

BASES = [
    "authorization", "access", "treatment", "payment", "operations", "judicial",
    "law_enforcement", "public_health", "oversight", "required_by_law",
]  # fmt: skip


def _history(patient, *, seed=7, count=120, as_of=date(2026, 11, 23)):
    """Disclosures spread over eight years back, each basis and 'to the patient' mixed."""
    rng = random.Random(seed)
    made = []
    for n in range(count):
        when = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=CHICAGO) - timedelta(
            days=rng.randrange(0, 8 * 365)
        )
        made.append(
            services.disclosure_record(
                patient=patient,
                recipient_name=f"Recipient {n}",
                description="Visit notes",
                purpose=rng.choice(["Public health", "Court order", "Research", "Audit"]),
                basis=rng.choice(BASES),
                to_patient=rng.random() < 0.1,
                delivery_method="mail",
                disclosed_at=when,
            )  # fmt: skip
        )
    return made


def test_accounting_covers_exactly_six_years_and_leaves_out_excluded_kinds(patient, location):
    as_of = date(2026, 11, 23)
    made = _history(patient, as_of=as_of)
    start = datetime(2020, 11, 23, tzinfo=CHICAGO)

    everything = selectors.accounting_entries(
        patient=patient, as_of=as_of, zone=CHICAGO, include_all=True
    )
    accounted = selectors.accounting_entries(patient=patient, as_of=as_of, zone=CHICAGO)

    expected_all = {d.pk for d in made if d.disclosed_at >= start}
    assert {d.pk for d in everything} == expected_all
    assert 0 < len(expected_all) < len(made)  # the history reaches past six years
    assert {d.pk for d in accounted} == {d.pk for d in everything if d.in_accounting}
    assert accounted
    # TPO, to the patient, and under authorisation or the right of access are all excluded:
    assert all(
        not d.to_patient and d.basis not in ("treatment", "payment", "operations",
                                              "authorization", "access")
        for d in accounted
    )  # fmt: skip
    dates = [d.disclosed_at for d in everything]
    assert dates == sorted(dates, reverse=True)


def test_a_correction_replaces_the_row_it_corrects(patient, location):
    as_of = date(2026, 11, 23)
    when = datetime(2026, 5, 1, 9, tzinfo=CHICAGO)
    wrong = services.disclosure_record(
        patient=patient, recipient_name="Wrong County", description="Immunizations",
        purpose="Public health", basis="operations", delivery_method="mail", disclosed_at=when,
    )  # fmt: skip
    right = services.disclosure_record(
        patient=patient, recipient_name="Right County", description="Immunizations",
        purpose="Public health", basis="operations", delivery_method="mail", disclosed_at=when,
        corrects=wrong,
    )  # fmt: skip

    listed = selectors.accounting_entries(
        patient=patient, as_of=as_of, zone=CHICAGO, include_all=True
    )

    assert [d.pk for d in listed] == [right.pk]
    wrong.refresh_from_db()
    assert wrong.recipient_name == "Wrong County"  # kept, never edited


def test_the_printable_accounting_lists_each_entry(patient, location, freeze):
    freeze(datetime(2026, 11, 23, 9, tzinfo=CHICAGO))
    reportable = services.disclosure_record(
        patient=patient, recipient_name="Springfield Police Department",
        recipient_address="800 E Monroe St", description="Emergency department note",
        purpose="Law enforcement request (court order)", basis="law_enforcement",
        delivery_method="mail", disclosed_at=datetime(2025, 2, 3, 9, tzinfo=CHICAGO),
    )  # fmt: skip
    excluded = services.disclosure_record(
        patient=patient, recipient_name="Blue Cross", description="Claims records",
        purpose="Payment", basis="payment", delivery_method="mail",
        disclosed_at=datetime(2025, 3, 3, 9, tzinfo=CHICAGO),
    )  # fmt: skip
    assert reportable.in_accounting
    assert not excluded.in_accounting

    pdf = accounting_pdf_bytes(patient)

    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Accounting of disclosures" in text
    assert "Springfield Police Department" in " ".join(text.split())
    assert "02/03/2025" in text
    assert "11/23/2020 to 11/23/2026" in text
    assert "Blue Cross" not in text
