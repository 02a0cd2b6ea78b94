"""Claim scrubber: encounters checked per second, on generated signed encounters.

Setup (not measured; deterministic from the seed): a small ICD-10-CM, CPT and
HCPCS release of real codes (placeholder CPT descriptors) with sex and age edits,
the sample NCCI PTP and MUE tables, payer rules for one payer (prior
authorization codes, a 90-day filing limit), and 10,000 signed encounters (500
with --quick) of the practice's generated patients: 1-5 diagnoses and 1-3
service lines each, about one in ten a video visit (place of service 10, half of
them without modifier 95), a few per cent with a pregnancy code on a male
patient, a category code, a code deleted before the date of service, a PTP pair
or too many units, dates of service over the last 200 days. Everything made is
deleted afterwards, so the data set stays the same from run to run.

Measured:

- rules only: `scrub()` over the snapshots already built (pure Python, no
  database), encounters per second;
- from the database: what the coding queue does, in batches of 500: load the
  encounters with their diagnoses and lines, build the snapshots (code facts,
  NCCI pairs and limits, payer rules: a fixed number of queries per batch) and
  scrub them, encounters per second; also the queries per batch.
"""

import random
import time
from datetime import date, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medoffice.billing.models import (
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    NcciTable,
    PayerRules,
)
from medoffice.billing.ncci import ncci_load
from medoffice.billing.scrubber import scrub
from medoffice.billing.selectors import encounter_snapshots, encounters_for_lists
from medoffice.coding.models import CodeSetRelease, Icd10Code, ProcedureCode
from medoffice.core.models import Location, Provider
from medoffice.patients.models import Coverage, Patient

# It writes encounters (and deletes them): bench/run.py runs it after the read-only ones.
WRITES = True

TARGETS = {
    "rules_encounters_per_s": (">=", 10_000),
    "db_encounters_per_s": (">=", 1_000),
}

FIXTURES = Path(__file__).resolve().parents[1] / "src" / "medoffice" / "billing" / "fixtures"
BATCH = 500
VERSION = "bench-scrubber"
# (code, description, billable, sex, age_min, age_max): real ICD-10-CM codes.
ICD = [
    ("E119", "Type 2 diabetes mellitus without complications", True, "", None, None),
    ("I10", "Essential (primary) hypertension", True, "", None, None),
    ("E785", "Hyperlipidemia, unspecified", True, "", None, None),
    ("J069", "Acute upper respiratory infection, unspecified", True, "", None, None),
    ("M545", "Low back pain", False, "", None, None),
    ("M5450", "Low back pain, unspecified", True, "", None, None),
    ("R051", "Acute cough", True, "", None, None),
    ("Z0000", "Encounter for general adult medical examination without abnormal findings",
     True, "", 18, None),
    ("Z23", "Encounter for immunization", True, "", None, None),
    ("F419", "Anxiety disorder, unspecified", True, "", None, None),
    ("K219", "Gastro-esophageal reflux disease without esophagitis", True, "", None, None),
    ("N390", "Urinary tract infection, site not specified", True, "", None, None),
    ("E039", "Hypothyroidism, unspecified", True, "", None, None),
    ("J45909", "Unspecified asthma, uncomplicated", True, "", None, None),
    ("O80", "Encounter for full-term uncomplicated delivery", True, "F", 12, 55),
    ("N400", "Benign prostatic hyperplasia without lower urinary tract symptoms", True, "M",
     None, None),
    ("E11", "Type 2 diabetes mellitus", False, "", None, None),
]  # fmt: skip
COMMON = [row[0] for row in ICD if row[2] and not row[3] and row[0] != "Z0000"]
DELETED = "Z9999"  # only in the older bench release: deleted before every date of service
CPT = ["99202", "99203", "99212", "99213", "99214", "99215", "93000", "93005", "36415",
       "20610", "97110", "90471", "81002", "87880"]  # fmt: skip
HCPCS = ["J3420", "G2012"]


def _releases() -> dict:
    today = timezone.localdate()
    old = CodeSetRelease.objects.create(
        system="icd10cm", version=f"{VERSION}-old", effective_from=date(2000, 1, 1),
        effective_until=today - timedelta(days=400),
    )  # fmt: skip
    icd = CodeSetRelease.objects.create(
        system="icd10cm", version=VERSION, effective_from=today - timedelta(days=399)
    )
    Icd10Code.objects.bulk_create(
        Icd10Code(release=release, code=code, description=text, billable=billable, sex=sex,
                  age_min=low, age_max=high)
        for release in (old, icd)
        for code, text, billable, sex, low, high in ICD
    )  # fmt: skip
    Icd10Code.objects.create(release=old, code=DELETED, description="Deleted", billable=True)
    cpt = CodeSetRelease.objects.create(
        system="cpt", version=VERSION, effective_from=today - timedelta(days=399)
    )
    hcpcs = CodeSetRelease.objects.create(
        system="hcpcs", version=VERSION, effective_from=today - timedelta(days=399)
    )
    ProcedureCode.objects.bulk_create(
        [ProcedureCode(release=cpt, code=c, description=f"Placeholder {c}") for c in CPT]
        + [ProcedureCode(release=hcpcs, code=c, description=f"Placeholder {c}") for c in HCPCS]
    )
    return {"releases": [old, icd, cpt, hcpcs]}


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


