"""AU-06: the retention purge keeps six years, removes only an older prefix of the audit
chain, and leaves a signed checkpoint so `verify` still holds; PR-04's breach query."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from medoffice.core.audit import audit_record, audit_verify
from medoffice.core.context import Actor
from medoffice.core.models import AuditCheckpoint, AuditEvent
from medoffice.core.retention import audit_purge, retention_cutoff
from medoffice.core.selectors import patients_touched

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class _Patient:
    def __init__(self, public_id: str):
        self.public_id = public_id


def _append(freeze, when, *, user_id=1, patient=""):
    freeze(when)
    actor = Actor(user_id=user_id, username=f"user{user_id}", role="clinician")
    return audit_record(
        action="read",
        category="demographics",
        object_type="patients.patient",
        patient=_Patient(patient) if patient else None,
        actor=actor,
    )


@pytest.fixture
def seeded(db, freeze):
    """Eight years of rows, one every ~90 days, then a few recent ones; the clock at NOW."""
    assert not AuditEvent.objects.exists()
    start = NOW - timedelta(days=8 * 365)
    for n in range(33):
        _append(freeze, start + timedelta(days=90 * n), patient=f"p-{n % 4}")
    freeze(NOW)
    return list(AuditEvent.objects.order_by("id"))


def test_cutoff_is_six_years_and_settings_refuse_less(settings):
    assert retention_cutoff(NOW) == datetime(2020, 6, 1, 12, 0, tzinfo=UTC)
    assert retention_cutoff(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2022, 2, 28, tzinfo=UTC)


def test_dry_run_counts_and_deletes_nothing(seeded):
    cutoff = retention_cutoff(NOW)
    old = sum(1 for e in seeded if e.at < cutoff)

    report = audit_purge(dry_run=True)

    assert report.eligible == old > 0
    assert report.deleted == 0
    assert AuditEvent.objects.filter(id__lte=seeded[-1].id).count() == len(seeded)
    assert "dry run" in AuditEvent.objects.order_by("-id").first().detail


def test_purge_removes_only_older_rows_and_verify_still_holds(seeded):
    cutoff = retention_cutoff(NOW)
    young_before = AuditEvent.objects.filter(at__gte=cutoff).count()

    report = audit_purge(dry_run=False)

    assert report.deleted == report.eligible > 0
    assert AuditEvent.objects.filter(at__lt=cutoff).count() == 0
    # 0 rows younger than the limit deleted (the purge's own row is one more).
    assert AuditEvent.objects.filter(at__gte=cutoff).count() == young_before + 1
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.through_id == report.through_id
    assert audit_verify().ok, audit_verify()
    # A second run finds nothing more; verify still holds after more appends.
    assert audit_purge(dry_run=False).deleted == 0
    assert audit_verify().ok


def test_clock_set_back_keeps_young_rows_inside_the_prefix(seeded, freeze):
    cutoff = retention_cutoff(NOW)
    # A row written with a clock far in the past, after young rows: the prefix stops before
    # the first young row, so the later old-looking row waits for a later purge.
    _append(freeze, cutoff - timedelta(days=400))
    freeze(NOW)
    young = AuditEvent.objects.filter(at__gte=cutoff).count()

    audit_purge(dry_run=False)

    assert AuditEvent.objects.filter(at__gte=cutoff).count() == young + 1
    assert AuditEvent.objects.filter(at__lt=cutoff).count() == 1
    assert audit_verify().ok


def test_database_refuses_deleting_rows_no_checkpoint_covers(seeded):
    audit_purge(dry_run=False)
    kept = AuditEvent.objects.order_by("id").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=kept.id).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditCheckpoint.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditCheckpoint.objects.update(through_id=kept.id + 5)


def test_unsigned_checkpoint_excusing_a_deletion_is_detected(seeded):
    """An attacker with database access (not the key) writes a checkpoint and deletes rows."""
    victim = seeded[3]
    AuditCheckpoint.objects.create(
        through_id=victim.id, through_mac=victim.mac, through_at=victim.at, rows=victim.id,
        cutoff=NOW, created_at=NOW, created_by="mallory", signature="0" * 64,
    )  # fmt: skip
    AuditEvent.objects.filter(id__lte=victim.id).delete()

    report = audit_verify()

    assert not report.ok
    assert report.first_broken_id == victim.id
    assert "not signed" in report.reason


def test_patients_touched_by_a_user_in_a_window(db, freeze):
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    _append(freeze, t0, user_id=7, patient="A")
    _append(freeze, t0 + timedelta(hours=1), user_id=7, patient="B")
    _append(freeze, t0 + timedelta(hours=2), user_id=7, patient="A")
    _append(freeze, t0 + timedelta(hours=2), user_id=8, patient="C")  # another user
    _append(freeze, t0 + timedelta(hours=3), user_id=7)  # no patient
    _append(freeze, t0 + timedelta(days=2), user_id=7, patient="D")  # after the window

    found = patients_touched(user_id=7, start=t0, end=t0 + timedelta(days=1))

    assert [(p.patient_id, p.events) for p in found] == [("A", 2), ("B", 1)]
    assert found[0].first_at == t0
    assert found[0].last_at == t0 + timedelta(hours=2)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN QUERY PLAN SELECT patient_id FROM core_auditevent "
                "WHERE user_id = 7 AND at >= '2026' AND at < '2027' AND patient_id <> ''"
            )
            plan = " ".join(str(r) for r in cursor.fetchall())
        assert "COVERING INDEX audit_user_at_patient" in plan, plan


def test_audit_is_on_by_default_and_has_no_switch(db):
    """AU-02: nothing turns auditing off: no setting, no route that changes it; a fresh
    install's database refuses to change audit rows (the triggers come with migrate)."""
    from django.urls import get_resolver

    import medoffice.settings as project_settings

    audit_settings = {name for name in vars(project_settings) if "AUDIT" in name.upper()}
    assert audit_settings == {"AUDIT_HMAC_KEY"}
    names = {
        name for name in get_resolver().reverse_dict if isinstance(name, str) and "audit" in name
    }
    assert names <= {"audit-list", "audit-export"}  # both GET-only reads (test_routes)
    event = audit_record(action="read", category="demographics", object_type="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).update(detail="switched off")


def test_retention_shorter_than_six_years_is_refused_at_start_up(tmp_path, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from tests.core.test_settings import load_settings

    assert (
        load_settings(tmp_path, monkeypatch, MEDOFFICE_RETENTION_YEARS="7")[
            "MEDOFFICE_RETENTION_YEARS"
        ]
        == 7
    )
    with pytest.raises(ImproperlyConfigured, match="at least 6"):
        load_settings(tmp_path, monkeypatch, MEDOFFICE_RETENTION_YEARS="5")
