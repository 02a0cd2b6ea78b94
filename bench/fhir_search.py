"""FHIR Patient search latency: whole requests to /fhir/Patient (token check, search,
mapping to US Core Patient resources, the Bundle with its count and links, the audit
row), through Django's WSGI handler in process, against the generated practice.

Queries are drawn (seeded) from the generated patients, as a FHIR client would send
them: family=<3-4 letters>; family + given; family + birthdate; identifier=<MRN>;
phone=<number>. Each kind runs a warm-up, then timed requests; p50/p95 wall-clock and
CPU milliseconds per request (the CPU figure is the one to compare on a loaded machine).
"""

import os
import random
import statistics
import time
from urllib.parse import urlencode

from _patients import sample_patients  # bench/ is on sys.path under bench/run.py
from django.test import Client

from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import Practice, StaffProfile
from medoffice.core.services import staff_user_create
from medoffice.patients.names import normalize

TARGETS = {"patient_search_p50_ms": ("<=", 30)}
WARM_UP = 20
BUDGET_S = 60  # per kind; 15 in --quick


def _token(practice_id: int) -> str:
    staff = StaffProfile.objects.filter(practice_id=practice_id, role="front_desk").first()
    user = staff.user if staff else staff_user_create(
        username=f"fhir-bench-{practice_id}", password=None, role="front_desk",
        practice=Practice.objects.get(pk=practice_id),
    )  # fmt: skip
    return api_token_issue(user=user, name="fhir bench")


QUERIES = {
    "family": lambda rng, p: {"family": normalize(p.last_name)[: rng.choice((3, 4))]},
    "family_given": lambda rng, p: {"family": p.last_name, "given": p.first_name[:2]},
    "family_birthdate": lambda rng, p: {"family": p.last_name, "birthdate": p.dob.isoformat()},
    "identifier": lambda rng, p: {"identifier": p.mrn},
    "phone": lambda rng, p: {"phone": p.mobile_phone or p.home_phone or p.work_phone},
}
# Not in the goal's p50: a given name alone (common: thousands of matches), and a given
# name or name mistyped so that it matches almost no one (the page must not walk the
# practice looking for matches).
OTHER_QUERIES = {
    "given": lambda rng, p: {"given": p.first_name},
    "given_typo": lambda rng, p: {"given": f"{p.first_name}q"},
    "name_typo": lambda rng, p: {"name": f"{p.last_name}q"},
}
LOOKS_FOR_PATIENT = {"family_given", "family_birthdate", "identifier", "phone"}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    per_kind = 100 if quick else 300
    rng = random.Random(seed)  # noqa: S311
    patients = sample_patients(
        practice_id, rng, (per_kind + WARM_UP) * (len(QUERIES) + len(OTHER_QUERIES))
    )
    client = Client(HTTP_HOST="localhost")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(practice_id)}"}
    figures: dict = {"patients": size, "requests_per_kind": per_kind, "count": 20}
    all_wall: list[float] = []
    kinds = QUERIES | OTHER_QUERIES
    for index, (name, build) in enumerate(kinds.items()):
        chunk = [p for p in patients[index :: len(kinds)] if name != "phone" or p.phones]
        for p in chunk[:WARM_UP]:
            client.get(f"/fhir/Patient?{urlencode(build(rng, p))}", **headers)
        wall, cpu, found = [], [], 0
        deadline = time.perf_counter() + (15 if quick else BUDGET_S)
        for p in chunk[WARM_UP : WARM_UP + per_kind]:
            if time.perf_counter() > deadline:
                break
            url = f"/fhir/Patient?{urlencode(build(rng, p) | {'_count': 20})}"
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, **headers)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
            found += str(p.public_id) in response.content.decode()
        if name in QUERIES:
            all_wall += wall
        figures[f"{name}_measured"] = len(wall)
        figures[f"{name}_p50_ms"] = round(statistics.median(wall), 2)
        figures[f"{name}_p95_ms"] = round(_percentile(wall, 0.95), 2)
        figures[f"{name}_cpu_p50_ms"] = round(statistics.median(cpu), 2)
        if name in LOOKS_FOR_PATIENT:  # the others find hundreds, or no one
            figures[f"{name}_found_pct"] = round(100 * found / len(wall), 1)
    figures["patient_search_p50_ms"] = round(statistics.median(all_wall), 2)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return figures
