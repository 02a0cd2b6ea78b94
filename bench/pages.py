"""Page latency: every staff page rendered through the whole Django stack, at N patients.

Each page is requested in-process through Django's test client (middleware,
session, permission check, audit write, template), as the front desk or the
privacy officer of the demo practice, for patients drawn from the generated
data. p50/p95 in milliseconds, and the number of SQL queries per page (which
must not grow with the data: no N+1).
"""

import random
import statistics
import time

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medoffice.core.models import StaffProfile
from medoffice.core.testing import force_login_verified
from medoffice.patients.models import Patient

TARGETS = {
    "patient_page_p50_ms": ("<=", 100),
    "insurance_tab_p50_ms": ("<=", 100),
    "search_htmx_p50_ms": ("<=", 100),
    "register_form_p50_ms": ("<=", 100),
    "audit_list_p50_ms": ("<=", 100),
    "home_p50_ms": ("<=", 100),
}


def _client(practice_id: int, role: str) -> Client:
    staff = (
        StaffProfile.objects.select_related("user")
        .filter(practice_id=practice_id, role=role)
        .first()
    )
    if staff is None:
        raise RuntimeError(f"the benchmark practice has no {role} user")
    client = Client(HTTP_HOST="localhost")
    force_login_verified(client, staff.user)
    return client


def _time(request, repeats: int) -> tuple[list[float], int]:
    times = []
    queries = 0
    for index in range(repeats):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = request(index)
        times.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
        if response.status_code >= 400:
            raise RuntimeError(f"page answered {response.status_code}")
    reset_queries()
    return times, queries


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    repeats = 40 if quick else 200
    rng = random.Random(seed)  # noqa: S311
    ids = list(
        Patient.objects.filter(practice_id=practice_id).order_by("id").values_list("id", flat=True)
    )
    sample = list(
        Patient.objects.filter(id__in=rng.sample(ids, min(repeats, len(ids)))).only(
            "public_id", "last_name", "first_name"
        )
    )
    desk = _client(practice_id, "front_desk")
    privacy = _client(practice_id, "privacy_officer")

    def pick(index):
        return sample[index % len(sample)]

    pages = {
        "home": lambda i: desk.get(reverse("core:home")),
        "patient_page": lambda i: desk.get(
            reverse("patients:patient-detail", args=[pick(i).public_id])
        ),
        "insurance_tab": lambda i: desk.get(
            reverse("patients:coverage-list", args=[pick(i).public_id]),
            headers={"HX-Request": "true"},
        ),
        "search_htmx": lambda i: desk.post(
            reverse("patients:patient-search"),
            {"q": pick(i).last_name[:3]},
            headers={"HX-Request": "true"},
        ),
        "register_form": lambda i: desk.get(reverse("patients:patient-register")),
        "audit_list": lambda i: privacy.get(reverse("core:audit-list")),
    }
    figures: dict = {"patients": size}
    for name, request in pages.items():
        _time(request, 3)  # warm caches and template loading
        times, queries = _time(request, repeats)
        times.sort()
        figures[f"{name}_p50_ms"] = round(statistics.median(times), 2)
        figures[f"{name}_p95_ms"] = round(times[int(0.95 * (len(times) - 1))], 2)
        figures[f"{name}_queries"] = queries
    return figures
