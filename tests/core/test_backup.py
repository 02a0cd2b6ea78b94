"""DU-02 / DP-03: encrypted backups; a damaged, cut-off or foreign file is refused and
changes nothing; the restore drill gives back the same rows and an intact audit chain.

The drills load their office with `medoffice demo --no-serve`, run twice: they are also the
end-to-end test of that command (logins printed, a second run changes nothing)."""

import base64
import io
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from medoffice.core.backup import CHUNK_BYTES, BackupError, SealedWriter, open_sealed
from medoffice.patients.synthetic import DEMO_PASSWORD
from tests.sqlite_file import sqlite_file_copy

KEY = secrets.token_bytes(32)


def _seal(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    writer = SealedWriter(out, key)
    writer.write(data)
    writer.close()
    return out.getvalue()


def _open(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(open_sealed(io.BytesIO(blob), key))


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 5])
def test_sealed_round_trip(size):
    data = secrets.token_bytes(size)

    assert _open(_seal(data)) == data


def test_every_flipped_byte_is_refused():
    blob = bytearray(_seal(secrets.token_bytes(CHUNK_BYTES + 100)))
    positions = [0, 17, 30, 35, 100, len(blob) // 2, len(blob) - 1]
    for position in positions:
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(BackupError):
            _open(bytes(damaged))


@pytest.mark.parametrize("keep", [10, 40, CHUNK_BYTES // 2, CHUNK_BYTES + 16 + 34])
def test_a_cut_off_backup_is_refused(keep):
    blob = _seal(secrets.token_bytes(2 * CHUNK_BYTES))

    with pytest.raises(BackupError):
        _open(blob[:keep])


def test_data_after_the_end_and_the_wrong_key_are_refused():
    blob = _seal(b"patients")

    with pytest.raises(BackupError, match="after its end"):
        _open(blob + b"x")
    with pytest.raises(BackupError, match="key"):
        _open(blob, secrets.token_bytes(32))


def _cli(*args, var_dir: Path, env: dict | None = None, check=True):
    environment = {
        **os.environ,
        "MEDOFFICE_VAR_DIR": str(var_dir),
        "MEDOFFICE_FAST_PASSWORD_HASHER": "1",
        **(env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-m", "medoffice.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,  # the first demo run under a loaded machine (minutes of CPU)
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _demo_office(var_dir: Path, env: dict) -> None:
    """The drill's office, loaded as a user loads it: `medoffice demo --no-serve` prepares the
    database, prints the logins and exits; run again, it leaves the practice as it is. Two
    weeks lived (visits signed, a week's claims sent, answered and paid), not the demo's six:
    tests/reports/test_demo_history.py checks what the weeks hold."""
    demo = ("demo", "--no-serve", "--patients", "25", "--weeks", "2")
    first = _cli(*demo, var_dir=var_dir, env=env).stdout
    assert "frontdesk (front_desk)" in first
    assert DEMO_PASSWORD in first
    assert "History: the last 2 weeks lived" in first
    again = _cli(*demo, var_dir=var_dir, env=env).stdout
    assert "Already present" in again
    assert "History already present." in again


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the SQLite drill; tests/core/test_backup.py has the PostgreSQL one",
)
def test_restore_drill_sqlite(tmp_path, transactional_db):
    source, fresh = tmp_path / "source", tmp_path / "fresh"
    env = {
        "MEDOFFICE_BACKUP_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "MEDOFFICE_AUDIT_KEY": secrets.token_hex(32),
    }
    # The office's database starts as a copy of the migrated test database; the demo finds
    # nothing to migrate and loads the practice through the command line.
    sqlite_file_copy(source / "medoffice.sqlite3")
    _demo_office(source, env)
    (source / "files" / "cards").mkdir(parents=True, exist_ok=True)
    (source / "files" / "cards" / "card.png").write_bytes(b"\x89PNG card")
    backup = tmp_path / "office.backup"

    _cli("backup", "--output", str(backup), var_dir=source, env=env)

    # No patient's name can be read from the file (DP-03).
    names = sqlite3.connect(source / "medoffice.sqlite3").execute(
        "SELECT last_name FROM patients_patient LIMIT 5"
    )
    blob = backup.read_bytes()
    assert all(name.encode() not in blob for (name,) in names)
    assert oct(backup.stat().st_mode & 0o777) == "0o600"

    # A damaged or cut-off file is refused and leaves the fresh directory without a database.
    for bad, data in (("flipped", blob[:500] + bytes([blob[500] ^ 1]) + blob[501:]),
                      ("cut", blob[: len(blob) - 40])):  # fmt: skip
        (tmp_path / bad).write_bytes(data)
        refused = _cli("restore", str(tmp_path / bad), var_dir=fresh, env=env, check=False)
        assert refused.returncode == 1
        assert "nothing restored" in refused.stderr
        assert not (fresh / "medoffice.sqlite3").exists() or not _counts(
            fresh / "medoffice.sqlite3"
        )
        assert not (fresh / "files").exists()

    restored = _cli("restore", str(backup), var_dir=fresh, env=env)

    assert "audit chain intact" in restored.stdout
    assert _counts(fresh / "medoffice.sqlite3") == _counts(source / "medoffice.sqlite3")
    assert _counts(fresh / "medoffice.sqlite3")["patients_patient"] == 25
    assert (fresh / "files" / "cards" / "card.png").read_bytes() == b"\x89PNG card"
    check = sqlite3.connect(fresh / "medoffice.sqlite3").execute("PRAGMA integrity_check")
    assert check.fetchone()[0] == "ok"
    verify_source = _cli("audit", "verify", var_dir=source, env=env).stdout
    verify_fresh = _cli("audit", "verify", var_dir=fresh, env=env).stdout
    assert verify_fresh == verify_source
    assert "audit chain intact" in verify_fresh
    again = _cli("restore", str(backup), var_dir=fresh, env=env, check=False)
    assert again.returncode == 1
    assert "not empty" in again.stderr


@pytest.mark.slow
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="runs under scripts/with-postgres.sh",
)
def test_restore_drill_postgres(tmp_path, transactional_db):
    import psycopg

    db = settings.DATABASES["default"]
    source, fresh = f"drill_src_{secrets.token_hex(4)}", f"drill_new_{secrets.token_hex(4)}"
    names = {"source": source, "fresh": fresh}
    admin_url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/postgres"
    # The office's database starts as a copy of the migrated test database (a template copies
    # only a database nobody is connected to); the fresh one is empty, as a restore wants it.
    connections.close_all()
    try:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{source}" TEMPLATE "{db["NAME"]}"')
            admin.execute(f'CREATE DATABASE "{fresh}"')
        urls = {
            k: f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{v}" for k, v in names.items()
        }
        env = {
            "MEDOFFICE_BACKUP_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "MEDOFFICE_AUDIT_KEY": secrets.token_hex(32),
        }
        var = tmp_path / "var"
        _demo_office(var, {**env, "DATABASE_URL": urls["source"]})
        backup = tmp_path / "office.backup"
        _cli("backup", "--output", str(backup), var_dir=var,
             env={**env, "DATABASE_URL": urls["source"]})  # fmt: skip
        fresh_var = tmp_path / "fresh"
        restored = _cli("restore", str(backup), var_dir=fresh_var,
                        env={**env, "DATABASE_URL": urls["fresh"]})  # fmt: skip
        assert "audit chain intact" in restored.stdout

        def counts(url):
            with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
                tables = [r[0] for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]  # fmt: skip
                return {
                    t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
                }

        assert counts(urls["fresh"]) == counts(urls["source"])
        assert counts(urls["fresh"])["patients_patient"] == 25
        again = _cli("restore", str(backup), var_dir=fresh_var,
                     env={**env, "DATABASE_URL": urls["fresh"]}, check=False)  # fmt: skip
        assert again.returncode == 1
        assert "not empty" in again.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
