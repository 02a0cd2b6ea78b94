"""AU-03: the audit trail is append-only in the database and every change to it is detected.

The tamper tests drop the append-only triggers (as an attacker with DDL rights could),
change the rows, and check that `audit_verify` names the first broken row. Each tamper
runs in a savepoint that is rolled back, so one chain serves many trials.
"""

import random
import secrets
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from medoffice.core.audit import audit_record, audit_verify
from medoffice.core.context import Actor
from medoffice.core.models import AuditAction, AuditChainHead, AuditEvent, AuditOutcome
from tests.core.conftest import audit_triggers_dropped

CHAIN_LENGTH = 50
TRIALS = 100
SEED = 20_240_601


class _Undo(Exception):
    """Raised to roll a tamper back."""


@pytest.fixture
def chain(db) -> list[AuditEvent]:
    """A chain of CHAIN_LENGTH varied events, starting from an empty trail."""
    assert not AuditEvent.objects.exists()
    rng = random.Random(SEED)
    actions = list(AuditAction.values)
    events = []
    for n in range(CHAIN_LENGTH):
        actor = Actor(
            user_id=rng.randint(1, 5),
            username=f"user{rng.randint(1, 5)}",
            role=rng.choice(["front_desk", "biller", "clinician"]),
            client_ip=f"10.0.0.{rng.randint(1, 250)}",
            request_id=f"req-{n}",
        )
        events.append(
            audit_record(
                action=rng.choice(actions),
                outcome=rng.choice(AuditOutcome.values),
                object_type="patients.patient",
                object_id=f"obj-{n}",
                category="demographics",
                detail=f"event {n}",
                actor=actor,
            )
        )
    assert [e.id for e in events] == list(range(1, CHAIN_LENGTH + 1))
    return events


def _row(event_id: int) -> AuditEvent:
    return AuditEvent.objects.get(id=event_id)


def _content(event: AuditEvent) -> dict:
    return {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.fields if f.name != "id"}


def _forged(event_id: int, *, replay: AuditEvent | None = None) -> AuditEvent:
    """A row the attacker writes: a genuine row's content and MAC replayed, or made up."""
    if replay is not None:
        return AuditEvent(id=event_id, **_content(replay))
    return AuditEvent(
        id=event_id,
        at=_row(1).at,
        user_id=1,
        username="intruder",
        role="front_desk",
        action=AuditAction.READ,
        object_type="patients.patient",
        outcome=AuditOutcome.SUCCESS,
        mac=secrets.token_hex(32),
    )


def _shift_ids_from(position: int) -> None:
    """Make room at `position` (ids +1 from there) in two steps, so no primary key clashes."""
    AuditEvent.objects.filter(id__gte=position).update(id=-(F("id") + 1))
    AuditEvent.objects.filter(id__lt=0).update(id=-F("id"))


# --- Tampering moves: each changes the stored trail and returns the row verify must name ---

EDITABLE = {
    "at": lambda e: e.at + timedelta(seconds=1),
    "user_id": lambda e: (e.user_id or 0) + 1,
    "username": lambda e: e.username + "x",
    "role": lambda e: "administrator",
    "action": lambda e: "delete" if e.action != "delete" else "read",
    "category": lambda e: "billing",
    "object_type": lambda e: "patients.coverage",
    "object_id": lambda e: e.object_id + "0",
    "patient_id": lambda e: "00000000-0000-0000-0000-000000000000",
    "client_ip": lambda e: "192.0.2.1",
    "request_id": lambda e: "forged",
    "outcome": lambda e: "success" if e.outcome != "success" else "denied",
    "detail": lambda e: "",
    "mac": lambda e: secrets.token_hex(32),
}


def edit_field(rng, n):
    position = rng.randint(1, n)
    field = rng.choice(sorted(EDITABLE))
    event = _row(position)
    AuditEvent.objects.filter(id=position).update(**{field: EDITABLE[field](event)})
    return position


def delete_row(rng, n):
    position = rng.randint(1, n)
    AuditEvent.objects.filter(id=position).delete()
    return position


def swap_rows(rng, n):
    first, second = sorted(rng.sample(range(1, n + 1), 2))
    a, b = _row(first), _row(second)
    AuditEvent.objects.filter(id=first).update(**_content(b))
    AuditEvent.objects.filter(id=second).update(**_content(a))
    return first


def insert_shifting_ids(rng, n):
    position = rng.randint(1, n)
    _shift_ids_from(position)
    # The forgery either has a made-up MAC or replays a genuine row's content and MAC.
    source = rng.choice([i for i in range(1, n + 2) if i != position])
    replay = _row(source) if rng.random() < 0.5 else None
    _forged(position, replay=replay).save(force_insert=True)
    return position


def insert_beyond_tail(rng, n):
    gap = rng.choice([0, 0, 3])
    forged = _forged(n + 1 + gap)
    forged.save(force_insert=True)
    if rng.random() < 0.5:
        # Mostly the head is left alone; sometimes the attacker moves it to the forgery too.
        AuditChainHead.objects.filter(id=1).update(last_id=forged.id, last_mac=forged.mac)
    return n + 1


def change_head(rng, n):
    head = AuditChainHead.objects.get(id=1)
    if rng.random() < 0.5:
        head.last_id = rng.choice([n - 1, n + 1, n + 10, 0])
    else:
        head.last_mac = secrets.token_hex(32)
    head.save()
    return n + 1


TAMPERS = (edit_field, delete_row, swap_rows, insert_shifting_ids, insert_beyond_tail, change_head)


