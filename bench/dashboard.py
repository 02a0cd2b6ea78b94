"""The office manager's dashboard (/dashboard/, reports.views.dashboard) over a year of data
for 20 providers: every registered figure (visits, no-shows and waits by week, utilisation,
charges by month, clean-claim and denial rates, supplies, equipment) computed and drawn.

Setup (not measured; made once and kept in the cached database): a practice of its own
("Dashboard bench practice", so no other benchmark sees it) with one location in Chicago,
20 providers with weekday templates, 400 patients with a coverage, and for every weekday
of the year ending DASH_LAST, VISITS_PER_DAY visits per provider (18; 2 in --quick):
about 80 % kept with arrival and rooming times, 7 % no-shows, 8 % cancelled, the rest
still booked; each kept visit has a signed encounter with one charge (Decimal) and a
claim with its history (some rejected first, some denied). Rows are bulk-inserted.

Measured through the whole Django stack (test client, as the office manager: middleware,
session, permission check, template): the page for the year, p50/p95 ms, this process's
CPU ms per page (p50) and SQL queries, and each figure's own compute time (p50), so a
slow figure can be named. On PostgreSQL also the server's own CPU per page and per figure
(its processes' CPU from /proc, when the server runs on this machine): with the Python
CPU, what a page costs whatever the load of a shared machine does to the wall clock.
"""

import os
import random
import statistics
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from medoffice.billing.models import Charge, Claim, ClaimEvent, Encounter, EncounterLine
from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Location, Practice, Provider, StaffProfile
from medoffice.core.reporting import Filters
from medoffice.core.services import staff_user_create
from medoffice.core.testing import force_login_verified
from medoffice.patients.models import Coverage, Patient, Payer
from medoffice.payments.models import Account, LedgerEntry, Payment
from medoffice.reports import registry, rollups
from medoffice.scheduling.models import Appointment, AppointmentType, TemplateBlock

WRITES = True  # it makes its practice once (bench/run.py runs it after the read-only ones)

TARGETS = {"dashboard_p50_ms": ("<=", 300)}

# Its rows carry the times they would have been written at (a visit updated when it ended,
# a charge made when signed, a claim two days later), not the minute of the set-up: the
# rollups find changed days by those times, so rows all stamped "now" would look changed.
PRACTICE = "Dashboard bench practice (stamped)"
# Bumped when the generated rows change: a cached database then gets a new practice whose
# NPIs and ids (drawn from the seed) do not collide with the older one it still holds.
GENERATION = 2
PROVIDERS = 20
PATIENTS = 400
DASH_LAST = date(2026, 10, 31)
DASH_FIRST = DASH_LAST - timedelta(days=364)
ZONE = ZoneInfo("America/Chicago")
PRICES = (Decimal("85.00"), Decimal("125.00"), Decimal("185.00"), Decimal("42.50"))


def _config(quick: bool) -> dict:
    return {"visits_per_day": 2 if quick else 18, "requests": 8 if quick else 30}


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.80:
        return "fulfilled"
    if roll < 0.87:
        return "noshow"
    return "cancelled" if roll < 0.95 else "booked"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _practice(seed: int, visits_per_day: int) -> tuple[Practice, float | None]:
    """The dashboard's practice, made (or found complete) with `visits_per_day`."""
    existing = Practice.objects.filter(name=f"{PRACTICE} ({visits_per_day}/day)").first()
    if existing is not None and Appointment.objects.filter(location__practice=existing).exists():
        return existing, None
    started = time.perf_counter()
    rng = random.Random(seed + 31 + visits_per_day + 1000 * GENERATION)  # noqa: S311 - synthetic data
    with transaction.atomic():
        practice = Practice.objects.create(
            name=f"{PRACTICE} ({visits_per_day}/day)", group_npi=npi_from_stem("112233445"),
            tax_id="36-1234567",
        )  # fmt: skip
        location = Location.objects.create(
            practice=practice, name="Dashboard clinic", address1="1 Lake St", city="Chicago",
            state="IL", zip_code="60601", time_zone="America/Chicago",
        )  # fmt: skip
        providers = Provider.objects.bulk_create(
            Provider(practice=practice, first_name=f"Doc{n}", last_name=f"Dash{n:02d}",
                     specialty="Family medicine",
                     npi=npi_from_stem(
                         f"{300000000 + 10000 * GENERATION + 100 * visits_per_day + n}"))
            for n in range(PROVIDERS)
        )  # fmt: skip
        kind = AppointmentType.objects.create(
            practice=practice, name="Office visit", duration_minutes=20
        )
        TemplateBlock.objects.bulk_create(
            TemplateBlock(provider=p, location=location, weekday=weekday,
                          start_time=clock(8), end_time=clock(17))
            for p in providers
            for weekday in range(5)
        )  # fmt: skip
        patients = Patient.objects.bulk_create(
            Patient(practice=practice, mrn=f"DASH{n:06d}", first_name="Pat", last_name=f"Dash{n}",
                    dob=date(1950, 1, 1) + timedelta(days=n * 37), sex_at_birth="FM"[n % 2],
                    address1="1 Lake St", city="Chicago", state="IL", zip_code="60601")
            for n in range(PATIENTS)
        )  # fmt: skip
        payer = Payer.objects.order_by("id").first() or Payer.objects.create(
            name="Dashboard payer", payer_id="DASH1"
        )
        coverages = Coverage.objects.bulk_create(
            Coverage(patient=p, payer=payer, member_id=f"M{p.mrn}", order=1,
                     effective_start=date(2020, 1, 1))
            for p in patients
        )  # fmt: skip
        _visits(rng, practice, location, providers, kind, patients, coverages, visits_per_day)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return practice, round(time.perf_counter() - started, 1)


