"""The A/R reports reconcile with the ledger exactly, on generated data; the command."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from medoffice.accounts import reports
from medoffice.accounts.reporting import FIGURES, ledger_entries
from medoffice.core.reporting import Filters
from medoffice.patients.models import Payer
from medoffice.payments.models import LedgerEntry
from tests.accounts.conftest import generate_ledger
from tests.clock import office_today

AS_OF = office_today()  # entries count from the day they are posted (today)


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


def test_aging_limited_to_the_largest_rows_keeps_the_totals_of_all(generated):
    everyone = reports.ar_aging(generated, as_of=AS_OF, by="patient")
    largest = reports.ar_aging(generated, as_of=AS_OF, by="patient", limit=2)

    assert len(everyone.rows) > 2
    assert largest.rows == everyone.rows[:2]
    assert largest.totals == everyone.totals
    assert largest.total == everyone.total == reports.ledger_line_total(generated, as_of=AS_OF)
    assert largest.count == everyone.count == len(everyone.rows)


def test_aging_and_denials_read_their_partial_indexes(generated):
    """The dashboard's reads stay narrow (SQLite's plan): the balances still owed through the
    partial covering indexes (lines paid off, about half the rows, are not in them), the
    denials' reasons through the denial entries' partial index."""
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan")
    with CaptureQueriesContext(connection) as captured:
        reports.ar_aging(generated, as_of=AS_OF, by="payer")
        reports.ar_aging(generated, as_of=AS_OF, by="patient")
        reports.denial_rates(generated, first_day=AS_OF - timedelta(days=364), last_day=AS_OF)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plans.append(" ".join(str(row) for row in cursor.fetchall()))
    plan = "\n".join(plans)
    for index in ("line_balance_payer_owed", "line_balance_patient_owed", "ledger_denial_day"):
        assert index in plan, plan


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
    # the months are the page's days added up: the same as the ledger's months
    by_month = reports.period_totals(
        practice, first_day=filters.first_day, last_day=filters.last_day, per="month"
    )
    assert monthly == tuple(
        (r.label, r.charges, r.payments, r.adjustments, r.refunds) for r in by_month
    )
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


def _aging_from_the_ledger(practice, *, as_of, by, location_ids=(), provider_ids=()):
    """The aging as it was computed before the summaries: every line entry effective by
    `as_of`, bucketed by its line's date of service, summed per payer (or patient row)
    or per patient, in Python."""
    from medoffice.accounts import aging

    rows = LedgerEntry.objects.filter(
        practice=practice, charge__isnull=False, effective_on__lte=as_of
    )
    if location_ids:
        rows = rows.filter(location_id__in=location_ids)
    if provider_ids:
        rows = rows.filter(provider_id__in=provider_ids)
    out: dict = {}
    for party, payer, patient, day, amount in rows.values_list(
        "party", "payer__name", "patient_id", "charge__date_of_service", "amount"
    ):
        key = patient if by == "patient" else payer if party == "insurance" else None
        key = reports.PATIENT_ROW if key is None else key
        amounts = out.setdefault(key, [Decimal("0.00")] * len(aging.BUCKETS))
        amounts[aging.BUCKETS.index(aging.bucket_of(day, as_of))] += amount
    return {key: amounts for key, amounts in out.items() if any(amounts)}


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_aging_from_the_summaries_equals_the_aging_from_the_ledger(
    make_patient, payer, practice, make_visit, make_user, at_desk, provider, location, seed
):
    """Many cases: postings spread over 300 days, the aging asked on 12 days (before the
    first posting, between, after the last), by payer and by patient, unfiltered and
    filtered by location and provider: always the ledger's own computation."""
    from medoffice.patients import services as patient_services

    second = Payer.objects.create(name="Cigna", payer_id="62308", claim_filing_indicator="CI")
    patients = [
        make_patient(first_name=f"P{n}", last_name=f"Age{n}", dob=date(1950 + n, 3, 4))
        for n in range(4)
    ]
    coverages = [
        patient_services.coverage_add(
            patient=patient,
            fields={
                "payer": payer if n % 2 else second,
                "member_id": f"A{n:07d}",
                "order": 1,
                "relationship": "18",
                "effective_start": date(2024, 1, 1),
            },
        )
        for n, patient in enumerate(patients[:3])
    ]
    generate_ledger(
        practice=practice,
        patients=patients,
        payers=coverages,
        make_visit=make_visit,
        by=make_user("biller"),
        seed=seed,
        visits=12,
        post_on=at_desk,
    )
    days = sorted(set(LedgerEntry.objects.values_list("effective_on", flat=True)))
    asked = {days[0] - timedelta(days=1), days[-1], days[-1] + timedelta(days=200)}
    asked |= {days[i * len(days) // 9] for i in range(9)}
    people = {
        p.pk: f"{p.last_name}, {p.first_name} ({p.mrn})" for p in patients
    }  # the report's label
    for as_of in sorted(asked):
        for scope in ({}, {"location_ids": [location.pk]}, {"provider_ids": [provider.pk]},
                      {"provider_ids": [provider.pk + 1000]}):  # fmt: skip
            page = {}  # as on the dashboard: both agings share the read of later entries
            for by in ("payer", "patient"):
                report = reports.ar_aging(practice, as_of=as_of, by=by, memo=page, **scope)
                assert report == reports.ar_aging(practice, as_of=as_of, by=by, **scope)
                got = {row.key: row.amounts for row in report.rows}
                want = _aging_from_the_ledger(practice, as_of=as_of, by=by, **scope)
                if by == "patient":
                    want = {people[k]: v for k, v in want.items()}
                assert got == want, (as_of, by, scope)
                assert (
                    report.total == sum((sum(v) for v in want.values()), Decimal("0.00"))
                    or not want
                )
    assert len(days) > 5
    # The payers' figures (LinePayerDay) against the entries, on the same days.
    for last in sorted(asked):
        period = {"first_day": days[0], "last_day": last}
        entries = LedgerEntry.objects.filter(
            practice=practice, effective_on__gte=days[0], effective_on__lte=last,
            charge__isnull=False,
        )  # fmt: skip
        paid = entries.filter(kind="ins_payment")
        want = {
            (code, name): (len({c for c, *_ in rows}), -sum(a for *_, a in rows))
            for (code, name), rows in _grouped(
                paid.values_list("charge__code", "payer__name", "charge_id", "amount")
            ).items()
        }
        got = {
            (r[0], r[1]): (r[2], r[3]) for r in reports.payments_by_payer_cpt(practice, **period)
        }
        assert got == want, last
        judged = entries.filter(
            party="insurance", reverses__isnull=True, kind__in=["ins_payment", "contractual"]
        )
        want = {
            name: len({c for c, *_ in rows})
            for (name,), rows in _grouped(
                judged.values_list("payer__name", "charge_id", "amount"), width=1
            ).items()
        }
        got = {r[0]: r[1] for r in reports.denial_rates(practice, **period)}
        assert got == want, last


def _grouped(rows, width=2) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(tuple(row[:width]), []).append(row[width:])
    return out
