"""Scheduling: the slot finder's latency and the in-process booking rate, on a realistic schedule.

Setup (not measured; deterministic from the seed; idempotent, so the cached
SQLite file is filled once per day of schedule):

- 200 providers (20 in --quick) in the benchmark practice, spread over its
  locations (every fourth one works Mon/Wed/Fri at the first location and
  Tue/Thu at the second), each with weekday templates 8:00-12:00 and
  13:00-17:00 (15-minute slots);
- two exam rooms per provider per location, one ECG per location;
- an "Office visit" (30 min, exam room) and an "ECG visit" (20 min, exam room
  and ECG) type; US federal holidays; a week of vacation for about one
  provider in ten and one afternoon a location is closed (exceptions);
- the next 21 days (7 in --quick) booked about 70 % full, through the fast
  path: Appointment and Hold rows bulk-inserted with the units and resource
  kinds `appointment_book` writes (provider, patient, room, ECG). One
  provider, the "far" one, is booked solid over those days, so their first
  free time is about three weeks out.

Measured:

- slot finder: `find_slots(limit=10)` from now over a 90-day horizon (14 in
  --quick) for (a) any provider, (b) one preferred provider, (c) afternoons
  only, (d) the ECG type, (e) the fully booked provider; p50/p95 ms and the
  SQL queries per call;
- booking: `appointment_book` (each call its own transaction, as in
  production) of distinct free finder slots for distinct patients, per
  second; beside it the raw commit rate of the same database in the same run
  (one tiny INSERT per transaction in a scratch table, same durability
  settings) and the ratio of the two: a booking needs at least one durable
  commit, so the commit rate is its floor. The HL7 feed and the patient's
  notice cost the booking one small INSERT together (its row of the change
  journal, with the visit's snapshot; the worker makes and renders the messages
  and writes the files); the worker's batched delivery of those messages to
  files, rendering included, is timed after (feed_delivered_per_s). Then as
  many bookings again with the HL7 feed off. The bookings and their messages
  are deleted afterwards so the data set stays the same from run to run.
"""

import gc
import os
import random
import statistics
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Location, Practice, Provider
from medoffice.interop.models import OutboundMessage
from medoffice.interop.services import outbox_deliver
from medoffice.patients.models import Patient, PatientStatus
from medoffice.scheduling.holidays import holidays_load_federal
from medoffice.scheduling.models import (
    Appointment,
    AppointmentChange,
    AppointmentType,
    Equipment,
    Hold,
    Holiday,
    Room,
    ScheduleException,
    TemplateBlock,
)
from medoffice.scheduling.selectors import Preferences, find_slots
from medoffice.scheduling.services import appointment_book
from medoffice.scheduling.slots import units

# It books visits: bench/run.py runs it after the read-only benchmarks.
WRITES = True

TARGETS = {
    "finder_any_p50_ms": ("<=", 50),
    "finder_provider_p50_ms": ("<=", 50),
    "finder_afternoon_p50_ms": ("<=", 50),
    "finder_ecg_p50_ms": ("<=", 50),
    "finder_far_p50_ms": ("<=", 50),
    "booking_per_s": (">=", 900),
}

BLOCKS = ((clock(8, 0), clock(12, 0)), (clock(13, 0), clock(17, 0)))
SLOT_MINUTES = 15
BOOK_PROBABILITY = 0.56  # chance a free quarter-hour starts a visit: about 70 % of time held
ECG_SHARE = 0.08  # of filled visits, when the location's ECG is free
FILL_TABLE = "bench_scheduling_filled"
PROBE_TABLE = "bench_commit_probe"
NPI_BASE = 299_000_000  # stems 299000001.. : clear of the demo providers'


