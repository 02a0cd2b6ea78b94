"""MEDOFFICE_HL7_FEED: a file drop under VAR_DIR by default, MLLP on loopback only, or off."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.core.test_settings import load_settings


def feed(tmp_path, monkeypatch, value: str | None = None) -> dict:
    monkeypatch.delenv("MEDOFFICE_HL7_FEED", raising=False)
    env = {} if value is None else {"MEDOFFICE_HL7_FEED": value}
    return load_settings(tmp_path, monkeypatch, **env)["MEDOFFICE_HL7_FEED"]


def test_by_default_messages_are_files_under_var_dir(tmp_path, monkeypatch):
    assert feed(tmp_path, monkeypatch) == {
        "transport": "file",
        "directory": (tmp_path / "var").resolve() / "hl7" / "out",
    }


def test_a_file_url_names_the_directory(tmp_path, monkeypatch):
    value = feed(tmp_path, monkeypatch, "file:///srv/engine/in%20box")

    assert value == {"transport": "file", "directory": Path("/srv/engine/in box")}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "localhost", "[::1]"])
def test_mllp_goes_to_a_loopback_host_and_port(tmp_path, monkeypatch, host):
    value = feed(tmp_path, monkeypatch, f"mllp://{host}:2575")

    assert value == {"transport": "mllp", "host": host.strip("[]"), "port": 2575}


def test_off_turns_the_feed_off(tmp_path, monkeypatch):
    assert feed(tmp_path, monkeypatch, "off") == {"transport": "off"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("mllp://10.1.2.3:2575", "only a loopback address"),
        ("mllp://engine.example.org:2575", "only a loopback address"),
        ("mllp://127.0.0.1", "mllp://HOST:PORT"),
        ("mllp://127.0.0.1:notaport", "mllp://HOST:PORT"),
        ("file://relative/dir", "file:///absolute/directory"),
        ("ftp://127.0.0.1/out", "file:///DIRECTORY, mllp://HOST:PORT or off"),
    ],
)
def test_a_bad_feed_setting_stops_the_start(tmp_path, monkeypatch, value, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        feed(tmp_path, monkeypatch, value)


def test_the_mllp_timeout_must_be_positive(tmp_path, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        load_settings(tmp_path, monkeypatch, MEDOFFICE_HL7_TIMEOUT_SECONDS="0")
