"""WB-01: no state change on GET. Every GET route of the catalogue is called by a role allowed
to call it, and every table's content (not only its row count) is compared before and after.

What a GET may write, and is left out of the comparison: the audit trail (a read of PHI is
audited, AU-01), the session (its idle clock, AC-05) and an API token's last use. The
dashboard's rollups are not among them: pages read them and compute the days changed since
the worker's last refresh from the sources (reports/rollups.py).
"""

import hashlib

import pytest
from django.db import connection, transaction

from medoffice.core.roles import Role
from tests.core.routes import ROUTES
from tests.core.test_routes import role_may

pytestmark = pytest.mark.usefixtures("shared_world_with_outsider")

WRITES_ALLOWED_ON_GET = {
    "core_auditevent",  # the read itself, audited
    "core_auditchainhead",  # the chain head moves with each audit row
    "django_session",  # the idle-timeout clock of the session
    "core_apitoken",  # last_used_at of an API token
}
GET_ROUTES = tuple(route for route in ROUTES if route.method == "GET")


def table_digests() -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of every row) per table, audit and session tables left out."""
    digests = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in WRITES_ALLOWED_ON_GET:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


def test_the_scan_sees_a_change_in_any_table(world):
    before = table_digests()
    world.patient.preferred_name = "Changed"
    world.patient.save(update_fields=["preferred_name"])

    after = table_digests()

    assert [t for t in before if before[t] != after[t]] == ["patients_patient"]
    assert len(before) >= 50


def test_no_get_route_changes_any_table(world, make_user, client_for):
    clients = {}
    changed = []
    for route in GET_ROUTES:
        role = next(r for r in Role if role_may(r, route.permission))
        if role not in clients:
            clients[role] = client_for(make_user(role))
    # Each call runs in a savepoint rolled back after it: every route starts from `before`.
    before = table_digests()
    for route in GET_ROUTES:
        role = next(r for r in Role if role_may(r, route.permission))
        with transaction.atomic():
            response = route.call(clients[role], world)
            after = table_digests()
            transaction.set_rollback(True)
        assert response.status_code == route.ok, route.id
        changed.extend((route.id, table) for table in before if before[table] != after.get(table))

    assert len(GET_ROUTES) >= 100
    assert changed == []
