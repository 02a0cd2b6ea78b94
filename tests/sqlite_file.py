"""The SQLite test database copied into a file, for another process to open."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def sqlite_file_copy(target: Path) -> Path:
    """What the test database holds (committed: call it from a `transactional_db` test), copied
    into the file `target` with SQLite's backup API; returns `target`.

    A process started with MEDOFFICE_VAR_DIR set to the file's folder opens it under the
    production settings (WAL, IMMEDIATE transactions, busy_timeout), which the in-memory test
    database cannot stand in for. `migrate` made the test database for this run, so the copy
    needs no migrating: migrating a file from nothing costs about 30 s of CPU (Django's
    migration states, not the SQL), which under load ran past the subprocesses' timeouts."""
    assert connection.vendor == "sqlite", connection.vendor
    target.parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    return target


def script_on_a_file_copy(tmp_path: Path, module: str, *args, timeout: int = 180) -> dict:
    """`python -m <module> *args` in another process whose MEDOFFICE_VAR_DIR is `tmp_path`,
    holding a file copy of the test database; the JSON object its last line prints. Skips
    under PostgreSQL (DATABASE_URL set), where the threads of the test process race."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("PostgreSQL run: the thread races cover this database")
    sqlite_file_copy(tmp_path / "medoffice.sqlite3")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        MEDOFFICE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="medoffice.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )  # fmt: skip
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
