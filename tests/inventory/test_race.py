"""Concurrent use of the last units: exactly as many takers win as there are units, the others
are told the stock is short, and no lot goes below zero (SQLite and PostgreSQL)."""

from collections import Counter

import pytest
from django.db import connection

from tests.inventory.race import UNITS, closet, ledger_checks, race
from tests.sqlite_file import script_on_a_file_copy

WORKERS = 8


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


def test_racing_threads_on_a_file_sqlite_database_take_exactly_the_units_there_are(
    tmp_path, transactional_db
):
    report = script_on_a_file_copy(tmp_path, "tests.inventory.race", WORKERS)
    assert report["database"] == str(tmp_path / "medoffice.sqlite3")
    assert report["transaction_mode"] == "IMMEDIATE"
    _check(report["outcomes"], report["checks"])
