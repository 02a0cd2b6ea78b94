"""The chain head: created by the first event, moved by each, and locked for the append."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from medoffice.core.audit import audit_record, audit_verify
from medoffice.core.models import AuditAction, AuditChainHead, AuditEvent


def test_the_first_event_creates_a_missing_chain_head(db):
    AuditChainHead.objects.all().delete()  # as after a flushed test database
    assert not AuditEvent.objects.exists()
    first = audit_record(action=AuditAction.READ, detail="first")
    second = audit_record(action=AuditAction.READ, detail="second")
    head = AuditChainHead.objects.get(id=1)
    assert (first.id, second.id) == (1, 2)
    assert (head.last_id, head.last_mac) == (second.id, second.mac)
    assert audit_verify().ok


def test_an_append_reads_the_head_for_update_inserts_the_row_and_moves_the_head(db):
    audit_record(action=AuditAction.READ, detail="warm")
    with CaptureQueriesContext(connection) as queries:
        audit_record(action=AuditAction.READ, detail="counted")
    statements = [q["sql"] for q in queries]
    assert len(statements) == 3  # no savepoint of its own inside the test's transaction
    assert statements[0].startswith("SELECT last_id, last_mac FROM core_auditchainhead")
    if connection.features.has_select_for_update:
        assert statements[0].endswith("FOR UPDATE")
    assert statements[1].startswith('INSERT INTO "core_auditevent"')
    assert statements[2].startswith("UPDATE core_auditchainhead")
