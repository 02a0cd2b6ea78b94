"""`medoffice claims send` end to end: 10,000 ready claims built, scrubbed, queued,
rendered, written and recorded, on the database the run uses.

Setup (not measured; deterministic from the seed): a small ICD-10-CM, CPT and HCPCS
release of real codes (placeholder CPT descriptors), the sample NCCI tables, a folder
clearinghouse connection under the run's MEDOFFICE_VAR_DIR, and 10,000 signed encounters
(500 with --quick) of the generated patients that have an active primary coverage: 1-4
diagnoses, 1-3 service lines each with their standing charges, dates of service in the
last 30 days. They are clean, so every one becomes a claim that goes out.

Measured: one call of `exchange.claims_send(practice_id=...)`, what the command runs:
build the claims from the charges, scrub them, queue them in batches (5,000 claims per
file), render each 837P, write it to the outbox and record the batch, its file and every
claim's move to sent. Claims per second, the whole run's seconds, the queries it made,
and the seconds of each step (from a second, identical run's profile of the steps).
Everything made is deleted afterwards, so the data set stays the same from run to run.
"""

import os
import random
import shutil
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medoffice.billing.models import (
    Charge,
    Claim,
    ClaimBatch,
    ClaimEvent,
    ClaimLine,
    ClearinghouseConnection,
    ControlCounter,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    ExchangeFile,
    NcciTable,
)
from medoffice.billing.ncci import ncci_load
from medoffice.coding.models import CodeSetRelease, Icd10Code, ProcedureCode
from medoffice.core.models import Location, Practice, Provider
from medoffice.patients.models import Coverage

# It writes claims (and deletes them): bench/run.py runs it after the read-only ones.
WRITES = True

TARGETS = {
    "seconds_for_10000": ("<=", 10.0),
    "claims_per_s": (">=", 1_000),
}

