"""Chart summary: the patient's Chart tab and the API summary for a heavy chart.

Setup (not measured; deterministic from the seed): one generated patient of the practice
gets a chart the size the issue names, 500 encounters (signed, over 12 years), 2,000 lab
results (a tenth abnormal, 50 unreviewed), 500 visit notes with 100 addenda, 300 vitals,
40 problems, 30 medications, 20 immunizations and family history; and 300 documents
through every registered chart panel that can make rows (records' documents panel, once
that app is installed). Everything made is deleted afterwards.

Measured, through the whole Django stack (middleware, session, permission, audit row,
template) as a clinician: the Chart tab of that patient, the same for an ordinary
generated patient, and GET /api/patients/<id>/chart/. p50/p95 in ms and the number of SQL
queries per page (which must not grow with the chart).
"""

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from medoffice.billing.models import Encounter
from medoffice.clinical.models import (
    Addendum,
    History,
    Immunization,
    Medication,
    Note,
    Problem,
    Result,
    Vital,
)
from medoffice.clinical.panels import registered_panels
from medoffice.core.models import StaffProfile
from medoffice.core.testing import force_login_verified
from medoffice.patients.models import Patient

WRITES = True

TARGETS = {
    "big_chart_p50_ms": ("<=", 100),
    "big_chart_api_p50_ms": ("<=", 100),
    "small_chart_p50_ms": ("<=", 100),
}

ENCOUNTERS, RESULTS, NOTES, DOCUMENTS = 500, 2000, 500, 300
LABS = (
    ("4548-4", "Hemoglobin A1c", "%", "4.0-5.6", 4.5, 9.5),
    ("2345-7", "Glucose", "mg/dL", "70-99", 70, 220),
    ("2160-0", "Creatinine", "mg/dL", "0.6-1.3", 0.5, 2.0),
    ("2823-3", "Potassium", "mmol/L", "3.5-5.1", 3.2, 5.6),
    ("718-7", "Hemoglobin", "g/dL", "13.5-17.5", 10.0, 18.0),
    ("2093-3", "Cholesterol", "mg/dL", "0-199", 120, 290),
)


def _fill(patient, provider, location, user, rng) -> dict:
    today = timezone.localdate()
    now = timezone.now()
    encounters = Encounter.objects.bulk_create(
        [
            Encounter(
                practice_id=patient.practice_id,
                patient=patient,
                provider=provider,
                location=location,
                date_of_service=today - timedelta(days=9 * i + 1),
                place_of_service="11",
                status="signed",
                signed_at=now - timedelta(days=9 * i),
            )  # fmt: skip
            for i in range(ENCOUNTERS)
        ],
        batch_size=500,
    )
    results = []
    for i in range(RESULTS):
        loinc, name, unit, ref, low, high = LABS[i % len(LABS)]
        value = round(rng.uniform(low, high), 1)
        results.append(Result(
            patient=patient, loinc=loinc, name=name, value=str(value), unit=unit,
            reference_range=ref, flag="H" if i % 10 == 0 else "N", ordering_provider=provider,
            resulted_at=now - timedelta(hours=53 * i + 2),
            reviewed_by=None if i < 50 else user,
            reviewed_at=None if i < 50 else now - timedelta(hours=53 * i),
        ))  # fmt: skip
    Result.objects.bulk_create(results, batch_size=1000)
    notes = Note.objects.bulk_create(
        [
            Note(
                patient=patient,
                provider=provider,
                encounter=encounter,
                author=user,
                visit_date=encounter.date_of_service,
                status="signed",
                signed_by=user,
                signed_at=encounter.signed_at,
                subjective="Follow-up. " * 40,
                objective="Vitals reviewed. " * 30,
                assessment="Stable. " * 20,
                plan="Continue. " * 20,
                content_sha256="0" * 64,
            )  # fmt: skip
            for encounter in encounters[:NOTES]
        ],
        batch_size=500,
    )
    Addendum.objects.bulk_create(
        [Addendum(note=n, text="Result reviewed.", author=user, signed_at=now) for n in notes[:100]]
    )
    Vital.objects.bulk_create(
        [
            Vital(patient=patient, loinc=code, name=name, unit=unit,
                  value=Decimal(rng.randint(low, high)), taken_at=now - timedelta(days=9 * i))
            for i in range(100)
            for code, name, unit, low, high in (
                ("8480-6", "Systolic blood pressure", "mm[Hg]", 110, 150),
                ("8462-4", "Diastolic blood pressure", "mm[Hg]", 65, 95),
                ("8867-4", "Heart rate", "/min", 55, 95),
            )
        ]
    )  # fmt: skip
    Problem.objects.bulk_create(
        [Problem(patient=patient, code=f"E{11 + i % 3}9", description=f"Problem {i}",
                 status="active" if i < 15 else "resolved") for i in range(40)]
    )  # fmt: skip
    Medication.objects.bulk_create(
        [Medication(patient=patient, name=f"Medication {i}", dose="10 mg", route="PO",
                    frequency="daily", start_date=today - timedelta(days=100 * i),
                    stop_date=None if i < 8 else today - timedelta(days=50 * i),
                    prescriber=provider) for i in range(30)]
    )  # fmt: skip
    Immunization.objects.bulk_create(
        [Immunization(patient=patient, cvx="141", vaccine="Influenza, seasonal",
                      given_on=date(2005 + i, 10, 1)) for i in range(20)]
    )  # fmt: skip
    History.objects.get_or_create(patient=patient, defaults={"family": "Father: diabetes."})
    documents = {
        panel.key: panel.make_rows(patient, DOCUMENTS)
        for panel in registered_panels()
        if panel.make_rows is not None
    }
    return {"encounters": [e.pk for e in encounters], "documents": documents}


