"""FHIR Bulk Data export end to end: a backend service kicks off, polls, the worker (run in
the test) writes ndjson, the manifest lists it, every line validates in the R4B models."""

import json
import signal
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class

from medoffice.core.roles import Role
from medoffice.interop.smart.models import ExportFile, ExportJob, ExportStatus
from medoffice.interop.smart.selectors import patients_touched_by_app
from tests.interop.smart.conftest import register_backend_service
from tests.interop.smart.test_backend_services import ASSERTION_TYPE, _jwk_of

ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


@pytest.fixture
def worker_queue(settings):
    """Kick-offs go to the database queue, as in production; the test runs the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "messaging"]}}  # fmt: skip
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_worker() -> None:
    call_command("run_worker", batch=True, sweep_every=0, feed_every=0, verbosity=0)


@pytest.fixture
def service_token(server, practice):
    """A system/*.read token of a backend service whose account has the records role."""

    def issue(role=Role.RECORDS, scopes="system/*.read"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        app = register_backend_service(
            practice, jwks={"keys": [_jwk_of(key, "k1", "RS384")]}, role=role, scopes=scopes
        )
        signed = jwt.encode(
            {"iss": app.client_id, "sub": app.client_id, "aud": f"{server}/o/token/",
             "exp": int(time.time()) + 120, "jti": str(uuid.uuid4())},
            key, algorithm="RS384", headers={"kid": "k1"},
        )  # fmt: skip
        answer = requests.post(
            f"{server}/o/token/",
            data={"grant_type": "client_credentials", "scope": scopes,
                  "client_assertion_type": ASSERTION_TYPE, "client_assertion": signed},
            timeout=10,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return app, {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return issue


@pytest.fixture
def panel(make_patient, provider, payer):
    """Three patients, two on Dr. Nguyen's panel (one with insurance), one elsewhere."""
    from datetime import date

    from medoffice.patients import services as patient_services

    first = make_patient(primary_care_provider=provider)
    second = make_patient(first_name="Mary", last_name="Jones", dob=date(1975, 2, 2),
                          primary_care_provider=provider)  # fmt: skip
    third = make_patient(first_name="Ann", last_name="Lee", dob=date(1990, 3, 3))
    patient_services.coverage_add(
        patient=first,
        fields={"payer": payer, "member_id": "W123456789", "order": 1, "relationship": "18",
                "effective_start": date(2026, 1, 1)},
    )  # fmt: skip
    return first, second, third


def _validated_lines(data: bytes, resource_type: str) -> list[dict]:
    model = get_fhir_model_class(resource_type)
    lines = data.decode().splitlines()
    resources = []
    for number, line in enumerate(lines, start=1):
        resource = json.loads(line)
        assert resource["resourceType"] == resource_type, number
        model.model_validate(resource)
        resources.append(resource)
    return resources


def test_a_backend_service_exports_every_patient_as_validated_ndjson(
    server, worker_queue, service_token, panel
):
    app, auth = service_token()

    kick_off = requests.get(f"{server}/fhir/Patient/$export", headers={**ASYNC, **auth},
                            timeout=10)  # fmt: skip
    assert kick_off.status_code == 202, kick_off.text
    status_url = kick_off.headers["Content-Location"]
    waiting = requests.get(status_url, headers=auth, timeout=10)
    assert waiting.status_code == 202
    assert waiting.headers["X-Progress"]

    run_worker()
    done = requests.get(status_url, headers=auth, timeout=10)

    assert done.status_code == 200, done.text
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/Patient/$export")
    by_type = {entry["type"]: entry for entry in manifest["output"]}
    assert {"Patient", "Coverage", "Organization"} <= set(by_type)
    for resource_type, entry in by_type.items():
        file = requests.get(entry["url"], headers=auth, timeout=10)
        assert file.status_code == 200
        assert file.headers["Content-Type"] == "application/fhir+ndjson"
        resources = _validated_lines(file.content, resource_type)
        assert len(resources) == entry["count"]
    patients = _validated_lines(requests.get(by_type["Patient"]["url"], headers=auth,
                                             timeout=10).content, "Patient")  # fmt: skip
    assert sorted(p["id"] for p in patients) == sorted(str(p.public_id) for p in panel)
    coverage = _validated_lines(requests.get(by_type["Coverage"]["url"], headers=auth,
                                             timeout=10).content, "Coverage")  # fmt: skip
    assert coverage[0]["beneficiary"]["reference"] == f"Patient/{panel[0].public_id}"
    # Every exported patient is in the audit trail under the service account and the app.
    assert patients_touched_by_app(app.client_id) == {str(p.public_id) for p in panel}


def test_a_group_export_holds_the_panel_only_and_since_and_type_narrow_it(
    server, worker_queue, service_token, panel, provider
):
    _, auth = service_token()
    group = requests.get(f"{server}/fhir/Group/{provider.public_id}", headers=auth, timeout=10)
    assert group.status_code == 200, group.text
    get_fhir_model_class("Group").model_validate(group.json())
    assert group.json()["quantity"] == 2

    kick_off = requests.get(
        f"{server}/fhir/Group/{provider.public_id}/$export?_type=Patient",
        headers={**ASYNC, **auth}, timeout=10,
    )  # fmt: skip
    later = requests.get(
        f"{server}/fhir/$export?_since=2999-01-01T00:00:00Z", headers={**ASYNC, **auth},
        timeout=10,
    )  # fmt: skip
    run_worker()
    manifest = requests.get(kick_off.headers["Content-Location"], headers=auth, timeout=10).json()
    nothing = requests.get(later.headers["Content-Location"], headers=auth, timeout=10).json()

    assert [entry["type"] for entry in manifest["output"]] == ["Patient"]
    patients = _validated_lines(
        requests.get(manifest["output"][0]["url"], headers=auth, timeout=10).content, "Patient"
    )
    assert sorted(p["id"] for p in patients) == sorted(str(p.public_id) for p in panel[:2])
    # Nothing dated changed since then; undated resources (the practice) may still go out.
    assert not {"Patient", "Coverage"} & {entry["type"] for entry in nothing["output"]}


def test_files_are_served_to_the_requester_only_and_checked_against_their_digest(
    server, worker_queue, service_token, panel, settings
):
    _, auth = service_token()
    _, other_auth = service_token()
    kick_off = requests.get(f"{server}/fhir/$export?_type=Patient", headers={**ASYNC, **auth},
                            timeout=10)  # fmt: skip
    run_worker()
    status_url = kick_off.headers["Content-Location"]
    url = requests.get(status_url, headers=auth, timeout=10).json()["output"][0]["url"]

    stranger = requests.get(url, headers=other_auth, timeout=10)
    stranger_status = requests.get(status_url, headers=other_auth, timeout=10)
    anonymous = requests.get(url, timeout=10)
    stored = ExportFile.objects.get()
    path = settings.EXPORTS_DIR / str(stored.job.public_id) / stored.storage_name
    path.write_bytes(path.read_bytes().replace(b'"Patient"', b'"Patiens"', 1))
    tampered = requests.get(url, headers=auth, timeout=10)

    assert stranger.status_code == stranger_status.status_code == 404
    assert anonymous.status_code == 401
    assert tampered.status_code == 409
    assert not str(path).startswith(str(settings.STATIC_ROOT))


def test_delete_cancels_an_export_and_its_files_go(server, worker_queue, service_token, panel):
    _, auth = service_token()
    kick_off = requests.get(f"{server}/fhir/$export", headers={**ASYNC, **auth}, timeout=10)
    status_url = kick_off.headers["Content-Location"]

    cancelled = requests.delete(status_url, headers=auth, timeout=10)
    run_worker()
    after = requests.get(status_url, headers=auth, timeout=10)

    assert cancelled.status_code == 202
    assert after.status_code == 404
    assert ExportJob.objects.get().status == ExportStatus.CANCELLED
    assert not ExportFile.objects.exists()


@pytest.mark.parametrize(
    ("case", "status"),
    [("no Prefer header", 400), ("unknown _type", 400), ("bad _since", 400),
     ("unknown group", 404), ("role without export", 403), ("no token", 401)],
)  # fmt: skip
def test_a_bad_kick_off_is_refused_with_an_operation_outcome(
    server, worker_queue, service_token, case, status
):
    role = Role.FRONT_DESK if case == "role without export" else Role.RECORDS
    _, auth = service_token(role=role)
    path, headers = {
        "no Prefer header": ("$export", auth),
        "unknown _type": ("$export?_type=Spaceship", {**ASYNC, **auth}),
        "bad _since": ("$export?_since=yesterday", {**ASYNC, **auth}),
        "unknown group": (f"Group/{uuid.uuid4()}/$export", {**ASYNC, **auth}),
        "role without export": ("$export", {**ASYNC, **auth}),
        "no token": ("$export", ASYNC),
    }[case]

    answer = requests.get(f"{server}/fhir/{path}", headers=headers, timeout=10)

    assert answer.status_code == status, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert not ExportJob.objects.exists()