def _visits(rng, practice, location, providers, kind, patients, coverages, per_day) -> None:
    """A year of weekday visits; encounters, charges and claims for the kept ones."""
    visits, kept = [], []
    day = DASH_FIRST
    gap = (9 * 60) // per_day
    while day <= DASH_LAST:
        if day.weekday() < 5:
            for provider in providers:
                for n in range(per_day):
                    start = datetime.combine(day, clock(8), tzinfo=ZONE)
                    start += timedelta(minutes=gap * n)
                    status = _status(rng)
                    arrived = roomed = None
                    if status == "fulfilled":
                        arrived = start - timedelta(minutes=rng.randint(0, 15))
                        roomed = start + timedelta(minutes=rng.randint(0, 25), seconds=30)
                    which = rng.randrange(PATIENTS)
                    visit = Appointment(
                        public_id=_uuid(rng), patient=patients[which], appointment_type=kind,
                        provider=provider, location=location, starts_at=start,
                        ends_at=start + timedelta(minutes=20), status=status,
                        arrived_at=arrived, roomed_at=roomed,
                    )  # fmt: skip
                    visits.append(visit)
                    if status == "fulfilled":
                        kept.append((visit, which))
        day += timedelta(days=1)
    Appointment.objects.bulk_create(visits, batch_size=5000)
    Appointment.objects.filter(location=location).update(updated_at=F("ends_at"))
    encounters = Encounter.objects.bulk_create(
        (Encounter(public_id=_uuid(rng), practice=practice, patient=v.patient,
                   provider=v.provider, location=location, appointment=v,
                   date_of_service=v.starts_at.date(), place_of_service="11",
                   coverage=coverages[which], status="signed", signed_at=v.starts_at)
         for v, which in kept),
        batch_size=5000,
    )  # fmt: skip
    lines = EncounterLine.objects.bulk_create(
        (EncounterLine(encounter=e, number=1, code="99213", units=1) for e in encounters),
        batch_size=5000,
    )
    prices = [rng.choice(PRICES) for _ in encounters]
    Charge.objects.bulk_create(
        (Charge(public_id=_uuid(rng), encounter=e, line=line, provider_id=e.provider_id,
                coverage=e.coverage, date_of_service=e.date_of_service, code="99213",
                units=1, amount=price, encounter_version=1, created_at=e.signed_at)
         for e, line, price in zip(encounters, lines, prices, strict=True)),
        batch_size=5000,
    )  # fmt: skip
    outcomes = [
        rng.choices(("paid", "denied", "rejected", "accepted_ch"), (80, 8, 5, 7))[0]
        for _ in encounters
    ]
    sent = [datetime.combine(e.date_of_service + timedelta(days=2), clock(18), tzinfo=ZONE)
            for e in encounters]  # fmt: skip
    claims = Claim.objects.bulk_create(
        (Claim(public_id=_uuid(rng), practice=practice, patient_id=e.patient_id, encounter=e,
               encounter_version=1, provider_id=e.provider_id, location=location,
               payer_id=e.coverage.payer_id, coverage=e.coverage,
               patient_control_number=f"D{practice.pk}-{e.pk}", status=outcome,
               place_of_service="11", service_from=e.date_of_service,
               service_to=e.date_of_service, total_charge=price, sent_at=at,
               created_at=at, updated_at=at)
         for e, price, outcome, at in zip(encounters, prices, outcomes, sent, strict=True)),
        batch_size=5000,
    )  # fmt: skip
    ClaimEvent.objects.bulk_create(
        (ClaimEvent(claim=c, from_status="sent", to_status=step, at=c.updated_at)
         for c in claims
         for step in (("accepted_ch", c.status) if c.status in ("paid", "denied")
                      else (c.status,))),
        batch_size=5000,
    )  # fmt: skip