def _drop(patient, made) -> None:
    with transaction.atomic():
        for panel in registered_panels():
            if panel.key in made["documents"] and panel.drop_rows is not None:
                panel.drop_rows(made["documents"][panel.key])
        Addendum.objects.filter(note__patient=patient).delete()
        Note.objects.filter(patient=patient).delete()
        for model in (Result, Vital, Problem, Medication, Immunization, History):
            model.objects.filter(patient=patient).delete()
        Encounter.objects.filter(pk__in=made["encounters"]).delete()


def _time(request, repeats: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds per request (CPU time of this process, which runs the
    whole stack and SQLite in-process: on a shared, loaded machine the wall clock mostly
    measures waiting for a core), and the most queries seen."""
    times, cpu, queries = [], [], 0
    for index in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            response = request(index)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        queries = max(queries, len(captured))
        if response.status_code != 200:
            raise RuntimeError(f"chart answered {response.status_code}")
    reset_queries()
    return times, cpu, queries


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    repeats = 30 if quick else 200
    rng = random.Random(seed)  # noqa: S311
    staff = (
        StaffProfile.objects.select_related("user")
        .filter(practice_id=practice_id, role="clinician")
        .first()
    )
    if staff is None:
        raise RuntimeError("the benchmark practice has no clinician user")
    ids = list(
        Patient.objects.filter(practice_id=practice_id).order_by("id").values_list("id", flat=True)
    )
    big, small = Patient.objects.filter(id__in=rng.sample(ids, 2)).order_by("id")
    provider = big.practice.providers.first()
    location = big.practice.locations.first()
    made = _fill(big, provider, location, staff.user, rng)
    if connection.vendor == "postgresql":
        # What autovacuum would do soon after this bulk load, done now so that it does not
        # run (and take a core) in the middle of the measured requests.
        tables = {m._meta.db_table for m in (Encounter, Result, Note, Addendum, Vital, Problem,
                                             Medication, Immunization, History)}  # fmt: skip
        tables |= {"records_document"} & set(connection.introspection.table_names())
        with connection.cursor() as cursor:
            for table in sorted(tables):
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    try:
        client = Client(HTTP_HOST="localhost")
        force_login_verified(client, staff.user)
        pages = {
            "big_chart": lambda i: client.get(reverse("clinical:chart", args=[big.public_id])),
            "big_chart_api": lambda i: client.get(
                reverse("api:chart-summary", args=[big.public_id])
            ),
            "small_chart": lambda i: client.get(reverse("clinical:chart", args=[small.public_id])),
        }
        figures: dict = {
            "chart_encounters": Encounter.objects.filter(patient=big).count(),
            "chart_results": Result.objects.filter(patient=big).count(),
            "chart_notes": Note.objects.filter(patient=big).count(),
            "chart_documents": sum(len(rows) for rows in made["documents"].values()),
        }
        for name, request in pages.items():
            _time(request, 3)  # warm the caches and the connection
            times, cpu, queries = _time(request, repeats)
            figures[f"{name}_p50_ms"] = round(statistics.median(times), 2)
            figures[f"{name}_p95_ms"] = round(statistics.quantiles(times, n=20)[18], 2)
            figures[f"{name}_cpu_p50_ms"] = round(statistics.median(cpu), 2)
            figures[f"{name}_queries"] = queries
    finally:
        _drop(big, made)
    return figures