def _diagnoses(rng: random.Random, sex: str) -> list[str]:
    codes = rng.sample(COMMON, rng.randint(1, 5))
    roll = rng.random()
    if roll < 0.03:
        codes[0] = "O80" if sex == "M" else "N400"  # the other sex's code
    elif roll < 0.05:
        codes[-1] = "E11"  # a category
    elif roll < 0.06:
        codes[-1] = DELETED
    return list(dict.fromkeys(codes))


def _lines(rng: random.Random, telehealth: bool) -> list[tuple[str, tuple, int]]:
    visit = rng.choice(["99212", "99213", "99213", "99214", "99214", "99215"])
    modifiers = ("95",) if telehealth and rng.random() < 0.5 else ()
    lines = [(visit, modifiers, 1)]
    if not telehealth:
        for code in rng.sample(["36415", "93000", "81002", "87880", "90471", "J3420"],
                               rng.randint(0, 2)):  # fmt: skip
            lines.append((code, (), 2 if rng.random() < 0.03 else 1))
        if rng.random() < 0.02:
            lines.append(("93005", (), 1))  # with 93000 when drawn: a PTP pair
    return lines


def _encounters(practice_id: int, count: int, rng: random.Random, signer) -> list[int]:
    patients = list(
        Patient.objects.filter(practice_id=practice_id).order_by("id")
        .values_list("id", "sex_at_birth")[:5000]
    )  # fmt: skip
    coverage = dict(
        Coverage.objects.filter(patient_id__in=[p for p, _ in patients], order=1,
                                status="active").values_list("patient_id", "id")
    )  # fmt: skip
    providers = list(Provider.objects.filter(practice_id=practice_id).values_list("id", flat=True))
    locations = list(Location.objects.filter(practice_id=practice_id).values_list("id", flat=True))
    today = timezone.localdate()
    now = timezone.now()
    plans = []
    for _ in range(count):
        patient_id, sex = rng.choice(patients)
        telehealth = rng.random() < 0.1
        plans.append(
            (
                Encounter(
                    practice_id=practice_id,
                    patient_id=patient_id,
                    provider_id=rng.choice(providers),
                    location_id=rng.choice(locations),
                    date_of_service=today - timedelta(days=rng.randint(0, 200)),
                    place_of_service="10" if telehealth else "11",
                    coverage_id=coverage.get(patient_id),
                    status="signed",
                    signed_at=now,
                    signed_by=signer,
                ),  # fmt: skip
                _diagnoses(rng, sex),
                _lines(rng, telehealth),
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
            for number, (code, modifiers, units) in enumerate(services, 1):
                line = EncounterLine(encounter=encounter, number=number, code=code, units=units)
                line.set_modifiers(modifiers)
                line.set_pointers(range(1, min(len(codes), 4) + 1))
                lines.append(line)
        EncounterDiagnosis.objects.bulk_create(diagnoses, batch_size=2000)
        EncounterLine.objects.bulk_create(lines, batch_size=2000)
    return [e.pk for e in made]


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    rng = random.Random(seed)  # noqa: S311
    count = 500 if quick else 10_000
    started = time.perf_counter()
    made = _releases()
    tables = _ncci()
    payer_id = (
        Coverage.objects.filter(patient__practice_id=practice_id).values_list("payer_id", flat=True)
        .first()
    )  # fmt: skip
    rules = None
    if payer_id and not PayerRules.objects.filter(payer_id=payer_id).exists():
        rules = PayerRules.objects.create(
            payer_id=payer_id, prior_auth_codes="20610 97110", timely_filing_days=90
        )
    ids = _encounters(practice_id, count, rng, signer=None)
    setup_s = time.perf_counter() - started
    try:
        snapshots = []
        queries = []
        started = time.perf_counter()
        for start in range(0, len(ids), BATCH):
            with CaptureQueriesContext(connection) as captured:
                encounters = list(encounters_for_lists().filter(pk__in=ids[start : start + BATCH]))
                built = encounter_snapshots(encounters)
                for encounter in encounters:
                    scrub(built[encounter.id])
            queries.append(len(captured.captured_queries))
            snapshots += built.values()
        db_s = time.perf_counter() - started

        started = time.perf_counter()
        results = [scrub(s) for s in snapshots]
        rules_s = time.perf_counter() - started
    finally:
        with transaction.atomic():
            EncounterLine.objects.filter(encounter_id__in=ids).delete()
            EncounterDiagnosis.objects.filter(encounter_id__in=ids).delete()
            Encounter.objects.filter(pk__in=ids).delete()
            for release in made["releases"]:
                release.delete()
            for table in tables:
                table.delete()
            if rules is not None:
                rules.delete()
    by_rule: dict[str, int] = {}
    for result in results:
        for issue in result.issues:
            by_rule[issue.rule] = by_rule.get(issue.rule, 0) + 1
    top = sorted(by_rule.items(), key=lambda kv: -kv[1])[:5]
    return {
        "encounters": len(snapshots),
        "setup_s": round(setup_s, 1),
        "rules_encounters_per_s": round(len(results) / rules_s),
        "db_encounters_per_s": round(len(snapshots) / db_s),
        "queries_per_batch_of_500": max(queries),
        "clean_pct": round(100 * sum(r.is_clean for r in results) / len(results), 1),
        "claimable_pct": round(100 * sum(r.can_claim for r in results) / len(results), 1),
        "issues_top5": ", ".join(f"{rule} {n}" for rule, n in top),
    }
