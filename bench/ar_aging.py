"""A/R aging at 1,000,000 ledger rows: by payer and by patient, the five age buckets.

Set-up (not timed): generated patients get signed visits whose charges are in the ledger
(one charge entry per line) and, per line, insurance-side activity that does not need a
payment (contractual adjustments, transfers to the patient, other adjustments,
write-offs) until the ledger holds `rows` entries for the practice: 1,000,000; --quick
20,000. Dates of service spread over the last 200 days, so every bucket has rows.

Timed: `accounts.reports.ar_aging` by payer and by patient (one grouped query each, then
the buckets in Python), the best of three wall-clock runs. Everything is rolled back at
the end: the cached data set stays as it was.
"""

import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from medoffice.accounts.reports import ar_aging, ledger_line_total
from medoffice.billing.models import Charge, Encounter, EncounterLine
from medoffice.core.models import Location, Practice, Provider
from medoffice.patients.models import Coverage
from medoffice.payments.models import Account, LedgerEntry

WRITES = True
TARGETS = {"aging_by_payer_s": ("<=", 1.0), "aging_by_patient_s": ("<=", 1.0)}
PER_LINE = 5  # entries per service line: the charge and four more


class _RollBack(Exception):
    pass


def _lines(practice_id: int, count: int, rng: random.Random) -> list:
    coverages = list(
        Coverage.objects.filter(patient__practice_id=practice_id, order=1)
        .order_by("id")
        .values("id", "patient_id", "payer_id")[: max(count // 3, 1)]
    )
    provider = Provider.objects.filter(practice_id=practice_id).order_by("id").first()
    location = Location.objects.filter(practice_id=practice_id).order_by("id").first()
    today, now = timezone.localdate(), timezone.now()
    visits = [
        (coverages[n % len(coverages)], today - timedelta(days=rng.randrange(200)))
        for n in range(max(count // 3, 1))
    ]
    encounters = Encounter.objects.bulk_create(
        [
            Encounter(
                practice_id=practice_id,
                patient_id=cov["patient_id"],
                provider=provider,
                location=location,
                date_of_service=day,
                place_of_service="11",
                coverage_id=cov["id"],
                status="signed",
                signed_at=now,
            )
            for cov, day in visits
        ],
        batch_size=2000,
    )
    pairs = [(enc, cov, day) for enc, (cov, day) in zip(encounters, visits, strict=True)]
    lines = EncounterLine.objects.bulk_create(
        [
            EncounterLine(encounter=enc, number=n, code="99213")
            for enc, _, _ in pairs
            for n in (1, 2, 3)
        ],
        batch_size=2000,
    )
    charges = Charge.objects.bulk_create(
        [
            Charge(
                encounter_id=line.encounter_id,
                line=line,
                provider=provider,
                coverage_id=pairs[i // 3][1]["id"],
                date_of_service=pairs[i // 3][2],
                code="99213",
                units=1,
                amount=Decimal(rng.randrange(5000, 30000)) / 100,
                encounter_version=1,
                created_at=now,
            )
            for i, line in enumerate(lines)
        ],
        batch_size=2000,
    )
    Account.objects.bulk_create(
        [
            Account(practice_id=practice_id, patient_id=cov["patient_id"], created_at=now)
            for cov in coverages
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    accounts = dict(Account.objects.filter(practice_id=practice_id).values_list("patient_id", "id"))
    return [
        (c, pairs[i // 3][1], accounts[pairs[i // 3][1]["patient_id"]], location, provider)
        for i, c in enumerate(charges)
    ]


def _entries(practice_id: int, lines, rng: random.Random) -> int:
    now, today = timezone.now(), timezone.localdate()
    batch, made = [], 0
    for charge, cov, account_id, location, provider in lines:
        common = {
            "practice_id": practice_id,
            "account_id": account_id,
            "patient_id": cov["patient_id"],
            "charge_id": charge.pk,
            "location_id": location.pk,
            "provider_id": provider.pk,
            "source_kind": "system",
            "effective_on": today,
            "posted_at": now,
        }
        ins = {"party": "insurance", "payer_id": cov["payer_id"], "coverage_id": cov["id"]}
        cut = (charge.amount * Decimal(rng.randrange(20, 50)) / 100).quantize(Decimal("0.01"))
        share = (charge.amount * Decimal(rng.randrange(5, 20)) / 100).quantize(Decimal("0.01"))
        posting = uuid.uuid4()
        batch += [
            LedgerEntry(posting=uuid.uuid4(), kind="charge", amount=charge.amount, **ins, **common),
            LedgerEntry(
                posting=uuid.uuid4(),
                kind="contractual",
                amount=-cut,
                group="CO",
                reason="45",
                **ins,
                **common,
            ),
            LedgerEntry(
                posting=posting,
                kind="transfer",
                amount=-share,
                group="PR",
                reason="2",
                **ins,
                **common,
            ),
            LedgerEntry(
                posting=posting,
                kind="transfer",
                amount=share,
                group="PR",
                reason="2",
                party="patient",
                **common,
            ),
            LedgerEntry(
                posting=uuid.uuid4(),
                kind="adjustment",
                amount=Decimal("-1.00"),
                group="OA",
                reason="23",
                **ins,
                **common,
            ),
        ]
        if len(batch) >= 10_000:
            LedgerEntry.objects.bulk_create(batch, batch_size=2000)
            made, batch = made + len(batch), []
    LedgerEntry.objects.bulk_create(batch, batch_size=2000)
    return made + len(batch)


def _best(fn, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    rows = 20_000 if quick else 1_000_000
    rng = random.Random(seed)
    practice = Practice.objects.get(pk=practice_id)
    figures: dict = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            existing = LedgerEntry.objects.filter(practice_id=practice_id).count()
            wanted_lines = max((rows - existing) // PER_LINE, 1)
            made = _entries(practice_id, _lines(practice_id, wanted_lines, rng), rng)
            setup_s = time.perf_counter() - started
            as_of = timezone.localdate()
            by_payer = ar_aging(practice, as_of=as_of, by="payer")
            by_patient = ar_aging(practice, as_of=as_of, by="patient")
            total = ledger_line_total(practice, as_of=as_of)
            if not by_payer.total == by_patient.total == total:
                raise SystemExit("bench/ar_aging.py: the aging does not reconcile with the ledger")
            figures = {
                "ledger_rows": existing + made,
                "setup_s": round(setup_s, 1),
                "payers": len(by_payer.rows),
                "patients": len(by_patient.rows),
                "ar_total": str(total),
                "aging_by_payer_s": round(_best(lambda: ar_aging(practice, as_of=as_of)), 3),
                "aging_by_patient_s": round(
                    _best(lambda: ar_aging(practice, as_of=as_of, by="patient")), 3
                ),
            }
            raise _RollBack
    except _RollBack:
        pass
    return figures
