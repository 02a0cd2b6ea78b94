"""ERA (835) posting throughput: parse, balance, match and post a 10,000-claim remittance in
one transaction, next to pyx12's parse of the same file.

Set-up (not timed): 10,000 claims of formats/x12/synthetic.py's `prepared_claims`
(1 to 4 lines, telehealth and -25 modifiers, about one in ten for a secondary) are
written to the benchmark database as signed encounters with their charges in the
ledger and sent primary claims for generated patients with coverage; `adjudicate`
answers them with a balanced 835 of varied adjustments (contractual, deductible,
coinsurance, copay, claim and line denials, reversals with their corrections,
claims forwarded to a secondary, PLB interest and a recoupment) and the messiness of
real payers (modifiers dropped or reordered, line control numbers missing).

Timed: `era_import` of that file: reading (envelopes, counts), parsing, balancing
every claim and the payment, the idempotence checks, matching every claim and line,
and posting (ledger entries, adjudications, denials, suspense, claim moves) in one
transaction. pyx12's `x12n_document` parses (and validates) the same file in the
same run; era_vs_pyx12 is the ratio of claims per second. Times are CPU seconds of
this process (the machine is shared) and wall seconds for the posting (which waits on
the database). Everything the benchmark writes is rolled back at the end: the cached
data set stays as it was.

Sizes: 10,000 claims; --quick 500 claims (a few seconds).
"""

import io
import logging
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyx12.params
import pyx12.x12n_document
from django.db import transaction
from django.utils import timezone

from medoffice.billing.models import Charge, Claim, ClaimLine, Encounter, EncounterLine
from medoffice.core.models import Location, Provider
from medoffice.formats.x12 import Envelope
from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate, prepared_claims
from medoffice.patients.models import Coverage
from medoffice.payments.era import era_import
from medoffice.payments.ledger import _post_charges
from medoffice.payments.models import Account, EntryKind, LedgerEntry

WRITES = True
TARGETS = {"era_claims_per_s": (">=", 5_000), "era_vs_pyx12": (">=", 10)}
ENVELOPE = Envelope(
    sender_id="ACMEHEALTH",
    receiver_id="MAPLE01",
    interchange_control_number=835,
    group_control_number=835,
    created=datetime(2026, 11, 23, 9, 30),  # noqa: DTZ001 - a fixed wall-clock stamp
)


class _RollBack(Exception):
    pass


def _pyx12_seconds(data: bytes) -> float:
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "era.835"
        path.write_bytes(data)
        params = pyx12.params.params()
        started = time.process_time()
        pyx12.x12n_document.x12n_document(
            params, str(path), fd_997=None, fd_html=None, fd_json=io.StringIO()
        )
        return max(time.process_time() - started, 1e-9)


