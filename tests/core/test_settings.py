"""DU-01 durable SQLite connections; DP-01/DP-02 HTTPS settings; AU-03 the audit key lives
outside the database; production defaults."""

import importlib.util
import os
import runpy
import stat

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

SETTINGS_FILE = importlib.util.find_spec(settings.SETTINGS_MODULE).origin


# Production (MEDOFFICE_HTTPS) refuses to start without the field keys (AC-08).
PRODUCTION_KEYS = {
    "MEDOFFICE_FIELD_KEYS": "p1=" + "A" * 43 + "=",
    "MEDOFFICE_FIELD_INDEX_KEY": "B" * 43 + "=",
}


def load_settings(tmp_path, monkeypatch, **env) -> dict:
    """Run the settings module as a fresh process would, with `env` and a new VAR_DIR."""
    for name in ("MEDOFFICE_FAST_PASSWORD_HASHER", "MEDOFFICE_HTTPS", "MEDOFFICE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("MEDOFFICE_VAR_DIR", str(tmp_path / "var"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS_FILE)


def _pragma(cursor, name: str):
    cursor.execute(f"PRAGMA {name}")
    return cursor.fetchone()[0]


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="DU-01 on PostgreSQL (fsync, synchronous_commit) is server configuration; the "
    "throwaway test cluster turns fsync off on purpose, so there is nothing to assert here",
)
def test_sqlite_connections_are_durable_and_enforce_foreign_keys(tmp_path, django_db_blocker):
    """A new connection to a real file, opened by Django with the settings' OPTIONS."""
    options = settings.DATABASES["default"]["OPTIONS"]
    probe = DatabaseWrapper(
        {**settings.DATABASES["default"], "NAME": str(tmp_path / "probe.sqlite3")},
        alias="durability_probe",
    )
    try:
        with django_db_blocker.unblock(), probe.cursor() as cursor:
            assert _pragma(cursor, "journal_mode") == "wal"
            assert _pragma(cursor, "synchronous") == 2  # FULL
            assert _pragma(cursor, "foreign_keys") == 1
            assert _pragma(cursor, "busy_timeout") > 0
    finally:
        probe.close()
    assert options["transaction_mode"] == "IMMEDIATE"


def test_default_database_of_a_fresh_install_is_durable_sqlite(tmp_path, monkeypatch):
    values = load_settings(tmp_path, monkeypatch)

    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "var" / "medoffice.sqlite3")
    init = db["OPTIONS"]["init_command"].replace(" ", "").lower()
    for pragma in ("journal_mode=wal", "synchronous=full", "foreign_keys=on", "busy_timeout="):
        assert pragma in init


def test_production_defaults(tmp_path, monkeypatch):
    values = load_settings(tmp_path, monkeypatch)

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert "django.middleware.csrf.CsrfViewMiddleware" in values["MIDDLEWARE"]


def test_stored_uploads_have_no_direct_url(world, front_desk, client_for):
    """WB-03: the card is on disk, but only the authorising view serves it."""
    stored = world.coverage.card_front.name
    assert (settings.MEDIA_ROOT / stored).exists()

    response = client_for(front_desk).get(f"{settings.MEDIA_URL}{stored}")

    assert response.status_code == 404
    assert not response.content.startswith(b"\x89PNG")


def test_https_mode_turns_on_hsts_secure_cookies_and_host_prefixes(tmp_path, monkeypatch):
    values = load_settings(tmp_path, monkeypatch, MEDOFFICE_HTTPS="1", **PRODUCTION_KEYS)

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")


def test_audit_key_is_generated_outside_the_database_readable_by_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDOFFICE_AUDIT_KEY", raising=False)

    values = load_settings(tmp_path, monkeypatch)

    key_file = tmp_path / "var" / "audit.key"
    assert key_file.read_text().strip() == values["AUDIT_HMAC_KEY"]
    assert len(values["AUDIT_HMAC_KEY"]) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "var" / "secret_key").st_mode) == 0o600
    # The same key on the next start, so the chain still verifies after a restart.
    assert load_settings(tmp_path, monkeypatch)["AUDIT_HMAC_KEY"] == values["AUDIT_HMAC_KEY"]


def test_audit_key_from_the_environment_wins(tmp_path, monkeypatch):
    values = load_settings(tmp_path, monkeypatch, MEDOFFICE_AUDIT_KEY="k" * 64)

    assert values["AUDIT_HMAC_KEY"] == "k" * 64
    assert not (tmp_path / "var" / "audit.key").exists()