FIXTURES = Path(__file__).resolve().parents[1] / "src" / "medoffice" / "billing" / "fixtures"
VERSION = "bench-claims-send"
ICD = [
    ("E119", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("E785", "Hyperlipidemia, unspecified"),
    ("J069", "Acute upper respiratory infection, unspecified"),
    ("R051", "Acute cough"),
    ("F419", "Anxiety disorder, unspecified"),
    ("K219", "Gastro-esophageal reflux disease without esophagitis"),
    ("E039", "Hypothyroidism, unspecified"),
]
VISITS = ["99212", "99213", "99214", "99215"]
EXTRAS = ["36415", "81002", "87880"]
PRICES = {"99212": "95.00", "99213": "135.00", "99214": "190.00", "99215": "255.00",
          "36415": "18.00", "81002": "12.50", "87880": "32.00"}  # fmt: skip


def _releases() -> list[CodeSetRelease]:
    start = timezone.localdate() - timedelta(days=400)
    icd = CodeSetRelease.objects.create(system="icd10cm", version=VERSION, effective_from=start)
    Icd10Code.objects.bulk_create(
        Icd10Code(release=icd, code=code, description=text, billable=True) for code, text in ICD
    )
    cpt = CodeSetRelease.objects.create(system="cpt", version=VERSION, effective_from=start)
    ProcedureCode.objects.bulk_create(
        ProcedureCode(release=cpt, code=c, description=f"Placeholder {c}") for c in PRICES
    )
    return [icd, cpt]


def _ncci() -> list[NcciTable]:
    return [
        ncci_load(
            kind=kind,
            data=(FIXTURES / f"ncci_{kind}_sample.txt").read_bytes(),
            version=VERSION,
            effective_from=date(2000, 1, 1),
        )  # fmt: skip
        for kind in ("ptp", "mue")
    ]


def _zip4(practice_id: int) -> dict[int, str]:
    """The locations' ZIP codes as they were; a location without ZIP+4 is given one for
    the run (the scrubber refuses a claim without it)."""
    before = dict(Location.objects.filter(practice_id=practice_id).values_list("id", "zip_code"))
    for location_id, code in before.items():
        if len(code.replace("-", "")) != 9:
            Location.objects.filter(pk=location_id).update(zip_code=f"{code[:5]}-0001")
    return before


def _encounters(practice_id: int, count: int, rng: random.Random) -> list[int]:
    today = timezone.localdate()
    coverages = list(
        Coverage.objects.filter(
            patient__practice_id=practice_id, order=1, status="active",
            effective_start__lte=today - timedelta(days=40),
        )
        .filter(Q(effective_end__isnull=True) | Q(effective_end__gte=today))
        .order_by("id")
        .values_list("patient_id", "id")[:count]
    )  # fmt: skip
    providers = list(Provider.objects.filter(practice_id=practice_id).values_list("id", flat=True))
    locations = list(Location.objects.filter(practice_id=practice_id).values_list("id", flat=True))
    now = timezone.now()
    plans = []
    for n in range(count):
        patient_id, coverage_id = coverages[n % len(coverages)]
        codes = rng.sample([c for c, _ in ICD], rng.randint(1, 4))
        lines = [rng.choice(VISITS), *rng.sample(EXTRAS, rng.randint(0, 2))]
        plans.append(
            (
                Encounter(
                    practice_id=practice_id,
                    patient_id=patient_id,
                    provider_id=rng.choice(providers),
                    location_id=rng.choice(locations),
                    date_of_service=today - timedelta(days=rng.randint(1, 30)),
                    place_of_service="11",
                    coverage_id=coverage_id,
                    status="signed",
                    signed_at=now,
                ),  # fmt: skip
                codes,
                lines,
            )
        )
    with transaction.atomic():
        made = Encounter.objects.bulk_create([p[0] for p in plans], batch_size=1000)
        diagnoses, lines = [], []
        for encounter, (_, codes, services) in zip(made, plans, strict=True):
            diagnoses += [
                EncounterDiagnosis(encounter=encounter, order=n, code=c)
                for n, c in enumerate(codes, 1)
            ]
            for number, code in enumerate(services, 1):
                line = EncounterLine(encounter=encounter, number=number, code=code, units=1)
                line.set_pointers(range(1, min(len(codes), 4) + 1))
                lines.append(line)
        EncounterDiagnosis.objects.bulk_create(diagnoses, batch_size=2000)
        EncounterLine.objects.bulk_create(lines, batch_size=2000)
        by_id = {e.id: e for e in made}
        Charge.objects.bulk_create(
            (
                Charge(
                    encounter_id=line.encounter_id,
                    line=line,
                    provider_id=by_id[line.encounter_id].provider_id,
                    coverage_id=by_id[line.encounter_id].coverage_id,
                    date_of_service=by_id[line.encounter_id].date_of_service,
                    code=line.code,
                    units=1,
                    amount=Decimal(PRICES[line.code]),
                    encounter_version=1,
                    created_at=now,
                )  # fmt: skip
                for line in lines
            ),
            batch_size=2000,
        )
    return [e.pk for e in made]


def _clean_up(encounter_ids: list[int], connection_id: int | None) -> None:
    with transaction.atomic():
        claims = Claim.objects.filter(encounter_id__in=encounter_ids)
        ClaimEvent.objects.filter(claim__in=claims).delete()
        ClaimLine.objects.filter(claim__in=claims).delete()
        claims.delete()
        if connection_id is not None:
            batches = ClaimBatch.objects.filter(connection_id=connection_id)
            ClaimEvent.objects.filter(batch__in=batches).delete()
            batches.delete()
            ExchangeFile.objects.filter(connection_id=connection_id).delete()
            ControlCounter.objects.filter(connection_id=connection_id).delete()
            ClearinghouseConnection.objects.filter(pk=connection_id).delete()
        Charge.objects.filter(encounter_id__in=encounter_ids).delete()
        EncounterLine.objects.filter(encounter_id__in=encounter_ids).delete()
        EncounterDiagnosis.objects.filter(encounter_id__in=encounter_ids).delete()
        Encounter.objects.filter(pk__in=encounter_ids).delete()


def _set_up(practice_id: int, count: int, rng: random.Random, var_dir: Path):
    made = _releases()
    tables = _ncci()
    zips = _zip4(practice_id)
    ch = ClearinghouseConnection.objects.create(
        practice_id=practice_id, name=f"Bench clearinghouse {time.time_ns()}",
        sender_id="BENCHSENDER", receiver_id="BENCHRECEIVER", receiver_name="BENCH CH",
        contact_phone="2175550100",
        outbox_dir=str(var_dir / "outbox"), inbox_dir=str(var_dir / "inbox"),
    )  # fmt: skip
    ids = _encounters(practice_id, count, rng)
    return made, tables, zips, ch, ids


def _tear_down(made, tables, zips, ch, ids) -> None:
    _clean_up(ids, ch.id if ch else None)
    for location_id, code in zips.items():
        Location.objects.filter(pk=location_id).update(zip_code=code)
    for release in made:
        release.delete()
    for table in tables:
        table.delete()


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when the server
    runs on this machine (the throwaway cluster of scripts/with-postgres.sh); else None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _one_run(practice_id: int, count: int, seed: int, var_dir: Path, profile: bool) -> dict:
    from medoffice.billing import exchange

    rng = random.Random(seed)  # noqa: S311
    made, tables, zips, ch, ids = _set_up(practice_id, count, rng, var_dir)
    steps: dict[str, float] = {}
    server_cpu = None
    try:
        if profile:
            steps = _profiled(practice_id)
            report = None
            queries = None
            elapsed = cpu = None
        else:
            server_started = _server_cpu()
            started, cpu_started = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as captured:
                report = exchange.claims_send(practice_id=practice_id)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            server_ended = _server_cpu()
            if server_started is not None and server_ended is not None:
                server_cpu = round(server_ended - server_started, 2)
            queries = len(captured.captured_queries)
    finally:
        _tear_down(made, tables, zips, ch, ids)
        shutil.rmtree(var_dir, ignore_errors=True)
    return {
        "report": report, "elapsed": elapsed, "cpu": cpu, "server_cpu": server_cpu,
        "queries": queries, "steps": steps,
        "load": round(os.getloadavg()[0], 1),
    }  # fmt: skip


def _profiled(practice_id: int) -> dict[str, float]:
    """The same work step by step, each step timed."""
    from medoffice.billing import claims as claim_services
    from medoffice.billing import exchange
    from medoffice.billing.states import ClaimStatus

    steps = {}
    started = time.perf_counter()
    claim_services.claims_build(practice_id=practice_id)
    steps["build_s"] = time.perf_counter() - started
    started = time.perf_counter()
    claim_services.claims_scrub(
        Claim.objects.filter(practice_id=practice_id, status=ClaimStatus.DRAFT)
    )
    steps["scrub_s"] = time.perf_counter() - started
    started = time.perf_counter()
    queued = exchange.claims_queue(practice_id=practice_id)
    steps["queue_s"] = time.perf_counter() - started
    started = time.perf_counter()
    exchange.batches_send(queued.batches)
    steps["render_write_record_s"] = time.perf_counter() - started
    return {k: round(v, 2) for k, v in steps.items()}


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    import tempfile

    count = 500 if quick else 10_000
    Practice.objects.get(pk=practice_id)
    # Claims already waiting in the data set would be sent too: the run wants only its own.
    waiting = Claim.objects.filter(practice_id=practice_id).exclude(status="closed").count()
    if waiting:
        return {"skipped": f"{waiting} claims already in the data set"}
    setup_started = time.perf_counter()
    first = _one_run(practice_id, count, seed, Path(tempfile.mkdtemp()), profile=False)
    total_s = time.perf_counter() - setup_started
    steps = {} if quick else _one_run(practice_id, count, seed, Path(tempfile.mkdtemp()),
                                      profile=True)["steps"]  # fmt: skip
    report = first["report"]
    sent = report.sent_claims
    return {
        "claims": count,
        "claims_sent": sent,
        "batches": len(report.batches),
        "seconds": round(first["elapsed"], 2),
        "seconds_for_10000": round(first["elapsed"] * 10_000 / max(sent, 1), 2),
        "claims_per_s": round(sent / first["elapsed"]),
        # This process's CPU seconds (not the database server's): on a loaded machine the
        # wall clock waits for a core, so this is the figure to compare between runs.
        "cpu_s": round(first["cpu"], 2),
        **({"db_server_cpu_s": first["server_cpu"]} if first["server_cpu"] is not None else {}),
        "load_average": first["load"],
        "queries": first["queries"],
        "with_setup_s": round(total_s, 1),
        **steps,
    }