def _paid(amount: Decimal) -> Decimal:
    return (amount * Decimal("0.70")).quantize(Decimal("0.01"))


def _ledger(practice: Practice, seed: int) -> float | None:
    """The year's ledger of the practice (once): each charge posted; paid claims paid by the
    payer two weeks after the visit (one EFT a day) with a contractual adjustment, the
    patient's 10 % left open; denied claims a denial (zero) entry. Bulk-inserted."""
    if LedgerEntry.objects.filter(practice=practice).exists():
        return None
    started = time.perf_counter()
    # Seeded by the practice too: the quick and the full practice in one database must not
    # draw the same account and entry ids.
    rng = random.Random(seed + 77 + practice.pk)  # noqa: S311 - synthetic data
    now = datetime.now(ZONE)
    claims = list(
        Claim.objects.filter(practice=practice)
        .select_related("encounter")
        .values_list("id", "status", "payer_id", "patient_id", "provider_id", "location_id",
                     "coverage_id", "encounter__charges__id", "encounter__charges__amount",
                     "service_from")
    )  # fmt: skip
    with transaction.atomic():
        accounts = {
            a.patient_id: a
            for a in Account.objects.bulk_create(
                Account(public_id=_uuid(rng), practice=practice, patient_id=patient_id,
                        created_at=now)
                for patient_id in {c[3] for c in claims}
            )
        }  # fmt: skip
        paid_by_day: dict = defaultdict(Decimal)
        for claim in claims:
            if claim[1] == "paid":
                paid_by_day[claim[9] + timedelta(days=14)] += _paid(claim[8])
        payer_id = claims[0][2]
        payments = {
            day: Payment.objects.create(
                practice=practice,
                kind="insurance",
                payer_id=payer_id,
                method="eft",
                reference=f"EFT{day:%Y%m%d}",
                amount=amount,
                received_on=day,
                received_at=now,
            )  # fmt: skip
            for day, amount in sorted(paid_by_day.items())
        }
        entries = []
        for (
            _cid,
            status,
            payer,
            patient,
            provider,
            location,
            coverage,
            charge,
            amount,
            dos,
        ) in claims:
            common = {
                "practice": practice, "account": accounts[patient], "patient_id": patient,
                "charge_id": charge, "claim_id": _cid, "provider_id": provider,
                "location_id": location, "coverage_id": coverage, "posted_at": now,
            }  # fmt: skip
            entries.append(LedgerEntry(
                public_id=_uuid(rng), posting=_uuid(rng), kind="charge", amount=amount,
                party="insurance", payer_id=payer, from_charge_id=charge, source_kind="system",
                effective_on=dos, **common,
            ))  # fmt: skip
            if status == "paid":
                day = dos + timedelta(days=14)
                paid = _paid(amount)
                patient_part = (amount * Decimal("0.10")).quantize(Decimal("0.01"))
                posting = _uuid(rng)
                entries += [
                    LedgerEntry(public_id=_uuid(rng), posting=posting, kind="ins_payment",
                                amount=-paid, party="insurance", payer_id=payer,
                                payment=payments[day], source_kind="eft", effective_on=day,
                                **common),
                    LedgerEntry(public_id=_uuid(rng), posting=posting, kind="contractual",
                                amount=paid + patient_part - amount, party="insurance",
                                payer_id=payer, group="CO", reason="45", source_kind="eft",
                                effective_on=day, **common),
                    LedgerEntry(public_id=_uuid(rng), posting=posting, kind="transfer",
                                amount=-patient_part, party="insurance", payer_id=payer,
                                source_kind="eft", effective_on=day, **common),
                    LedgerEntry(public_id=_uuid(rng), posting=posting, kind="transfer",
                                amount=patient_part, party="patient", source_kind="eft",
                                effective_on=day, **common),
                ]  # fmt: skip
            elif status == "denied":
                entries.append(LedgerEntry(
                    public_id=_uuid(rng), posting=_uuid(rng), kind="denial", amount=0,
                    party="insurance", payer_id=payer, group="CO", reason="197",
                    source_kind="eft", effective_on=dos + timedelta(days=14), **common,
                ))  # fmt: skip
        LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def _manager(practice: Practice) -> Client:
    staff = StaffProfile.objects.filter(practice=practice, role="office_manager").first()
    user = staff.user if staff else staff_user_create(
        username=f"dash-manager-{practice.pk}", password=None, role="office_manager",
        practice=practice,
    )  # fmt: skip
    client = Client(HTTP_HOST="localhost")
    force_login_verified(client, user)
    return client