def _tamper_and_verify(tamper, rng, n):
    """Apply `tamper` in a savepoint, verify, roll back; return (expected id, report)."""
    try:
        with transaction.atomic():
            expected = tamper(rng, n)
            report = audit_verify()
            raise _Undo
    except _Undo:
        pass
    return expected, report


# --- The database refuses changes ---


def _refused(sql: str, params=()):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_refuses_update_of_audit_rows_by_raw_sql(chain):
    _refused("UPDATE core_auditevent SET username = %s WHERE id = %s", ["mallory", 3])
    _refused("UPDATE core_auditevent SET outcome = 'success'")

    assert _row(3).username == chain[2].username
    assert audit_verify().ok


def test_refuses_delete_of_audit_rows_by_raw_sql(chain):
    _refused("DELETE FROM core_auditevent WHERE id = %s", [CHAIN_LENGTH])
    _refused("DELETE FROM core_auditevent")

    assert AuditEvent.objects.count() == CHAIN_LENGTH
    assert audit_verify().ok


def test_refuses_update_and_delete_through_the_orm(chain):
    event = _row(5)
    event.detail = "rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=5).update(detail="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert _row(5).detail == chain[4].detail
    assert AuditEvent.objects.count() == CHAIN_LENGTH


def test_refuses_truncate_of_audit_table(chain):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused (test above)")
    _refused("TRUNCATE core_auditevent")


def test_tamper_tests_put_the_triggers_back(chain):
    with audit_triggers_dropped(), transaction.atomic():
        AuditEvent.objects.filter(id=1).update(detail="changed while unprotected")
        transaction.set_rollback(True)

    _refused("UPDATE core_auditevent SET detail = 'x' WHERE id = 1")
    _refused("DELETE FROM core_auditevent WHERE id = 1")


# --- Verification ---


def test_verify_accepts_an_intact_chain(chain):
    report = audit_verify()

    assert report.ok
    assert report.checked == CHAIN_LENGTH
    assert report.first_broken_id is None


def test_verify_accepts_an_empty_trail(db):
    assert audit_verify().ok


def test_verify_with_another_key_fails_at_the_first_row(chain):
    report = audit_verify(key="not-the-key-held-outside-the-database")

    assert not report.ok
    assert report.first_broken_id == 1
    assert "the audit key is not the one this trail was written with" in report.reason


def test_an_event_in_a_rolled_back_transaction_leaves_the_chain_intact(chain):
    with transaction.atomic():
        audit_record(action=AuditAction.READ, detail="rolled back")
        transaction.set_rollback(True)
    audit_record(action=AuditAction.READ, detail="kept")

    report = audit_verify()
    assert report.ok
    assert report.checked == CHAIN_LENGTH + 1


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__)
def test_detects_each_kind_of_tampering_at_the_first_broken_row(chain, tamper):
    rng = random.Random(f"{SEED}-{tamper.__name__}")
    with audit_triggers_dropped():
        for _ in range(5):
            expected, report = _tamper_and_verify(tamper, rng, CHAIN_LENGTH)
            assert not report.ok, f"{tamper.__name__} at {expected} went unnoticed"
            assert report.first_broken_id == expected, report.reason


@pytest.mark.parametrize("field", sorted(EDITABLE))
def test_detects_an_edit_of_every_chained_field(chain, field):
    with audit_triggers_dropped():
        try:
            with transaction.atomic():
                AuditEvent.objects.filter(id=17).update(**{field: EDITABLE[field](_row(17))})
                report = audit_verify()
                raise _Undo
        except _Undo:
            pass

    assert (report.ok, report.first_broken_id) == (False, 17)


def test_detects_100_of_100_random_tampers_with_the_right_row(chain):
    rng = random.Random(SEED)
    outcomes = []
    with audit_triggers_dropped():
        for trial in range(TRIALS):
            tamper = rng.choice(TAMPERS)
            expected, report = _tamper_and_verify(tamper, rng, CHAIN_LENGTH)
            outcomes.append((trial, tamper.__name__, expected, report.ok, report.first_broken_id))
            # The savepoint rollback restored the chain for the next trial.
            assert audit_verify().ok, f"trial {trial} was not undone"

    detected = [o for o in outcomes if not o[3] and o[4] == o[2]]
    missed = [o for o in outcomes if o not in detected]
    assert len(detected) == TRIALS, f"missed or misplaced: {missed}"
    # Every kind of tampering was exercised.
    assert {o[1] for o in outcomes} == {t.__name__ for t in TAMPERS}


# --- The operator command (`medoffice audit` runs `manage.py audit_verify`) ---


def test_verify_command_reports_an_intact_chain(chain):
    out = StringIO()

    call_command("audit_verify", stdout=out)

    assert out.getvalue().strip() == f"audit chain intact: {CHAIN_LENGTH} rows verified"


def test_verify_command_fails_naming_the_altered_row(chain):
    with audit_triggers_dropped(), transaction.atomic():
        AuditEvent.objects.filter(id=23).update(username="mallory")
        with pytest.raises(CommandError, match=r"broken at row 23\b") as caught:
            call_command("audit_verify", stdout=StringIO())
        transaction.set_rollback(True)

    assert "22 rows verified before it" in str(caught.value)


def test_verify_command_fails_naming_a_deleted_row(chain):
    with audit_triggers_dropped(), transaction.atomic():
        AuditEvent.objects.filter(id=40).delete()
        with pytest.raises(CommandError, match=r"broken at row 40: row 40 is missing"):
            call_command("audit_verify", stdout=StringIO())
        transaction.set_rollback(True)