def _claims_in_database(practice_id: int, records) -> None:
    """The prepared claims as signed encounters, posted charges and sent claims."""
    coverages = list(
        Coverage.objects.filter(patient__practice_id=practice_id, order=1)
        .order_by("id")
        .values("id", "patient_id", "payer_id")[: len(records)]
    )
    if len(coverages) < len(records):
        raise SystemExit(f"bench/era.py needs {len(records)} insured patients")
    provider = Provider.objects.filter(practice_id=practice_id).order_by("id").first()
    location = Location.objects.filter(practice_id=practice_id).order_by("id").first()
    now = timezone.now()
    encounters = Encounter.objects.bulk_create(
        [
            Encounter(
                practice_id=practice_id,
                patient_id=cov["patient_id"],
                provider=provider,
                location=location,
                date_of_service=rec.lines[0].service_date,
                place_of_service=rec.place_of_service,
                coverage_id=cov["id"],
                status="signed",
                signed_at=now,
            )  # fmt: skip
            for rec, cov in zip(records, coverages, strict=True)
        ],
        batch_size=1000,
    )
    lines = EncounterLine.objects.bulk_create(
        [
            EncounterLine(
                encounter=enc,
                number=n,
                code=ln.procedure_code,
                units=ln.units,
                modifier1=(ln.modifiers + ("", ""))[0],
                modifier2=(ln.modifiers + ("", ""))[1],
                pointer1=1,
                unit_price=ln.charge,
                charge_amount=ln.charge,
            )  # fmt: skip
            for enc, rec in zip(encounters, records, strict=True)
            for n, ln in enumerate(rec.lines, 1)
        ],
        batch_size=1000,
    )
    by_encounter = {}
    for line in lines:
        by_encounter.setdefault(line.encounter_id, []).append(line)
    charges = Charge.objects.bulk_create(
        [
            Charge(
                encounter=enc,
                line=eline,
                provider=provider,
                coverage_id=cov["id"],
                date_of_service=ln.service_date,
                code=ln.procedure_code,
                modifiers=" ".join(ln.modifiers),
                units=ln.units,
                amount=ln.charge,
                encounter_version=1,
                created_at=now,
            )  # fmt: skip
            for enc, rec, cov in zip(encounters, records, coverages, strict=True)
            for eline, ln in zip(by_encounter[enc.pk], rec.lines, strict=True)
        ],
        batch_size=1000,
    )
    claims = Claim.objects.bulk_create(
        [
            Claim(
                practice_id=practice_id,
                patient_id=cov["patient_id"],
                encounter=enc,
                encounter_version=1,
                provider=provider,
                location=location,
                payer_id=cov["payer_id"],
                coverage_id=cov["id"],
                patient_control_number=rec.patient_control_number,
                place_of_service=rec.place_of_service,
                service_from=rec.lines[0].service_date,
                service_to=rec.lines[-1].service_date,
                diagnosis_codes=list(rec.diagnoses),
                total_charge=rec.total_charge,
                status="accepted_ch",
                sent_at=now,
                created_at=now,
                updated_at=now,
            )  # fmt: skip
            for enc, rec, cov in zip(encounters, records, coverages, strict=True)
        ],
        batch_size=1000,
    )
    it = iter(charges)
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=claim,
                number=n,
                charge=next(it),
                code=ln.procedure_code,
                modifiers=" ".join(ln.modifiers),
                units=ln.units,
                amount=ln.charge,
                pointers="1",
                date_of_service=ln.service_date,
                control_number=ln.line_control_number,
            )  # fmt: skip
            for claim, rec in zip(claims, records, strict=True)
            for n, ln in enumerate(rec.lines, 1)
        ],
        batch_size=1000,
    )
    Account.objects.bulk_create(
        [Account(practice_id=practice_id, patient_id=c["patient_id"], created_at=now)
         for c in coverages],
        batch_size=1000, ignore_conflicts=True,
    )  # fmt: skip
    _post_charges([c.pk for c in charges], None)


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    count = 500 if quick else 10_000
    records = prepared_claims(count, seed=seed)
    remittance = adjudicate(records, seed=seed, messy=True, trace_number=f"BENCH{seed}")
    data = render_835([remittance], envelope=ENVELOPE)
    pyx12_s = _pyx12_seconds(data)
    figures: dict = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            _claims_in_database(practice_id, records)
            setup_s = time.perf_counter() - started
            wall = time.perf_counter()
            cpu = time.process_time()
            result = era_import(data, practice=practice_id, name="bench.835", origin="command")
            cpu_s = max(time.process_time() - cpu, 1e-9)
            wall_s = max(time.perf_counter() - wall, 1e-9)
            if result.status != "posted":
                raise SystemExit(f"bench/era.py: the 835 was not posted: {result.message}")
            entries = (
                LedgerEntry.objects.filter(practice_id=practice_id)
                .exclude(kind=EntryKind.CHARGE)
                .count()
            )
            again = era_import(data, practice=practice_id, name="bench.835", origin="command")
            figures = {
                "claims": len(remittance.claims),
                "file_mb": round(len(data) / 1e6, 2),
                "setup_s": round(setup_s, 1),
                "matched": result.matched,
                "suspense_lines": result.suspense,
                "denied": result.denied,
                "ledger_entries": entries,
                "era_cpu_s": round(cpu_s, 2),
                "era_wall_s": round(wall_s, 2),
                "era_claims_per_s": round(len(remittance.claims) / cpu_s),
                "era_claims_per_wall_s": round(len(remittance.claims) / wall_s),
                "pyx12_parse_claims_per_s": round(len(remittance.claims) / pyx12_s),
                "era_vs_pyx12": round(pyx12_s / cpu_s, 1),
                "second_import": again.status,
                "paid": str(Decimal(result.total_paid)),
            }
            raise _RollBack
    except _RollBack:
        pass
    return figures