def _server_cpu() -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes (the backend serving
    this connection, its parallel workers and the rest of the postmaster's children), read
    from /proc when the server runs on this machine; None on SQLite (its work is this
    process's CPU already) or when /proc does not show the server."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    proc = Path("/proc")
    try:
        postmaster = int((proc / str(backend) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == postmaster:  # ppid; then utime and stime (fields 14, 15)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    cfg = _config(quick)
    practice, made_s = _practice(seed, cfg["visits_per_day"])
    ledger_s = _ledger(practice, seed)
    rollups_s = time.perf_counter()
    rollups.rebuild()  # as the worker does each night; the pages then refresh what changed
    rollups_s = round(time.perf_counter() - rollups_s, 1)
    client = _manager(practice)
    query = {"since": DASH_FIRST.isoformat(), "until": DASH_LAST.isoformat()}
    for _ in range(2):
        client.get("/dashboard/", query)  # templates compiled, code paths warm
    times, cpu, queries = [], [], 0
    server_started = _server_cpu()
    for _ in range(cfg["requests"]):
        started, cpu_started = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/dashboard/", query)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")
        queries = max(queries, len(captured))
    server_cpu = _server_cpu()
    figures = {
        "dashboard_visits": Appointment.objects.filter(location__practice=practice).count(),
        "dashboard_charges": Charge.objects.filter(encounter__practice=practice).count(),
        "dashboard_ledger_entries": LedgerEntry.objects.filter(practice=practice).count(),
        "dashboard_setup_s": made_s,
        "dashboard_ledger_setup_s": ledger_s,
        "dashboard_rollup_rebuild_s": rollups_s,
        "dashboard_p50_ms": round(statistics.median(times), 1),
        "dashboard_p95_ms": round(_percentile(times, 0.95), 1),
        # This process's CPU per page: what a shared, loaded machine does not inflate
        # (on SQLite it includes the database's work; PostgreSQL's server is not in it).
        "dashboard_cpu_p50_ms": round(statistics.median(cpu), 1),
        # PostgreSQL's CPU per page (mean: /proc counts in 10 ms ticks), what the wall
        # clock of a loaded machine hides: the page's cost is this plus the CPU above.
        "dashboard_server_cpu_mean_ms": (
            None
            if server_cpu is None or server_started is None
            else round((server_cpu - server_started) * 1000 / cfg["requests"], 1)
        ),
        "dashboard_queries": queries,
        "dashboard_kb": round(len(response.content) / 1024),
    }
    spent = []
    for _ in range(max(3, cfg["requests"] // 3)):
        started = time.perf_counter()
        rollups.refresh()  # the worker's clock, each minute (pages only read)
        spent.append((time.perf_counter() - started) * 1000)
    figures["rollup_refresh_nothing_new_ms"] = round(statistics.median(spent), 1)
    for figure in registry.figures():
        spent, cpu_spent = [], []
        server_started = _server_cpu()
        for _ in range(max(3, cfg["requests"] // 3)):
            filters = Filters(practice=practice, first_day=DASH_FIRST, last_day=DASH_LAST)
            started, cpu_started = time.perf_counter(), time.process_time()
            figure.compute(filters)
            spent.append((time.perf_counter() - started) * 1000)
            cpu_spent.append((time.process_time() - cpu_started) * 1000)
        name = figure.key.replace("-", "_")
        figures[f"figure_{name}_ms"] = round(statistics.median(spent), 1)
        figures[f"figure_{name}_cpu_ms"] = round(statistics.median(cpu_spent), 1)
        if server_started is not None:
            server_cpu = _server_cpu() - server_started
            figures[f"figure_{name}_server_cpu_ms"] = round(server_cpu * 1000 / len(spent), 1)
    return figures
