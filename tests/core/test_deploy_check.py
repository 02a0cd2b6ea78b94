"""DP-01/WB-04: `manage.py check --deploy` finds nothing, warnings included, with the
production settings (MEDOFFICE_HTTPS=1 and the keys from the environment), in a fresh process
as a server would start. The same check without HTTPS does find the missing transport
settings, so the clean run is not a check that sees nothing."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides) -> dict:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MEDOFFICE_", "DJANGO_")) and name not in ("DATABASE_URL",)
    }
    env.update({
        "MEDOFFICE_VAR_DIR": str(tmp_path / "var"),
        "MEDOFFICE_HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MEDOFFICE_FIELD_KEYS": f"k1={key}",
        "MEDOFFICE_FIELD_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "MEDOFFICE_AUDIT_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "medoffice.example.org",
    })  # fmt: skip
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def deploy_check(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    done = deploy_check(production_env(tmp_path))

    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_check_deploy_finds_the_missing_https_settings_without_https(tmp_path):
    done = deploy_check(production_env(tmp_path, MEDOFFICE_HTTPS=None))

    assert done.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in done.stderr, check