def _config(quick: bool) -> dict:
    if quick:
        return {
            "providers": 20,
            "fill_days": 7,
            "horizon": 14,
            "calls": 60,
            "warm": 5,
            "bookings": 600,
            "commits": 100,
            "budget_s": 20,
        }
    return {
        "providers": 200,
        "fill_days": 21,
        "horizon": 90,
        "calls": 300,
        "warm": 20,
        "bookings": 500,
        "commits": 500,
        "budget_s": 90,
    }


# ---------------------------------------------------------------- setup


def _works_at(index: int, weekday: int, locations: list[Location]) -> Location:
    if len(locations) > 1 and index % 4 == 3:
        return locations[0] if weekday in (0, 2, 4) else locations[1]
    return locations[index % len(locations)]


def _providers(practice_id: int, count: int, locations: list[Location]) -> list[Provider]:
    npis = [npi_from_stem(str(NPI_BASE + n)) for n in range(1, count + 1)]
    have = {p.npi: p for p in Provider.objects.filter(npi__in=npis)}
    missing = [
        Provider(
            practice_id=practice_id,
            first_name=f"Bench{n:03d}",
            last_name="Clinician",
            credentials="MD",
            specialty="Family medicine",
            taxonomy_code="207Q00000X",
            npi=npi,
        )
        for n, npi in enumerate(npis)
        if npi not in have
    ]
    if missing:
        Provider.objects.bulk_create(missing)
        have = {p.npi: p for p in Provider.objects.filter(npi__in=npis)}
    providers = [have[npi] for npi in npis]
    through = Provider.locations.through
    linked = set(
        through.objects.filter(provider__in=providers).values_list("provider_id", "location_id")
    )
    links = []
    for index, provider in enumerate(providers):
        for location in {_works_at(index, w, locations).id for w in range(5)}:
            if (provider.id, location) not in linked:
                links.append(through(provider_id=provider.id, location_id=location))
    through.objects.bulk_create(links)
    blocked = set(
        TemplateBlock.objects.filter(provider__in=providers).values_list("provider_id", flat=True)
    )
    TemplateBlock.objects.bulk_create(
        TemplateBlock(
            provider_id=provider.id,
            location_id=_works_at(index, weekday, locations).id,
            weekday=weekday,
            start_time=start,
            end_time=end,
            slot_minutes=SLOT_MINUTES,
        )
        for index, provider in enumerate(providers)
        if provider.id not in blocked
        for weekday in range(5)
        for start, end in BLOCKS
    )
    return providers


def _resources(locations: list[Location], count: int) -> None:
    """Two exam rooms per provider working at a location, one ECG per location."""
    per_location: dict[int, int] = defaultdict(int)
    for index in range(count):
        for location_id in {_works_at(index, w, locations).id for w in range(5)}:
            per_location[location_id] += 1
    for location in locations:
        names = {f"Exam B{n:03d}" for n in range(1, 2 * per_location[location.id] + 1)}
        names -= set(Room.objects.filter(location=location).values_list("name", flat=True))
        Room.objects.bulk_create(Room(location=location, name=name) for name in sorted(names))
        Equipment.objects.get_or_create(
            location=location, name="Bench ECG", defaults={"kind": "ECG"}
        )


def _types(practice_id: int, horizon: int) -> tuple[AppointmentType, AppointmentType]:
    office, _ = AppointmentType.objects.get_or_create(
        practice_id=practice_id,
        name="Office visit",
        defaults={"duration_minutes": 30, "room_kind": "exam", "max_days_ahead": 120},
    )
    ecg, _ = AppointmentType.objects.get_or_create(
        practice_id=practice_id,
        name="ECG visit",
        defaults={
            "duration_minutes": 20,
            "room_kind": "exam",
            "equipment_kinds": "ECG",
            "max_days_ahead": 120,
        },
    )
    return office, ecg


