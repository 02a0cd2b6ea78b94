"""The front desk's day board (/schedule/, scheduling.views.day_board) for a full day.

Setup (not measured; made once and kept in the cached database): 50 of the scheduling
benchmark's providers (10 in --quick) also work Saturdays at the first location, in
blocks offering only a 15-minute "Board check", and on one Saturday (BOARD_DAY) each has
30 visits, 8:00 to 15:30, written like bench/scheduling.py's fill (appointments and their
provider and patient holds bulk-inserted). The visits before 11:00 are fulfilled, the
11:00 ones arrived, the rest booked, as the board looks in the middle of the day. No
other benchmark looks at Saturdays or at that type, so nothing else changes.

Measured through the whole Django stack (test client, as the front desk: middleware,
session, permission check, audit write, template): the full page and the htmx refresh
the page asks for every 30 seconds; p50/p95 ms and SQL queries per request.
"""

import importlib.util
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medoffice.core.models import StaffProfile
from medoffice.core.testing import force_login_verified
from medoffice.scheduling.models import Appointment, AppointmentType, Hold, TemplateBlock
from medoffice.scheduling.slots import units

# It writes its visits once: bench/run.py runs it after the read-only benchmarks.
WRITES = True

BOARD_DAY = date(2027, 1, 16)  # a Saturday
VISITS = 30
VISIT_MINUTES = 15
FIRST_VISIT = clock(8, 0)


def _config(quick: bool) -> dict:
    return {"providers": 10 if quick else 50, "requests": 8 if quick else 30}


def _scheduling():
    """bench/scheduling.py: its providers (made idempotently) and patient pool."""
    module = sys.modules.get("bench_scheduling")
    if module is None:
        path = Path(__file__).with_name("scheduling.py")
        spec = importlib.util.spec_from_file_location("bench_scheduling", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["bench_scheduling"] = module
    return module


def _status(start: datetime) -> str:
    if start.time() < clock(11, 0):
        return "fulfilled"
    return "arrived" if start.time() < clock(11, 15) else "booked"


def _prepare(practice_id: int, seed: int, count: int) -> dict:
    scheduling = _scheduling()
    locations = scheduling.Location.objects.filter(practice_id=practice_id).order_by("id")
    location = locations.first()
    zone = scheduling.ZoneInfo(location.time_zone)
    providers = scheduling._providers(practice_id, count + 1, list(locations))[1:]  # not "far"
    board_type, _ = AppointmentType.objects.get_or_create(
        practice_id=practice_id,
        name="Board check",
        defaults={"duration_minutes": VISIT_MINUTES, "max_days_ahead": 400},
    )
    starts = [
        datetime.combine(BOARD_DAY, FIRST_VISIT, tzinfo=zone) + timedelta(minutes=15 * n)
        for n in range(VISITS)
    ]
    visits = Appointment.objects.filter(
        location=location, appointment_type=board_type, starts_at__gte=starts[0],
        starts_at__lt=starts[0] + timedelta(days=1),
    )  # fmt: skip
    if visits.count() == count * VISITS:
        return {"location": location, "made_s": None}
    started = time.perf_counter()
    pool = scheduling._PatientPool(practice_id, random.Random(seed + 23))  # noqa: S311
    rng = random.Random(seed + 29)  # noqa: S311
    with transaction.atomic():
        visits.delete()
        have = set(
            TemplateBlock.objects.filter(location=location, weekday=5).values_list(
                "provider_id", flat=True
            )
        )
        for provider in providers:
            if provider.id not in have:
                block = TemplateBlock.objects.create(
                    provider=provider, location=location, weekday=5, start_time=clock(8, 0),
                    end_time=clock(16, 0), slot_minutes=VISIT_MINUTES,
                )  # fmt: skip
                block.appointment_types.set([board_type])
        made = [
            (
                Appointment(
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    patient_id=pool.take(),
                    appointment_type=board_type,
                    provider=provider,
                    location=location,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=VISIT_MINUTES),
                    status=_status(start),
                    reason="bench board",
                ),
                units(start, start + timedelta(minutes=VISIT_MINUTES)),
            )
            for provider in providers
            for start in starts
        ]
        Appointment.objects.bulk_create([a for a, _ in made], batch_size=2000)
        Hold.objects.bulk_create(
            (
                Hold(appointment_id=a.id, kind=kind, resource_id=resource_id, unit=unit)
                for a, span in made
                for kind, resource_id in (("P", a.provider_id), ("T", a.patient_id))
                for unit in span
            ),
            batch_size=5000,
        )
    _scheduling()._analyze()
    return {"location": location, "made_s": round(time.perf_counter() - started, 1)}


def _desk(practice_id: int) -> Client:
    staff = (
        StaffProfile.objects.select_related("user")
        .filter(practice_id=practice_id, role="front_desk")
        .order_by("id")
        .first()
    )
    client = Client(HTTP_HOST="localhost")
    force_login_verified(client, staff.user)
    return client


def _time(request, repeats: int) -> tuple[list[float], int, int]:
    for _ in range(3):
        request()  # templates compiled, set-up read
    times, queries, size = [], 0, 0
    for _ in range(repeats):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = request()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the board answered {response.status_code}")
        queries, size = max(queries, len(captured)), len(response.content)
    return times, queries, size


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    cfg = _config(quick)
    made = _prepare(practice_id, seed, cfg["providers"])
    location = made["location"]
    desk = _desk(practice_id)
    url = reverse("scheduling:day-board")
    query = {"location": str(location.public_id), "day": BOARD_DAY.isoformat()}
    figures: dict = {
        "board_providers": cfg["providers"],
        "board_visits": cfg["providers"] * VISITS,
        "board_setup_s": made["made_s"],
    }
    pages = {
        "board_page": lambda: desk.get(url, query),
        "board_htmx": lambda: desk.get(url, query, headers={"HX-Request": "true"}),
    }
    for name, request in pages.items():
        times, queries, size_bytes = _time(request, cfg["requests"])
        figures[f"{name}_p50_ms"] = round(statistics.median(times), 1)
        figures[f"{name}_p95_ms"] = round(_percentile(times, 0.95), 1)
        figures[f"{name}_queries"] = queries
        figures[f"{name}_kb"] = round(size_bytes / 1024)
    return figures
