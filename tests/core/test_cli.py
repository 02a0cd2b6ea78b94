"""The operator's `medoffice audit verify`: one line, exit 0 when intact, exit 1 naming the row."""

import pytest
from django.db import transaction

from medoffice.cli import main
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, AuditEvent
from tests.core.conftest import audit_triggers_dropped


@pytest.fixture
def trail(db):
    return [audit_record(action=AuditAction.READ, detail=f"event {n}") for n in range(5)]


def test_audit_verify_reports_an_intact_trail(trail, capsys):
    main(["audit", "verify"])

    assert capsys.readouterr().out.strip() == "audit chain intact: 5 rows verified"


def test_audit_verify_exits_1_naming_the_first_broken_row(trail, capsys):
    with audit_triggers_dropped(), transaction.atomic():
        AuditEvent.objects.filter(id=trail[2].id).update(detail="rewritten")
        with pytest.raises(SystemExit) as caught:
            main(["audit", "verify"])
        transaction.set_rollback(True)

    assert caught.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"medoffice audit: audit chain broken at row {trail[2].id}:")
    assert len(err.splitlines()) == 1
