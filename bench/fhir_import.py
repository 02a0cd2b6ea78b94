"""FHIR Bundle import rate: Synthea-style transaction Bundles imported into the practice.

Set-up (not timed): imports/synthetic.py makes one transaction Bundle per patient, shaped
like Synthea's output (4 visits each with vital signs, a blood pressure panel, a Claim and
an ExplanationOfBenefit; conditions, medication requests, an allergy, immunizations, labs,
a social-history observation, a procedure and a care plan: 56 entries). The Bundles are
written once to bench/.cache (keyed by count and seed) and read from there on later runs;
the payers they name are created in the benchmark's transaction.

Timed: `fhir_import` of every Bundle (read and validate each resource with the R4B models,
match the patient for duplicates, create the rows with their audit events, remember each
source record), then the same Bundles again (the idempotent path: everything "unchanged").
Figures are entries (resources) per second, CPU seconds of this process (the machine is
shared) and wall seconds. Everything is rolled back at the end: the data set stays as it was.

Sizes: 200 patients (11,200 resources); --quick 20 patients (1,120 resources).
"""

import json
import time
from pathlib import Path

from django.db import transaction

from medoffice.core.models import Practice
from medoffice.imports.fhir import fhir_import
from medoffice.imports.models import ImportStatus
from medoffice.imports.synthetic import PAYERS, bundles
from medoffice.patients.models import Payer

WRITES = True
TARGETS = {"resources_per_s": (">=", 200)}
CACHE = Path(__file__).resolve().parent / ".cache"
VISITS = 4


class _RollBack(Exception):
    pass


def _files(count: int, seed: int) -> list[bytes]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"fhir-bundles-{count}-seed{seed}-v{VISITS}.json"
    if not path.exists():
        made = bundles(seed=seed, patients=count, encounters=VISITS)
        path.write_text(json.dumps(made))
    return [json.dumps(bundle).encode() for bundle in json.loads(path.read_text())]


def _timed(files: list[bytes], practice: Practice) -> tuple[float, float, list]:
    wall, cpu = time.perf_counter(), time.process_time()
    runs = [
        fhir_import(data, practice=practice, name=f"bench-{i}.json", source="bench-synthea")
        for i, data in enumerate(files)
    ]
    return time.process_time() - cpu, time.perf_counter() - wall, runs


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    count = 20 if quick else 200
    files = _files(count, seed)
    resources = sum(len(json.loads(data)["entry"]) for data in files)
    practice = Practice.objects.get(pk=practice_id)
    figures: dict = {}
    try:
        with transaction.atomic():
            for i, name in enumerate(PAYERS):
                if not Payer.objects.filter(name__iexact=name).exists():
                    Payer.objects.create(name=name, payer_id=f"BENCH{i}")
            cpu_s, wall_s, runs = _timed(files, practice)
            rejected = [r for r in runs if r.status == ImportStatus.REJECTED]
            if rejected:
                raise SystemExit(f"bench/fhir_import.py: {rejected[0].reason}")
            again_cpu, again_wall, again = _timed(files, practice)
            figures = {
                "patients": count,
                "resources": resources,
                "created": sum(r.created for r in runs),
                "linked": sum(r.linked for r in runs),
                "skipped": sum(r.skipped for r in runs),
                "import_cpu_s": round(cpu_s, 2),
                "import_wall_s": round(wall_s, 2),
                "resources_per_s": round(resources / max(wall_s, 1e-9)),
                "resources_per_cpu_s": round(resources / max(cpu_s, 1e-9)),
                "ms_per_resource_cpu": round(cpu_s * 1000 / resources, 2),
                "reimport_resources_per_s": round(resources / max(again_wall, 1e-9)),
                "reimport_resources_per_cpu_s": round(resources / max(again_cpu, 1e-9)),
                "reimport_created": sum(r.created for r in again),
            }
            raise _RollBack
    except _RollBack:
        pass
    return figures
