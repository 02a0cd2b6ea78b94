"""A/R aging at 1,000,000 ledger rows: by payer and by patient, the five age buckets.

Set-up (not timed, cached): a practice of its own ("A/R aging benchmark, N rows", so the
other benchmarks' practice is left alone) gets signed visits of the generated patients
whose charges are in the ledger (one charge entry per line) and, per line, insurance-side
activity that needs no payment (a contractual adjustment, a transfer to the patient, an
other adjustment) until the ledger holds `rows` entries for that practice: 1,000,000;
--quick 20,000. Dates of service spread over the last 200 days, so every bucket has rows.
The rows are written with core/bulk.py (SQLite executemany, PostgreSQL COPY) in one
transaction and stay in the benchmark database: the next run finds them and only times.

Timed: `accounts.reports.ar_aging` by payer and by patient (read from the ledger's
LineBalance summary, payments/summaries.py), the best of three runs, wall clock and CPU
seconds of this process; the aging's total is checked against the ledger. Also, not a
target: how long comparing the summaries with the ledger takes (`ledger check`'s share).
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from medoffice.accounts.reports import ar_aging, ledger_line_total
from medoffice.billing.models import Charge, Encounter, EncounterLine
from medoffice.core import bulk
from medoffice.core.models import Location, Practice, Provider
from medoffice.patients.models import Coverage
from medoffice.payments import summaries
from medoffice.payments.models import Account, LedgerEntry, LineBalance

WRITES = True
TARGETS = {"aging_by_payer_s": ("<=", 1.0), "aging_by_patient_s": ("<=", 1.0)}
PER_LINE = 5  # entries per service line: the charge and four more
LINES_PER_VISIT = 3


def _practice(rows: int, source_practice_id: int, seed: int) -> tuple[Practice, float | None]:
    """The benchmark's own practice with `rows` ledger rows: found, or made (one transaction)."""
    name = f"A/R aging benchmark, {rows:,} rows, seed {seed}"
    found = Practice.objects.filter(name=name).first()
    if found is not None:
        return found, None
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        practice = Practice.objects.create(name=name)
        _generate(practice.pk, source_practice_id, rows // PER_LINE, rng)
        if connection.vendor == "postgresql":
            pass  # ANALYZE runs after the commit (below)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return practice, time.perf_counter() - started


def _generate(practice_id: int, source_practice_id: int, lines: int, rng: random.Random) -> None:
    visits = max(lines // LINES_PER_VISIT, 1)
    coverages = list(
        Coverage.objects.filter(patient__practice_id=source_practice_id, order=1)
        .order_by("id")
        .values_list("id", "patient_id", "payer_id")[:visits]
    )
    provider = Provider.objects.filter(practice_id=source_practice_id).order_by("id").first()
    location = Location.objects.filter(practice_id=source_practice_id).order_by("id").first()
    today, now = timezone.localdate(), timezone.now()
    days = [today - timedelta(days=rng.randrange(200)) for _ in range(visits)]
    plan = [(coverages[n % len(coverages)], days[n]) for n in range(visits)]
    bulk.insert_rows(
        Encounter,
        (
            {
                "practice_id": practice_id,
                "patient_id": cov[1],
                "provider_id": provider.pk,
                "location_id": location.pk,
                "date_of_service": day,
                "place_of_service": "11",
                "coverage_id": cov[0],
                "status": "signed",
                "signed_at": now,
                "created_at": now,
                "updated_at": now,
            }  # fmt: skip
            for cov, day in plan
        ),
    )
    encounter_ids = list(
        Encounter.objects.filter(practice_id=practice_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    bulk.insert_rows(
        EncounterLine,
        (
            {"encounter_id": enc, "number": n, "code": "99213"}
            for enc in encounter_ids
            for n in range(1, LINES_PER_VISIT + 1)
        ),
    )
    line_ids = list(
        EncounterLine.objects.filter(encounter__practice_id=practice_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    amounts = [Decimal(rng.randrange(5000, 30000)) / 100 for _ in line_ids]
    bulk.insert_rows(
        Charge,
        (
            {
                "encounter_id": encounter_ids[i // LINES_PER_VISIT],
                "line_id": line,
                "provider_id": provider.pk,
                "coverage_id": plan[i // LINES_PER_VISIT][0][0],
                "date_of_service": plan[i // LINES_PER_VISIT][1],
                "code": "99213",
                "units": 1,
                "amount": amounts[i],
                "encounter_version": 1,
                "created_at": now,
            }  # fmt: skip
            for i, line in enumerate(line_ids)
        ),
    )
    charge_ids = list(
        Charge.objects.filter(encounter__practice_id=practice_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    bulk.insert_rows(
        Account,
        (
            {"practice_id": practice_id, "patient_id": pid, "created_at": now}
            for pid in {cov[1] for cov, _ in plan}
        ),
    )
    accounts = dict(Account.objects.filter(practice_id=practice_id).values_list("patient_id", "id"))

    def entries():
        for i, charge_id in enumerate(charge_ids):
            (coverage_id, patient_id, payer_id), _ = plan[i // LINES_PER_VISIT]
            amount = amounts[i]
            common = {
                "practice_id": practice_id, "account_id": accounts[patient_id],
                "patient_id": patient_id, "charge_id": charge_id, "location_id": location.pk,
                "provider_id": provider.pk, "source_kind": "system", "effective_on": today,
                "posted_at": now,
            }  # fmt: skip
            ins = {"party": "insurance", "payer_id": payer_id, "coverage_id": coverage_id}
            cut = (amount * rng.randrange(20, 50) / 100).quantize(Decimal("0.01"))
            share = (amount * rng.randrange(5, 20) / 100).quantize(Decimal("0.01"))
            transfer = bulk.new_uuid()
            yield {"posting": bulk.new_uuid(), "kind": "charge", "amount": amount, **ins, **common}
            yield {"posting": bulk.new_uuid(), "kind": "contractual", "amount": -cut,
                   "group": "CO", "reason": "45", **ins, **common}  # fmt: skip
            yield {"posting": transfer, "kind": "transfer", "amount": -share, "group": "PR",
                   "reason": "2", **ins, **common}  # fmt: skip
            yield {"posting": transfer, "kind": "transfer", "amount": share, "group": "PR",
                   "reason": "2", "party": "patient", **common}  # fmt: skip
            yield {"posting": bulk.new_uuid(), "kind": "adjustment", "amount": Decimal("-1.00"),
                   "group": "OA", "reason": "23", **ins, **common}  # fmt: skip

    bulk.insert_rows(LedgerEntry, entries())


def _best(fn, times: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of `times` calls."""
    wall = cpu = float("inf")
    for _ in range(times):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - cpu_started)
    return wall, cpu


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    rows = 20_000 if quick else 1_000_000
    practice, generated_s = _practice(rows, practice_id, seed)
    as_of = timezone.localdate()
    by_payer = ar_aging(practice, as_of=as_of, by="payer")
    by_patient = ar_aging(practice, as_of=as_of, by="patient")
    total = ledger_line_total(practice, as_of=as_of)
    if not by_payer.total == by_patient.total == total:
        raise SystemExit("bench/ar_aging.py: the aging does not reconcile with the ledger")
    payer_wall, payer_cpu = _best(lambda: ar_aging(practice, as_of=as_of))
    patient_wall, patient_cpu = _best(lambda: ar_aging(practice, as_of=as_of, by="patient"))
    # The summaries the aging reads equal the ledger (what `ledger check` verifies).
    started = time.perf_counter()
    off = summaries.problems(practice.pk)
    check_s = time.perf_counter() - started
    if off:
        raise SystemExit(f"bench/ar_aging.py: the ledger summaries are off: {off[:3]}")
    return {
        "ledger_rows": LedgerEntry.objects.filter(practice=practice).count(),
        "line_balance_rows": LineBalance.objects.filter(practice_id=practice.pk).count(),
        "summaries_check_s": round(check_s, 2),
        "generated_s": None if generated_s is None else round(generated_s, 1),
        "payers": len(by_payer.rows),
        "patients": len(by_patient.rows),
        "ar_total": str(total),
        "aging_by_payer_s": round(payer_wall, 3),
        "aging_by_payer_cpu_s": round(payer_cpu, 3),
        "aging_by_patient_s": round(patient_wall, 3),
        "aging_by_patient_cpu_s": round(patient_cpu, 3),
    }
