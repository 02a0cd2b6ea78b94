"""Files for token-only clients: a SMART backend service and a patient-scoped app find a
document with DocumentReference and fetch its bytes from attachment.url (Binary), over real
HTTP against a live server, with the same scope, role and audit as the web page's download."""

import base64
from datetime import date
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from medoffice.core.models import AuditEvent
from medoffice.core.roles import Role
from tests.interop.smart.conftest import register_backend_service
from tests.interop.smart.test_authorization_code import (  # noqa: F401 - fixtures
    _patient_token,
    app,
    clinician_with_chart,
)
from tests.interop.smart.test_backend_services import _jwk_of, ask_token, assertion
from tests.records.conftest import file_document, pdf_bytes  # noqa: F401 - fixture

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def scanned(file_document):  # noqa: F811
    return file_document(pdf_bytes("Outside cardiology letter"), title="Cardiology letter")


def _system_token(server, practice) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    service = register_backend_service(
        practice, jwks={"keys": [_jwk_of(key, "k1", "RS384")]}, role=Role.RECORDS
    )
    answer = ask_token(server, assertion(service, key, aud=f"{server}/o/token/"))
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def test_a_backend_service_fetches_a_document_it_found_by_its_attachment_url(
    server, practice, patient, scanned
):
    headers = {"Authorization": f"Bearer {_system_token(server, practice)}"}
    base = f"{server}/fhir/"

    found = requests.get(
        f"{base}DocumentReference", params={"patient": str(patient.public_id)},
        headers={**headers, "Accept": FHIR_JSON}, timeout=10,
    ).json()  # fmt: skip
    attachment = found["entry"][0]["resource"]["content"][0]["attachment"]
    raw = requests.get(urljoin(base, attachment["url"]), headers=headers, timeout=10)
    as_resource = requests.get(
        urljoin(base, attachment["url"]), headers={**headers, "Accept": FHIR_JSON}, timeout=10
    )

    stored = scanned.file.open("rb").read()
    assert raw.status_code == 200, raw.text[:300]
    assert raw.headers["Content-Type"] == "application/pdf" == attachment["contentType"]
    assert raw.content == stored
    assert len(stored) == attachment["size"]
    assert as_resource.status_code == 200
    assert as_resource.headers["Content-Type"].startswith(FHIR_JSON)
    assert base64.b64decode(as_resource.json()["data"]) == stored
    # Each fetch is a read of the document in the trail, by the service account.
    reads = AuditEvent.objects.filter(object_id=str(scanned.public_id), action="read")
    assert reads.count() == 2
    assert {r.patient_id for r in reads} == {str(patient.public_id)}


def test_a_patient_scoped_token_gets_its_patients_file_and_not_anothers(
    server,
    app,  # noqa: F811
    clinician_with_chart,  # noqa: F811
    make_patient,
    file_document,  # noqa: F811
):
    patient = make_patient()
    other = make_patient(first_name="Mary", last_name="Jones", dob=date(1975, 2, 2))
    own_document = file_document(pdf_bytes("Own letter"), patient_=patient)
    other_document = file_document(pdf_bytes("Other letter"), patient_=other)
    token = _patient_token(server, app, clinician_with_chart, patient)
    headers = {"Authorization": f"Bearer {token}"}

    own = requests.get(f"{server}/fhir/Binary/{own_document.public_id}", headers=headers,
                       timeout=10)  # fmt: skip
    refused = requests.get(
        f"{server}/fhir/Binary/{other_document.public_id}", headers=headers, timeout=10
    )
    refused_json = requests.get(
        f"{server}/fhir/Binary/{other_document.public_id}",
        headers={**headers, "Accept": FHIR_JSON}, timeout=10,
    )  # fmt: skip

    assert own.status_code == 200
    assert own.content == own_document.file.open("rb").read()
    for answer in (refused, refused_json):
        assert answer.status_code in (403, 404)
        assert answer.json()["resourceType"] == "OperationOutcome"
        assert b"Other letter" not in answer.content
    # The refusal is in the trail as denied; the other patient's file was never read.
    rows = AuditEvent.objects.filter(object_id=str(other_document.public_id), action="read")
    assert [r.outcome for r in rows] == ["denied", "denied"]
