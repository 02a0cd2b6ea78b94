"""AC-08/DP-03: member ids and TOTP secrets sealed at rest (AES-256-GCM), key rotation, the
keyed search digest, and a dump of every table holding none of them in clear."""

import base64
import secrets
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from medoffice.core import sealing
from medoffice.core.keys import keys_rotate, stored_key_ids
from medoffice.core.mfa import new_totp_key
from medoffice.core.models import SealedTOTPDevice
from medoffice.patients.models import Coverage
from medoffice.patients.search import patient_search
from tests.core.test_settings import load_settings

MEMBER_ID = "ZQX9876543"


def _key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def sealed_world(patient, payer, front_desk):
    coverage = Coverage.objects.create(
        patient=patient,
        payer=payer,
        member_id=MEMBER_ID,
        order=1,
        effective_start=date(2024, 1, 1),
    )
    key_hex = new_totp_key()
    device = SealedTOTPDevice.objects.create(user=front_desk, key=key_hex, confirmed=True)
    return coverage, device, key_hex


def _dump() -> str:
    """Every row of every table as text, as a database dump would show it."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def _stored_member_id(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT member_id FROM patients_coverage WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_seal_round_trip_refuses_another_field_an_unknown_key_and_a_flipped_byte(settings):
    stored = sealing.seal("W123", label="a.b.c")
    assert stored.startswith("mo1$")
    assert "W123" not in stored
    assert sealing.unseal(stored, label="a.b.c") == "W123"
    with pytest.raises(sealing.SealError, match="moved from another field"):
        sealing.unseal(stored, label="a.b.other")
    body = stored.rsplit("$", 1)[1]
    flipped = stored[: -len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(sealing.SealError):
        sealing.unseal(flipped, label="a.b.c")
    settings.FIELD_KEYS = {"k9": _key()}
    with pytest.raises(sealing.SealError, match="not configured"):
        sealing.unseal(stored, label="a.b.c")


def test_member_id_and_totp_secret_are_not_in_a_dump_of_the_database(sealed_world):
    coverage, device, key_hex = sealed_world

    dump = _dump()

    assert MEMBER_ID not in dump
    assert MEMBER_ID.lower() not in dump
    assert key_hex not in dump
    assert base64.b32encode(bytes.fromhex(key_hex)).decode() not in dump
    assert _stored_member_id(coverage.pk).startswith("mo1$")
    # ... and the application still reads them.
    assert Coverage.objects.get(pk=coverage.pk).member_id == MEMBER_ID
    assert Coverage.objects.filter(pk=coverage.pk).values_list("member_id", flat=True)[0] == (
        MEMBER_ID
    )
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key.hex() == key_hex


def test_patients_are_found_by_member_id_through_the_keyed_digest(sealed_world, practice):
    coverage, _, _ = sealed_world

    outcome = patient_search(practice_id=practice.pk, query=MEMBER_ID.lower())

    assert outcome.mode == "member_id"
    assert [p.pk for p in outcome.results] == [coverage.patient_id]
    assert patient_search(practice_id=practice.pk, query="ZQX9876540").results == []
    with pytest.raises(TypeError, match="sealed"):
        Coverage.objects.filter(member_id=MEMBER_ID).exists()


def test_rotation_reseals_everything_under_the_new_key_and_search_keeps_working(
    sealed_world, settings, practice
):
    coverage, device, key_hex = sealed_world
    old = dict(settings.FIELD_KEYS)
    settings.FIELD_KEYS = {"k2": _key(), **old}  # new key first, old kept for reading

    report = keys_rotate()

    assert report.resealed["patients.coverage.member_id"] >= 1
    assert report.resealed["otp_totp.totpdevice.key"] >= 1
    assert set(stored_key_ids()) == {"k2"}
    assert keys_rotate().total == 0  # a second run finds nothing left to do
    settings.FIELD_KEYS = {"k2": settings.FIELD_KEYS["k2"]}  # old key dropped
    assert Coverage.objects.get(pk=coverage.pk).member_id == MEMBER_ID
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key.hex() == key_hex
    assert patient_search(practice_id=practice.pk, query=MEMBER_ID).mode == "member_id"


def test_rotation_command_seals_values_stored_in_clear(sealed_world, capsys):
    coverage, device, key_hex = sealed_world
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE patients_coverage SET member_id = %s WHERE id = %s", [MEMBER_ID, coverage.pk]
        )
    SealedTOTPDevice.objects.filter(pk=device.pk).update(key=key_hex)
    assert "" in stored_key_ids()

    call_command("keys_rotate")

    assert "" not in stored_key_ids()
    assert MEMBER_ID not in _dump()
    assert "re-sealed" in capsys.readouterr().out


def test_production_refuses_to_start_without_field_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDOFFICE_FIELD_KEYS", raising=False)
    monkeypatch.delenv("MEDOFFICE_FIELD_INDEX_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="MEDOFFICE_FIELD_KEYS"):
        load_settings(tmp_path, monkeypatch, MEDOFFICE_HTTPS="1")


def test_field_keys_come_from_the_environment(tmp_path, monkeypatch):
    entry = sealing.new_key_text("k3")
    old = sealing.new_key_text("k2")
    values = load_settings(
        tmp_path,
        monkeypatch,
        MEDOFFICE_FIELD_KEYS=f"{entry},{old}",
        MEDOFFICE_FIELD_INDEX_KEY=base64.b64encode(_key()).decode(),
    )
    assert list(values["FIELD_KEYS"]) == ["k3", "k2"]
    assert not (tmp_path / "var" / "field.key").exists()
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        load_settings(tmp_path, monkeypatch, MEDOFFICE_FIELD_KEYS="k1=c2hvcnQ=")
