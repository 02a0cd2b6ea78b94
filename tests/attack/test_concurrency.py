"""Races on real databases: booking the same slots from many threads, and posting the same and
different 835s at once. Extends tests/scheduling/test_race.py (8 workers, 4 slots) and
tests/payments/test_crash.py (one file, two threads) to the sizes SECURITY.md asks for.

Each trial runs in another process (tests/attack/race.py) on a file copy of the SQLite
test database under the production settings (WAL, IMMEDIATE transactions) or on the
PostgreSQL test database, its workers threads released together by a barrier.

- Booking: W workers, each with its own patient, try every one of S slots (P providers x
  starting times) in a different order: W x S attempts. Every slot is won at most once,
  every attempt ends as won, taken or refused (never an error), and raw SQL finds no two
  live visits of one provider or one patient overlapping and no duplicate hold.
  Quick: 6 workers x 10 slots; `make stress`: 20 workers x 50 slots (1,000 attempts).
- ERA: F different files, each imported by C threads at once (F x C imports racing):
  each file posted exactly once (the others "already posted"), one payment per trace,
  every file's rows the same as every other's (they pay the same claims), and
  `ledger_problems()` empty afterwards. Quick: 3 files x 3; stress: 8 files x 5.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.payments.test_crash import _database_url, _file, _Rows
from tests.scheduling.race import race_office

from .budget import report, size

ROOT = Path(__file__).resolve().parents[2]
WORKERS = size("MEDOFFICE_RACE_WORKERS", 6, 20)
PROVIDERS = size("MEDOFFICE_RACE_PROVIDERS", 2, 5)
STARTS = size("MEDOFFICE_RACE_STARTS", 5, 10)
ERA_FILES = size("MEDOFFICE_RACE_ERA_FILES", 3, 8)
ERA_COPIES = size("MEDOFFICE_RACE_ERA_COPIES", 3, 5)


def _run(*args) -> dict:
    env = {**os.environ, "MEDOFFICE_LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.attack.race", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_many_workers_booking_the_same_slots_never_double_book(transactional_db, tmp_path):
    office = race_office(WORKERS, providers=PROVIDERS, starts=STARTS)
    result = _run("booking", _database_url(tmp_path), json.dumps(office), WORKERS)
    outcomes, checks = result["outcomes"], result["checks"]
    slots = len(office["slots"])
    assert len(outcomes) == WORKERS * slots
    assert [row for row in outcomes if row[3] == "error"] == []
    kinds = Counter(row[3] for row in outcomes)
    assert set(kinds) <= {"won", "taken", "refused"}
    winners = Counter((row[1], row[2]) for row in outcomes if row[3] == "won")
    assert max(winners.values()) == 1  # no slot won twice
    assert kinds["won"] <= slots
    assert checks["duplicate_holds"] == 0
    assert checks["provider_overlaps"] == []
    assert checks["patient_overlaps"] == []
    assert checks["appointments"] == kinds["won"]
    report(f"Concurrent booking ({os.environ.get('DATABASE_URL', 'sqlite')[:8]})",
           workers=WORKERS, slots=slots, attempts=len(outcomes), won=kinds["won"],
           taken=kinds["taken"], refused=kinds["refused"], double_bookings=0)  # fmt: skip


@pytest.fixture
def era_office(transactional_db, practice, payer, tmp_path):
    return practice


def test_the_same_and_different_835s_posted_at_once_post_each_exactly_once(era_office, tmp_path):
    url = _database_url(tmp_path)
    traces = [f"CONC{n:02d}" for n in range(ERA_FILES)]  # one length: the same claims each
    paths = [_file(tmp_path, trace, 30) for trace in traces]
    result = _run("era", url, era_office.pk, ERA_COPIES, *paths)
    for path, statuses in result["statuses"].items():
        assert statuses == ["already_posted"] * (ERA_COPIES - 1) + ["posted"], path
    assert result["ledger_problems"] == []
    rows = [_Rows(url)(trace) for trace in traces]
    assert {(r.payments, r.era_payments) for r in rows} == {(1, 1)}
    assert len({(r.claims, r.suspense, r.entries) for r in rows}) == 1  # each posted whole
    report(f"Concurrent ERA posting ({os.environ.get('DATABASE_URL', 'sqlite')[:8]})",
           files=ERA_FILES, imports=ERA_FILES * ERA_COPIES, double_postings=0,
           ledger_problems=0)  # fmt: skip
