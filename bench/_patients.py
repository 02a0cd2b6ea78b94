"""Helpers shared by the patient benchmarks (search, fhir_search); run.py skips "_" modules."""

import random

from medoffice.patients.models import Patient


def sample_patients(practice_id: int, rng: random.Random, count: int) -> list[Patient]:
    """About `count` patients of the practice drawn at random by id (ids may have gaps)."""
    ids = (
        Patient.objects.filter(practice_id=practice_id).order_by("id").values_list("id", flat=True)
    )
    low, high = ids.first(), ids.last()
    wanted = sorted({rng.randint(low, high) for _ in range(count * 2)})
    found = {p.id: p for p in Patient.objects.filter(id__in=wanted, practice_id=practice_id)}
    chosen = [found[i] for i in wanted if i in found]
    rng.shuffle(chosen)
    return chosen[:count]
