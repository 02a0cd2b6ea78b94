"""Code-set fixtures: the real ICD-10-CM records (parsed once per worker), an index over
them (no database), and small releases in the database for the services and the API."""

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from medoffice.coding import loaders, services
from medoffice.coding.search import CodeIndex, Entry, _extra_terms

FIXTURES = Path(__file__).parent / "fixtures"
FY2026_START = date(2025, 10, 1)
# Chapters the search and API tests need, so a test release loads in a fraction of a second.
SUBSET_PREFIXES = ("E0", "E1", "I1", "I2", "I4", "J0", "J1", "J4", "N39", "R0", "Z00")


@cache
def icd10_records() -> tuple[loaders.Icd10Record, ...]:
    return tuple(loaders.icd10cm_records())


def icd10_subset(prefixes=SUBSET_PREFIXES) -> list[loaders.Icd10Record]:
    return [r for r in icd10_records() if r.code.startswith(prefixes)]


def entries_of(records) -> list[Entry]:
    return [
        Entry(r.code, loaders.dotted(r.code), r.description, r.billable, _extra_terms(r.notes))
        for r in records
    ]


@cache
def full_index() -> CodeIndex:
    return CodeIndex(entries_of(icd10_records()))


@pytest.fixture(scope="session")
def icd10_index() -> CodeIndex:
    return full_index()


@pytest.fixture
def icd10_release(db):
    """ICD-10-CM FY2026 (a few chapters of the real data) in force from 2025-10-01."""
    return services.icd10_release_load(
        version="2026", effective_from=FY2026_START, records=icd10_subset(), source="test"
    ).release