def _exceptions(providers, locations, seed: int, first_day: date, zone: ZoneInfo) -> None:
    """About one provider in ten away for a working week; one location closed one afternoon."""
    if ScheduleException.objects.filter(reason__startswith="Bench ").exists():
        return
    rng = random.Random(seed + 7)  # noqa: S311
    rows = []
    for index, provider in enumerate(providers[1:], start=1):  # never the "far" provider
        if rng.random() < 0.1:
            start = first_day + timedelta(days=rng.randint(3, 80))
            start -= timedelta(days=start.weekday())  # a Monday
            rows.append(
                ScheduleException(
                    location_id=_works_at(index, 0, locations).id,
                    provider_id=provider.id,
                    starts_at=datetime.combine(start, clock(0, 0), tzinfo=zone),
                    ends_at=datetime.combine(start + timedelta(days=5), clock(0, 0), tzinfo=zone),
                    reason="Bench vacation",
                )
            )
    closed = first_day + timedelta(days=10)
    rows.append(
        ScheduleException(
            location_id=locations[-1].id,
            provider_id=None,
            starts_at=datetime.combine(closed, clock(13, 0), tzinfo=zone),
            ends_at=datetime.combine(closed, clock(17, 0), tzinfo=zone),
            reason="Bench all-staff training",
        )
    )
    ScheduleException.objects.bulk_create(rows)


class _PatientPool:
    """Active patients of the practice, drawn at random (deterministic), never twice."""

    def __init__(self, practice_id: int, rng: random.Random):
        self.practice_id = practice_id
        self.rng = rng
        ids = Patient.objects.filter(practice_id=practice_id).order_by("id")
        self.low = ids.values_list("id", flat=True).first()
        self.high = ids.values_list("id", flat=True).last()
        self.used: set[int] = set()
        self.ready: list[int] = []

    def take(self) -> int:
        while not self.ready:
            wanted = {self.rng.randint(self.low, self.high) for _ in range(2000)} - self.used
            found = set(
                Patient.objects.filter(
                    id__in=sorted(wanted),
                    practice_id=self.practice_id,
                    status=PatientStatus.ACTIVE,
                ).values_list("id", flat=True)
            )
            self.ready = sorted(found)
            self.rng.shuffle(self.ready)
        patient_id = self.ready.pop()
        self.used.add(patient_id)
        return patient_id


def _scratch_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FILL_TABLE} (provider_id BIGINT NOT NULL,"
            " day VARCHAR(10) NOT NULL, PRIMARY KEY (provider_id, day))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (id INTEGER PRIMARY KEY, note VARCHAR(20))"
        )


