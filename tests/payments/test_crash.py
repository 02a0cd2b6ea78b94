"""BL-01 from two threads at once, and BL-03: `kill -9` during posting leaves each file fully
posted or not at all. Both run in another process against a real database: on SQLite a file
copy of the test database (the production settings: WAL, IMMEDIATE transactions), on
PostgreSQL the test database itself.

MEDOFFICE_CRASH_TRIALS (default 3) sets how many kills; docs/payments.md records a run of 100.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate, prepared_claims
from tests.payments.conftest import ENVELOPE_TIME
from tests.sqlite_file import sqlite_file_copy

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("MEDOFFICE_CRASH_TRIALS", "3"))


def _database_url(tmp_path) -> str:
    """A URL another process can open onto what this test has committed."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{sqlite_file_copy(tmp_path / 'crash.sqlite3')}"
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )


class _Rows:
    """Counts of what one trace left, read straight from the database file or server."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, trace: str) -> SimpleNamespace:
        sql = {
            "payments": "SELECT COUNT(*) FROM payments_payment WHERE reference = %s",
            "era_payments": "SELECT COUNT(*) FROM payments_erapayment WHERE trace_number = %s",
            "claims": "SELECT COUNT(*) FROM payments_eraclaim WHERE key LIKE %s",
            "suspense": "SELECT COUNT(*) FROM payments_suspenseitem s JOIN payments_eraclaim c "
            "ON s.era_claim_id = c.id WHERE c.key LIKE %s",
            "entries": "SELECT COUNT(*) FROM payments_ledgerentry WHERE source LIKE %s",
        }
        args = {"payments": trace, "era_payments": trace, "claims": f"{trace}|%",
                "suspense": f"{trace}|%", "entries": f"%trace {trace}"}  # fmt: skip
        out = {}
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                for name, query in sql.items():
                    out[name] = db.execute(query.replace("%s", "?"), (args[name],)).fetchone()[0]
        else:
            with connection.cursor() as cursor:
                for name, query in sql.items():
                    cursor.execute(query, [args[name]])
                    out[name] = cursor.fetchone()[0]
        return SimpleNamespace(**out)


def _file(tmp_path, trace: str, count: int) -> Path:
    from medoffice.formats.x12 import Envelope

    remittance = adjudicate(prepared_claims(count, seed=len(trace)), trace_number=trace)
    envelope = Envelope(sender_id="ACME", receiver_id="MEDOFFICE01",
                        interchange_control_number=9, group_control_number=9,
                        created=ENVELOPE_TIME)  # fmt: skip
    path = tmp_path / f"{trace}.835"
    path.write_bytes(render_835([remittance], envelope=envelope))
    return path


def _run(*args) -> subprocess.Popen:
    env = {**os.environ, "MEDOFFICE_LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.payments.crash", *map(str, args)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def era_office(transactional_db, practice, payer, tmp_path):
    return SimpleNamespace(practice=practice, url=_database_url(tmp_path))


def test_the_same_file_from_two_threads_posts_once(era_office, tmp_path):
    path = _file(tmp_path, "RACE1", 40)
    process = _run("race", era_office.url, era_office.practice.pk, path)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    assert out.strip().splitlines()[-1] == '["already_posted", "posted"]'
    rows = _Rows(era_office.url)("RACE1")
    assert (rows.payments, rows.era_payments) == (1, 1)
    assert rows.claims >= 40  # (and a reversal or two)


def test_kill_9_during_posting_leaves_each_file_whole_or_absent(era_office, tmp_path):
    rows = _Rows(era_office.url)
    # One file posted without interruption says what "whole" is.
    whole_path = _file(tmp_path, "WHOLE", 300)
    process = _run("post", era_office.url, era_office.practice.pk, whole_path)
    started = time.monotonic()
    out, err = process.communicate(timeout=300)
    assert out.split() == ["ready", "posted"], err[-2000:]
    duration = time.monotonic() - started
    whole = rows("WHOLE")
    assert whole.payments == 1
    assert whole.suspense > 0
    outcomes = []
    rng = random.Random(9)  # noqa: S311 - when to kill, not a secret
    for trial in range(TRIALS):
        trace = f"KILL{trial:03d}"
        path = _file(tmp_path, "WHOLE", 300)  # the same claims, a new trace:
        path.write_bytes(path.read_bytes().replace(b"WHOLE", trace.encode()))
        process = _run("post", era_office.url, era_office.practice.pk, path)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        left = rows(trace)
        if left.payments:
            outcomes.append("posted")
            assert (left.era_payments, left.claims, left.suspense, left.entries) == (
                whole.era_payments, whole.claims, whole.suspense, whole.entries,
            ), trace  # fmt: skip
        else:
            outcomes.append("absent")
            assert (left.era_payments, left.claims, left.suspense, left.entries) == (
                0, 0, 0, 0,
            ), trace  # fmt: skip
    assert len(outcomes) == TRIALS
