"""API fuzz (SECURITY.md section 7, "API fuzz"): Schemathesis drives every operation of our
OpenAPI schema, as each role, through the real WSGI application and a real API token.

Per case: no 5xx, the status code, content type and body conform to the schema, and no
public id or name of another practice's records appears in the answer. Path ids are drawn
from the ids of both practices' records as well as at random, so the fuzz also probes other
practices' objects (AC-02). Each case runs in a savepoint rolled back after it, so every
case meets the same records.

`MEDOFFICE_API_FUZZ_EXAMPLES` sets the cases per operation (default 3: the quick run of
`make test`; the stress run sets it higher), `MEDOFFICE_API_FUZZ_SEED` the seed, and
`MEDOFFICE_API_FUZZ_REPORT` a file the figures are appended to. Figures: docs/security.md.
"""

import json
import os
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from medoffice.core.api_auth import api_token_issue
from medoffice.core.roles import Role
from tests.core.routes import DETAIL_ROUTES

pytestmark = pytest.mark.usefixtures("shared_world_with_outsider")

EXAMPLES = int(os.environ.get("MEDOFFICE_API_FUZZ_EXAMPLES", "3"))
SEED = int(os.environ.get("MEDOFFICE_API_FUZZ_SEED", "8"))
# A file the figures of each role are appended to (one JSON line per role), when set.
REPORT = os.environ.get("MEDOFFICE_API_FUZZ_REPORT", "")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _connection_kept_through_requests():
    """Keep the test's database connection through each WSGI request, as Django's test client
    does. Called directly, the app's request signals close a connection whose autocommit
    differs from the settings, as it does inside the test's transaction: on PostgreSQL that
    ends the transaction (SQLite keeps its in-memory database open regardless)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


_app = None
_operations: list = []  # (operation, its case strategy), loaded once for every role


def wsgi_app():
    global _app
    if _app is None:
        _app = get_wsgi_application()
    return _app


def operations(headers) -> list:
    """Every operation of the schema the API serves (read once, with the first role's token)."""
    if not _operations:
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", wsgi_app(), headers=headers
        )
        for result in schema.get_all_operations():
            operation = result.ok()
            _operations.append((operation, operation.as_strategy()))
    return _operations


def public_ids(world, *, other: bool) -> set[str]:
    """The public ids of every record of the world (ours, or the other practice's)."""
    found = set()
    for name, value in vars(world).items():
        if name.startswith("other_") != other:
            continue
        public_id = getattr(value, "public_id", None)
        if isinstance(public_id, uuid.UUID):
            found.add(str(public_id))
    return found


def foreign_marks(world) -> set[str]:
    """What must never appear in an answer to one of our users: the other practice's
    public ids and its patient's name."""
    return public_ids(world, other=True) | {world.other_patient.last_name}


def path_ids_by_operation(world) -> dict[str, list[str]]:
    """For each API path of the catalogue that names a record: our record's public id and
    the other practice's record of the same kind (tests/core/routes.py knows which)."""
    by_path = {}
    for route in DETAIL_ROUTES:
        if not route.api or not hasattr(world, f"other_{route.target}"):
            continue
        ours = str(getattr(world, route.target).public_id)
        theirs = str(getattr(world, f"other_{route.target}").public_id)
        by_path[route.url(world).replace(ours, "{public_id}")] = [ours, theirs]
    return by_path


def fuzz_operation(operation, strategy, *, headers, path_ids, marks, examples, outcome):
    """Run `examples` cases of one operation; record each failure instead of raising, so
    one bad operation does not hide the others (and Hypothesis does not shrink for minutes)."""

    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=["explicit", "generate"],
    )
    @given(case=strategy, path_id=st.sampled_from([*path_ids, None]))
    def run(case, path_id):
        if path_id is not None and "public_id" in (case.path_parameters or {}):
            case.path_parameters["public_id"] = path_id
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        outcome["cases"] += 1
        outcome["statuses"][response.status_code] = (
            outcome["statuses"].get(response.status_code, 0) + 1
        )
        label = f"{operation.method.upper()} {operation.path}"
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as failure:  # recorded, not raised
            outcome["failures"].append((label, response.status_code, str(failure)[:1500]))
        # An id the caller put in the URL may come back in a 404 problem's "instance".
        text = response.content.decode(errors="replace").replace(case.formatted_path, "")
        leaked = sorted(mark for mark in marks if mark in text)
        if leaked:
            outcome["leaks"].append((label, response.status_code, leaked))

    run()


def fuzz_as(user, world) -> dict:
    token = api_token_issue(user=user, name="fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    any_ids = sorted(public_ids(world, other=False) | public_ids(world, other=True))
    ids_by_path = path_ids_by_operation(world)
    marks = foreign_marks(world)
    outcome = {"cases": 0, "operations": 0, "statuses": {}, "failures": [], "leaks": []}
    outcome["record_paths"] = len(ids_by_path)
    for operation, strategy in operations(headers):
        outcome["operations"] += 1
        path_ids = ids_by_path.get(operation.path, any_ids)
        fuzz_operation(
            operation, strategy, headers=headers, path_ids=path_ids, marks=marks,
            examples=EXAMPLES, outcome=outcome,
        )  # fmt: skip
    return outcome


@pytest.mark.parametrize("role", Role, ids=lambda r: r.value)
def test_api_fuzz_finds_no_server_error_schema_violation_or_foreign_record(
    role, world_with_outsider, make_user
):
    outcome = fuzz_as(make_user(role), world_with_outsider)

    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as report:
            figures = {k: outcome[k] for k in ("cases", "operations", "statuses", "failures")}
            report.write(json.dumps({"role": role.value, "seed": SEED, **figures}) + "\n")
    assert outcome["operations"] >= 40
    assert outcome["cases"] >= outcome["operations"]
    assert outcome["failures"] == []
    assert outcome["leaks"] == []


# Found by the fuzz, kept as plain tests.


@pytest.mark.parametrize("when", ["0312-05-04T13:48:18-21:19", "2999-01-01T00:00:00Z"])
def test_a_result_of_an_impossible_time_is_refused(when, world, make_user, client_for):
    client = client_for(make_user(Role.MEDICAL_ASSISTANT))

    response = client.post(
        f"/api/patients/{world.patient.public_id}/results/",
        {"name": "Glucose", "value": "90", "resulted_at": when},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "resulted_at" in response.json()["errors"]
