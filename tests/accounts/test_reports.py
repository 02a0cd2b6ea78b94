"""The A/R reports reconcile with the ledger exactly, on generated data; the command."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from medoffice.accounts import reports
from medoffice.accounts.reporting import FIGURES, ledger_entries
from medoffice.core.reporting import Filters
from medoffice.patients.models import Payer
from medoffice.payments.models import LedgerEntry
from tests.accounts.conftest import generate_ledger

AS_OF = timezone.localdate()  # entries count from the day they are posted (today)


@pytest.fixture
def generated(make_patient, payer, practice, make_visit, make_user):
    from medoffice.patients import services as patient_services

    second = Payer.objects.create(name="Cigna", payer_id="62308", claim_filing_indicator="CI")
    patients = [
        make_patient(first_name=f"P{n}", last_name=f"Gen{n}", dob=date(1960 + n, 1, 2))
        for n in range(5)
    ]
    coverages = []
    for n, patient in enumerate(patients[:4]):
        coverages.append(
            patient_services.coverage_add(
                patient=patient,
                fields={
                    "payer": payer if n % 2 else second,
                    "member_id": f"M{n:07d}",
                    "order": 1,
                    "relationship": "18",
                    "effective_start": date(2024, 1, 1),
                },
            )
        )
    by = make_user("biller")
    generate_ledger(
        practice=practice,
        patients=patients,
        payers=coverages,
        make_visit=make_visit,
        by=by,
        visits=30,
    )
    return practice


def test_aging_by_payer_and_by_patient_reconcile_with_the_ledger(generated):
    practice = generated
    line_total = LedgerEntry.objects.filter(practice=practice, charge__isnull=False).aggregate(
        t=Sum("amount")
    )["t"]
    by_payer = reports.ar_aging(practice, as_of=AS_OF, by="payer")
    by_patient = reports.ar_aging(practice, as_of=AS_OF, by="patient")
    assert by_payer.total == line_total == by_patient.total
    assert by_payer.total == reports.ledger_line_total(practice, as_of=AS_OF)
    assert {r.key for r in by_payer.rows} <= {"Aetna", "Cigna", reports.PATIENT_ROW}
    for row in by_payer.rows:
        assert sum(row.amounts) == row.total
    # the patient row is what patients owe on their lines
    patient_part = LedgerEntry.objects.filter(
        practice=practice, charge__isnull=False, party="patient"
    ).aggregate(t=Sum("amount"))["t"]
    row = next(r for r in by_payer.rows if r.key == reports.PATIENT_ROW)
    assert row.total == patient_part


def test_period_totals_and_rates_reconcile(generated):
    practice = generated
    rows = reports.period_totals(practice, first_day=date(2020, 1, 1), last_day=date(2030, 1, 1))
    entries = LedgerEntry.objects.filter(practice=practice)
    charges = entries.filter(kind="charge").aggregate(t=Sum("amount"))["t"]
    paid = -entries.filter(kind__in=["ins_payment", "pat_payment"]).aggregate(t=Sum("amount"))["t"]
    assert sum(r.charges for r in rows) == charges
    assert sum(r.payments for r in rows) == paid
    rate, payments, base = reports.net_collection_rate(
        practice, first_day=date(2020, 1, 1), last_day=date(2030, 1, 1)
    )
    assert payments == paid
    assert rate == (Decimal(100) * payments / base).quantize(Decimal("0.1"))
    filters = Filters(practice=practice, first_day=date(2026, 1, 1), last_day=date(2030, 1, 1))
    for figure in FIGURES:
        data = figure.compute(filters)
        assert data.headline
    computed = {figure.key: figure.compute(filters) for figure in FIGURES}
    daily, monthly = computed["ledger-daily"].rows, computed["ledger-totals"].rows
    for column in (1, 2, 3, 4):  # charges, payments, adjustments, refunds
        assert sum(r[column] for r in daily) == sum(r[column] for r in monthly)
    by_patient = computed["ar-aging-patient"].rows
    assert by_patient[-1][-1] == reports.ledger_line_total(practice, as_of=date(2030, 1, 1))
    assert all(r[0].startswith("MRN ") for r in by_patient[:-1])
    journal = ledger_entries(practice, date(2020, 1, 1), date(2030, 1, 1))
    for entry in journal:
        assert sum(li.debit for li in entry.lines) == sum(li.credit for li in entry.lines)
    deposits = sum(e.lines[0].debit for e in journal if e.source == "deposits")
    received = sum(e.lines[0].debit for e in journal if e.source == "payments")
    assert deposits == received > 0


def test_ar_aging_command_prints_csv(generated, capsys):
    call_command("report", "ar-aging", csv=True, as_of=AS_OF.isoformat())
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Payer,0-30,31-60,61-90,91-120,120+,Total"
    total = Decimal(out[-1].split(",")[-1])
    assert out[-1].startswith("Total,")
    assert total == reports.ar_aging(generated, as_of=AS_OF).total
