"""Patient search latency through `patient_search`, the function the UI and the API call.

Queries are drawn deterministically (seeded) from the generated patients:

- name prefix: "smi", "garc, ma", "john smi" (what a clerk types first);
- fuzzy name + DOB: the name with a nickname and/or a typing slip, names in
  either order, the date as 1980-01-02 or 1/2/1980 ("bob jonhson 1980-01-02");
- fuzzy name alone (no date): the same slips without the date of birth;
- MRN: the eight-character MRN;
- phone: the mobile or home number typed as (217) 234-5678, 217-234-5678 ...

Each kind runs a warm-up, then several hundred timed queries (stopping early
if a kind exceeds its time budget, so a slow plan cannot stall the run: the
number measured is reported); p50/p95 in milliseconds. Recall is the share
of queries whose intended patient is among the results (top1: ranked first).
"""

import random
import statistics
import time

from _patients import sample_patients  # bench/ is on sys.path under bench/run.py

from medoffice.patients import search
from medoffice.patients.models import Patient
from medoffice.patients.names import nicknames_of, normalize
from medoffice.patients.synthetic import misspell

TARGETS = {
    "name_prefix_p50_ms": ("<=", 5),
    "fuzzy_dob_p50_ms": ("<=", 25),
    "mrn_p50_ms": ("<=", 2),
    "phone_p50_ms": ("<=", 2),
}
WARM_UP = 30
BUDGET_S = 90  # per kind; 20 in --quick


def _prefix_query(rng: random.Random, p: Patient) -> str:
    last, first = normalize(p.last_name), normalize(p.first_name)
    kind = rng.random()
    if kind < 0.4:
        return last[:3]
    if kind < 0.75:
        return f"{last[:4]}, {first[:2]}"
    return f"{p.first_name.lower()} {last[:3]}"


def _fuzzy_name(rng: random.Random, p: Patient) -> str:
    first, last = p.first_name, p.last_name
    nicks = nicknames_of(first)
    roll = rng.random()
    if nicks and roll < 0.4:
        first = rng.choice(nicks)
        if rng.random() < 0.5:
            last = misspell(rng, last)
    elif roll < 0.8:
        last = misspell(rng, last)
    else:
        first = misspell(rng, first)
    text = f"{last}, {first}" if rng.random() < 0.3 else f"{first} {last}"
    return text.lower() if rng.random() < 0.7 else text


def _fuzzy_dob_query(rng: random.Random, p: Patient) -> str:
    dob = p.dob.isoformat() if rng.random() < 0.5 else f"{p.dob.month}/{p.dob.day}/{p.dob.year}"
    return f"{_fuzzy_name(rng, p)} {dob}"


def _mrn_query(rng: random.Random, p: Patient) -> str:
    return p.mrn


def _phone_query(rng: random.Random, p: Patient) -> str:
    phone = p.mobile_phone or p.home_phone or p.work_phone
    area, exchange, line = phone[2:5], phone[5:8], phone[8:]
    return rng.choice(
        (
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"{area}{exchange}{line}",
            f"+1 {area} {exchange} {line}",
            f"{area}.{exchange}.{line}",
        )
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _measure(practice_id: int, queries: list[tuple[str, Patient]], warm_up: list[str], budget):
    for text in warm_up:
        search.patient_search(practice_id=practice_id, query=text)
    times, hits, top1, modes = [], 0, 0, set()
    deadline = time.perf_counter() + budget
    for text, patient in queries:
        if time.perf_counter() > deadline:
            break
        started = time.perf_counter()
        outcome = search.patient_search(practice_id=practice_id, query=text)
        times.append((time.perf_counter() - started) * 1000)
        ids = [r.id for r in outcome.results]
        modes.add(outcome.mode)
        hits += patient.id in ids
        top1 += bool(ids) and ids[0] == patient.id
    return times, hits, top1, modes


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    per_kind = 200 if quick else 500
    rng = random.Random(seed)  # noqa: S311
    patients = sample_patients(practice_id, rng, per_kind * 5 + WARM_UP * 5)
    figures: dict = {"patients": size, "queries_per_kind": per_kind}
    kinds = (
        ("name_prefix", _prefix_query, False),
        ("fuzzy_dob", _fuzzy_dob_query, True),
        ("fuzzy_name", _fuzzy_name, True),
        ("mrn", _mrn_query, True),
        ("phone", _phone_query, True),
    )
    for index, (name, build, report_recall) in enumerate(kinds):
        chunk = patients[index::5]
        if name == "phone":
            chunk = [p for p in chunk if p.phones]  # a few patients gave no number
        warm = [build(rng, p) for p in chunk[:WARM_UP]]
        queries = [(build(rng, p), p) for p in chunk[WARM_UP : WARM_UP + per_kind]]
        times, hits, top1, modes = _measure(
            practice_id, queries, warm, budget=20 if quick else BUDGET_S
        )
        if len(times) < len(queries):
            figures[f"{name}_measured"] = len(times)
        figures[f"{name}_p50_ms"] = round(statistics.median(times), 2)
        figures[f"{name}_p95_ms"] = round(_percentile(times, 0.95), 2)
        figures[f"{name}_max_ms"] = round(max(times), 2)
        if report_recall:
            figures[f"{name}_recall_pct"] = round(100 * hits / len(times), 1)
            figures[f"{name}_top1_pct"] = round(100 * top1 / len(times), 1)
        figures[f"{name}_modes"] = ",".join(sorted(modes))
    return figures