def _fill(*, providers, locations, office, ecg, days, zone, pool, seed) -> int:
    """Book about 70 % of each provider's template time on `days`; returns visits inserted."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT provider_id, day FROM {FILL_TABLE}")  # noqa: S608
        done = {(p, d) for p, d in cursor.fetchall()}
    holidays = set(Holiday.objects.filter(day__in=days).values_list("day", flat=True))
    rooms = defaultdict(list)
    for room_id, location_id in (
        Room.objects.filter(location__in=locations, kind="exam", is_active=True)
        .order_by("id")
        .values_list("id", "location_id")
    ):
        rooms[location_id].append(room_id)
    ecgs = dict(
        Equipment.objects.filter(location__in=locations, kind="ECG", name="Bench ECG").values_list(
            "location_id", "id"
        )
    )
    away = [
        (e.provider_id, e.location_id, e.starts_at, e.ends_at)
        for e in ScheduleException.objects.all()
    ]
    inserted = 0
    for day in days:
        todo = [
            (index, p) for index, p in enumerate(providers) if (p.id, day.isoformat()) not in done
        ]
        if not todo:
            continue
        if day.weekday() >= 5 or day in holidays:
            _mark(todo, day)
            continue
        pool.used.clear()  # a patient may have visits on several days, never two at once
        day_start = datetime.combine(day, clock(0, 0), tzinfo=zone)
        span_day = units(day_start, day_start + timedelta(days=1))
        busy: dict[tuple[str, int], set[int]] = defaultdict(set)
        for kind, resource_id, unit in Hold.objects.filter(
            unit__gte=span_day.start, unit__lt=span_day.stop
        ).values_list("kind", "resource_id", "unit"):
            busy[(kind, resource_id)].add(unit)
        visits = []  # (appointment, holds as (kind, id) list, span, equipment id)
        for index, provider in todo:
            rng = random.Random(f"{seed}-{day.isoformat()}-{index}")  # noqa: S311
            location = _works_at(index, day.weekday(), locations)
            far = index == 0
            for start_wall, end_wall in BLOCKS:
                t = datetime.combine(day, start_wall, tzinfo=zone)
                block_end = datetime.combine(day, end_wall, tzinfo=zone)
                while t + timedelta(minutes=SLOT_MINUTES) <= block_end:
                    step = timedelta(minutes=SLOT_MINUTES)
                    if _closed(away, provider.id, location.id, t, t + step):
                        t += step
                        continue
                    if not far and rng.random() >= BOOK_PROBABILITY:
                        t += step
                        continue
                    kind = ecg if not far and rng.random() < ECG_SHARE else office
                    end = t + timedelta(minutes=kind.duration_minutes)
                    span = units(t, end)
                    ecg_id = ecgs.get(location.id) if kind is ecg else None
                    if kind is ecg and (ecg_id is None or not busy[("E", ecg_id)].isdisjoint(span)):
                        kind, ecg_id = office, None
                        end = t + timedelta(minutes=office.duration_minutes)
                        span = units(t, end)
                    if end > block_end or _closed(away, provider.id, location.id, t, end):
                        t += step
                        continue
                    if not busy[("P", provider.id)].isdisjoint(span):
                        t += step
                        continue
                    room_id = next(
                        (r for r in rooms[location.id] if busy[("R", r)].isdisjoint(span)), None
                    )
                    if room_id is None:
                        t += step
                        continue
                    patient_id = pool.take()
                    while not busy[("T", patient_id)].isdisjoint(span):
                        patient_id = pool.take()
                    held = [("T", patient_id), ("P", provider.id), ("R", room_id)]
                    if ecg_id is not None:
                        held.append(("E", ecg_id))
                    for key in held:
                        busy[key].update(span)
                    visits.append(
                        (
                            Appointment(
                                public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                                patient_id=patient_id,
                                appointment_type_id=kind.id,
                                provider_id=provider.id,
                                location_id=location.id,
                                room_id=room_id,
                                starts_at=t,
                                ends_at=end,
                            ),
                            held,
                            span,
                            ecg_id,
                        )
                    )
                    # the next start on the template grid at or after the end
                    t += step * -(-kind.duration_minutes // SLOT_MINUTES)
        with transaction.atomic():
            Appointment.objects.bulk_create([v[0] for v in visits], batch_size=2000)
            Hold.objects.bulk_create(
                (
                    Hold(appointment_id=a.id, kind=kind, resource_id=resource_id, unit=unit)
                    for a, held, span, _ in visits
                    for kind, resource_id in held
                    for unit in span
                ),
                batch_size=5000,
            )
            through = Appointment.equipment.through
            through.objects.bulk_create(
                through(appointment_id=a.id, equipment_id=e) for a, _, _, e in visits if e
            )
            _mark(todo, day)
        inserted += len(visits)
    return inserted


def _analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would soon gather on
    PostgreSQL (without them it reads holds by unit range across every resource of a
    kind: 15 ms instead of 1 per query). SQLite plans these queries without statistics."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _closed(away, provider_id, location_id, start, end) -> bool:
    return any(
        (p == provider_id or (p is None and loc == location_id)) and start < until and since < end
        for p, loc, since, until in away
    )


def _mark(todo, day: date) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {FILL_TABLE} (provider_id, day) VALUES (%s, %s)",  # noqa: S608
            [(p.id, day.isoformat()) for _, p in todo],
        )


def _prepare(practice_id: int, seed: int, cfg: dict) -> dict:
    locations = list(Location.objects.filter(practice_id=practice_id).order_by("id"))
    zone = ZoneInfo(locations[0].time_zone)
    today = timezone.now().astimezone(zone).date()
    started = time.perf_counter()
    _scratch_tables()
    with transaction.atomic():
        providers = _providers(practice_id, cfg["providers"], locations)
        _resources(locations, cfg["providers"])
        office, ecg = _types(practice_id, cfg["horizon"])
        holidays_load_federal(
            practice=Practice.objects.get(id=practice_id),
            years=sorted({today.year, today.year + 1}),
        )
        _exceptions(providers, locations, seed, today, zone)
    pool = _PatientPool(practice_id, random.Random(seed + 11))  # noqa: S311
    days = [today + timedelta(days=n) for n in range(cfg["fill_days"])]
    inserted = _fill(
        providers=providers,
        locations=locations,
        office=office,
        ecg=ecg,
        days=days,
        zone=zone,
        pool=pool,
        seed=seed,
    )
    if inserted:
        _analyze()
    return {
        "providers": providers,
        "locations": locations,
        "office": office,
        "ecg": ecg,
        "zone": zone,
        "today": today,
        "pool": pool,
        "inserted": inserted,
        "setup_s": round(time.perf_counter() - started, 1),
    }


# ---------------------------------------------------------------- occupancy report


def _occupancy(providers, zone, days: list[date]) -> dict:
    """Share of template time held, over `days` (working days only) and on the first of them."""
    ids = [p.id for p in providers]
    per_day = {}
    holidays = set(Holiday.objects.filter(day__in=days).values_list("day", flat=True))
    template_units = len(ids) * sum(
        len(
            units(
                datetime.combine(days[0], s, tzinfo=zone), datetime.combine(days[0], e, tzinfo=zone)
            )
        )
        for s, e in BLOCKS
    )
    for day in days:
        if day.weekday() >= 5 or day in holidays:
            continue
        start = datetime.combine(day, clock(0, 0), tzinfo=zone)
        span = units(start, start + timedelta(days=1))
        held = Hold.objects.filter(
            kind="P", resource_id__in=ids, unit__gte=span.start, unit__lt=span.stop
        ).count()
        per_day[day] = held / template_units
    if not per_day:
        return {}
    first = min(per_day)
    return {
        "first_working_day": first.isoformat(),
        "first_working_day_pct": round(100 * per_day[first], 1),
        "window_pct": round(100 * statistics.mean(per_day.values()), 1),
    }


# ---------------------------------------------------------------- measurements


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _time_finder(calls, warm: int, budget_s: float):
    for call in calls[:warm]:
        call()
    times, cpu = [], []
    deadline = time.perf_counter() + budget_s
    last = None
    for call in calls[warm:]:
        if time.perf_counter() > deadline:
            break
        started, cpu_started = time.perf_counter(), time.process_time()
        last = call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        last = calls[0]()
    return times, cpu, len(queries.captured_queries), last


def _finder(setup: dict, cfg: dict, rng: random.Random) -> dict:
    office, ecg, providers = setup["office"], setup["ecg"], setup["providers"]
    horizon, n = cfg["horizon"], cfg["calls"] + cfg["warm"]
    others = providers[1:]
    cases = {
        "any": [lambda: find_slots(appointment_type=office, limit=10, days=horizon)] * n,
        "provider": [
            (
                lambda pid: (
                    lambda: find_slots(
                        appointment_type=office,
                        limit=10,
                        days=horizon,
                        prefs=Preferences(provider_ids=(pid,)),
                    )
                )
            )(rng.choice(others).id)
            for _ in range(n)
        ],
        "afternoon": [
            lambda: find_slots(
                appointment_type=office,
                limit=10,
                days=horizon,
                prefs=Preferences(part_of_day="afternoon"),
            )
        ]
        * n,
        "ecg": [lambda: find_slots(appointment_type=ecg, limit=10, days=horizon)] * n,
        "far": [
            lambda: find_slots(
                appointment_type=office,
                limit=10,
                days=horizon,
                prefs=Preferences(provider_ids=(providers[0].id,)),
            )
        ]
        * n,
    }
    figures = {}
    now = timezone.now()
    load_before = os.getloadavg()[0]
    for name, calls in cases.items():
        times, cpu, queries, slots = _time_finder(calls, cfg["warm"], cfg["budget_s"])
        if len(times) < cfg["calls"]:
            figures[f"finder_{name}_measured"] = len(times)
        figures[f"finder_{name}_p50_ms"] = round(statistics.median(times), 2)
        figures[f"finder_{name}_p95_ms"] = round(_percentile(times, 0.95), 2)
        # CPU time of the benchmark process (Python and SQLite; PostgreSQL's own is apart):
        # what the wall-clock figure would be on CPUs nobody else uses.
        figures[f"finder_{name}_cpu_p50_ms"] = round(statistics.median(cpu), 2)
        figures[f"finder_{name}_queries"] = queries
        figures[f"finder_{name}_found"] = len(slots)
        if slots:
            figures[f"finder_{name}_first_in_days"] = round(
                (slots[0].starts_at - now).total_seconds() / 86400, 1
            )
    figures["finder_load_avg"] = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
    return figures


def _commit_rate(count: int, cpu: list | None = None) -> float:
    """Raw single-row commits per second (same database, same durability settings); the
    CPU milliseconds each took are appended to `cpu` if given."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PROBE_TABLE}")  # noqa: S608
    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PROBE_TABLE} (id, note) VALUES (%s, %s)",  # noqa: S608
                [n + 1, "probe"],
            )
    elapsed = time.perf_counter() - started
    if cpu is not None:
        cpu.append((time.process_time() - cpu_started) * 1000 / count)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PROBE_TABLE}")  # noqa: S608
    return count / elapsed


