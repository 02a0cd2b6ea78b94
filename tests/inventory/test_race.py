"""Concurrent use of the last units: exactly as many takers win as there are units, the others
are told the stock is short, and no lot goes below zero (SQLite and PostgreSQL)."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.inventory.race import UNITS, closet, ledger_checks, race

WORKERS = 8
ROOT = Path(__file__).resolve().parents[2]


def _check(outcomes: list[str], checks: dict) -> None:
    assert Counter(outcomes) == {"took": UNITS, "short": WORKERS - UNITS}, outcomes
    assert checks == {"lot_balances": [0, 0], "uses": UNITS}


@pytest.mark.django_db(transaction=True)
def test_racing_threads_on_postgresql_take_exactly_the_units_there_are(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite test database: see the file-database race below")
    state = closet()

    outcomes = race(state, WORKERS)

    _check(outcomes, ledger_checks(state))


def test_racing_threads_on_a_file_sqlite_database_take_exactly_the_units_there_are(tmp_path):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("PostgreSQL run: the thread race above covers this database")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        MEDOFFICE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="medoffice.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )  # fmt: skip
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.inventory.race", str(WORKERS)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["database"] == str(tmp_path / "medoffice.sqlite3")
    assert report["transaction_mode"] == "IMMEDIATE"
    _check(report["outcomes"], report["checks"])