def _free_slots(office, horizon: int, count: int) -> list:
    """Distinct finder slots that do not overlap for the same provider (bookable one by one)."""
    chosen, taken = [], defaultdict(set)
    for slot in find_slots(appointment_type=office, limit=count * 4, days=horizon):
        span = units(slot.starts_at, slot.ends_at)
        if taken[slot.provider_id].isdisjoint(span):
            taken[slot.provider_id].update(span)
            chosen.append(slot)
            if len(chosen) == count:
                break
    return chosen


def _fresh_patients(practice_id: int, count: int, seed: int, window: range) -> list[int]:
    """Distinct active patients with no visit in `window` (units): none meets their own visit."""
    pool = _PatientPool(practice_id, random.Random(seed + 13))  # noqa: S311
    chosen: list[int] = []
    while len(chosen) < count:
        batch = [pool.take() for _ in range(count - len(chosen))]
        busy = set(
            Hold.objects.filter(
                kind="T", resource_id__in=batch, unit__gte=window.start, unit__lt=window.stop
            ).values_list("resource_id", flat=True)
        )
        chosen += [i for i in batch if i not in busy]
    return chosen


def _statements_per_booking(office, providers, locations, seed: int, *, horizon: int) -> int:
    """SQL statements of one more booking (BEGIN and COMMIT included), set-up already kept."""
    slot = _free_slots(office, horizon, 1)[0]
    span = units(slot.starts_at, slot.ends_at)
    patient = Patient.objects.get(id=_fresh_patients(office.practice_id, 1, seed + 31, span)[0])
    with CaptureQueriesContext(connection) as queries:
        appointment = appointment_book(
            patient=patient, appointment_type=office, provider=providers[slot.provider_id],
            location=locations[slot.location_id], starts_at=slot.starts_at, reason="bench",
        )  # fmt: skip
    _forget([appointment.id])
    return len(queries)


def _forget(appointment_ids: list[int]) -> None:
    """Delete the benchmark's bookings with their journal rows and messages."""
    AppointmentChange.objects.filter(appointment_id__in=appointment_ids).delete()
    OutboundMessage.objects.filter(appointment_id__in=appointment_ids).delete()
    Appointment.objects.filter(id__in=appointment_ids).delete()


def _pages_per_commit(plan, office, providers, locations) -> tuple[float, float]:
    """SQLite: database pages one booking's commit writes to the WAL (and syncs), and one
    raw single-row commit's, from the WAL's growth with automatic checkpoints paused."""
    if connection.vendor != "sqlite":
        return 0.0, 0.0
    wal = Path(f"{connection.settings_dict['NAME']}-wal")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        frame = cursor.fetchone()[0] + 24  # each WAL frame: a page and its header
        cursor.execute("PRAGMA wal_autocheckpoint")
        autocheckpoint = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        before = wal.stat().st_size
        booked, _, _, _ = _book_all(plan, office, providers, locations)
        booking = (wal.stat().st_size - before) / frame / max(len(booked), 1)
        before = wal.stat().st_size
        _commit_rate(len(plan))
        probe = (wal.stat().st_size - before) / frame / (len(plan) + 2)  # + the two DELETEs
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
    _forget(booked)
    return round(booking, 1), round(probe, 1)


def _book_all(
    plan, office, providers, locations, cpu: list | None = None
) -> tuple[list[int], int, list[float], float]:
    """Book each (slot, patient) in its own transaction; the CPU seconds the whole loop took
    (this process: Python, Django and SQLite, not the waits for the disk) go to `cpu`."""
    booked, refused, times = [], 0, []
    cpu_started = time.process_time()
    started = time.perf_counter()
    for slot, patient in plan:
        t0 = time.perf_counter()
        try:
            booked.append(
                appointment_book(
                    patient=patient,
                    appointment_type=office,
                    provider=providers[slot.provider_id],
                    location=locations[slot.location_id],
                    starts_at=slot.starts_at,
                    reason="bench",
                ).id
            )
        except Exception:  # noqa: BLE001 - counted, reported
            refused += 1
        times.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return booked, refused, times, elapsed


def _booking(setup: dict, cfg: dict, seed: int) -> dict:
    """Bookings as the office runs them (the HL7 message and the patient's notice queued in
    the booking's transaction, delivered by the worker), and as many again with the feed off.

    Beside the rates: the CPU time of a booking (this process's: Python, Django and SQLite,
    not the waits for the disk), so the figure can be judged apart from the disk and from
    the other processes sharing the CPUs, and what the disk allows (raw commits per second,
    pages each booking's commit writes)."""
    office = setup["office"]
    count = cfg["bookings"]
    sample = 20  # bookings whose WAL pages are counted
    slots = _free_slots(office, cfg["horizon"], 2 * count + sample)
    providers = {p.id: p for p in setup["providers"]}
    locations = {loc.id: loc for loc in setup["locations"]}
    window = range(
        min(units(s.starts_at, s.ends_at).start for s in slots),
        max(units(s.starts_at, s.ends_at).stop for s in slots),
    )
    ids = _fresh_patients(setup["pool"].practice_id, len(slots), seed, window)
    patients = Patient.objects.in_bulk(ids)
    plan = [(slot, patients[i]) for slot, i in zip(slots, ids, strict=True)]
    commit_cpu: list[float] = []
    commits_before = _commit_rate(cfg["commits"], commit_cpu)
    cpu: list[float] = []
    load_before = os.getloadavg()[0]
    booked, refused, times, elapsed = _book_all(plan[:count], office, providers, locations, cpu)
    started = time.perf_counter()
    delivered = len(outbox_deliver().sent)  # what the worker's feed clock does
    feed_elapsed = time.perf_counter() - started
    with override_settings(MEDOFFICE_HL7_FEED={"transport": "off"}):
        alone, refused_alone, times_alone, elapsed_alone = _book_all(
            plan[count : 2 * count], office, providers, locations, cpu
        )
    load_after = os.getloadavg()[0]
    commits_after = _commit_rate(cfg["commits"], commit_cpu)
    pages, probe_pages = _pages_per_commit(plan[2 * count :], office, providers, locations)
    statements = _statements_per_booking(office, providers, locations, seed, horizon=cfg["horizon"])
    with override_settings(MEDOFFICE_HL7_FEED={"transport": "off"}):
        statements_alone = _statements_per_booking(
            office, providers, locations, seed + 1, horizon=cfg["horizon"]
        )
    _forget(booked + alone)  # keep the data set as it was
    per_s = len(booked) / elapsed
    commits = (commits_before + commits_after) / 2
    cpu_ms = cpu[0] * 1000 / max(len(booked), 1)
    return {
        "booking_statements": statements,
        "booking_statements_no_feed": statements_alone,
        "bookings": len(booked),
        "booking_refused": refused + refused_alone,
        "booking_per_s": round(per_s, 1),
        "booking_p50_ms": round(statistics.median(times), 2),
        "booking_p95_ms": round(_percentile(times, 0.95), 2),
        "booking_cpu_ms": round(cpu_ms, 3),
        "booking_cpu_bound_per_s": round(1000 / cpu_ms, 1) if cpu_ms else 0.0,
        "booking_no_feed_per_s": round(len(alone) / elapsed_alone, 1),
        "booking_no_feed_p50_ms": round(statistics.median(times_alone), 2),
        "booking_no_feed_cpu_ms": round(cpu[1] * 1000 / max(len(alone), 1), 3),
        "booking_load_avg": f"{load_before:.1f}-{load_after:.1f}",
        "booking_wal_pages": pages,
        "feed_delivered": delivered,
        "feed_delivered_per_s": round(delivered / feed_elapsed, 1) if feed_elapsed else 0.0,
        "commit_per_s": round(commits, 1),
        "commit_per_s_before_after": f"{commits_before:.0f}/{commits_after:.0f}",
        "commit_cpu_ms": round(statistics.mean(commit_cpu), 3),
        "commit_wal_pages": probe_pages,
        "booking_to_commit_ratio": round(per_s / commits, 3),
    }


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    cfg = _config(quick)
    rng = random.Random(seed)  # noqa: S311
    setup = _prepare(practice_id, seed, cfg)
    # As medoffice.wsgi does after start-up: what exists now (here also the benchmark's own
    # data) is never walked by the collector again while measuring.
    gc.collect()
    gc.freeze()
    try:
        return _measure(setup, cfg, rng, seed)
    finally:
        gc.unfreeze()


def _measure(setup: dict, cfg: dict, rng: random.Random, seed: int) -> dict:
    fill_days = [setup["today"] + timedelta(days=n) for n in range(cfg["fill_days"])]
    occupancy = _occupancy(setup["providers"][1:], setup["zone"], fill_days)
    figures: dict = {
        "providers": cfg["providers"],
        "horizon_days": cfg["horizon"],
        "booked_days": cfg["fill_days"],
        "setup_s": setup["setup_s"],
        "fill_inserted_visits": setup["inserted"],
        "appointments_total": Appointment.objects.count(),
        "holds_total": Hold.objects.count(),
        "occupancy_first_working_day": occupancy.get("first_working_day", ""),
        "occupancy_first_working_day_pct": occupancy.get("first_working_day_pct", 0.0),
        "occupancy_booked_window_pct": occupancy.get("window_pct", 0.0),
    }
    figures |= _finder(setup, cfg, rng)
    figures |= _booking(setup, cfg, seed)
    return figures
