"""Documents in S3-compatible object storage: django-storages against moto's S3 server on
loopback (a real HTTP server speaking the S3 protocol), with the same settings entry
settings.py builds for MEDOFFICE_DOCUMENT_STORAGE=s3. Filing writes private objects to the
bucket, the audited view streams them back, a packet is stored there too, and an object
changed in the bucket is refused on read."""

import socket

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from medoffice.core.storage import s3_storage
from medoffice.records import files, services
from medoffice.records.errors import DocumentIntegrityError
from tests.records.conftest import pdf_bytes, upload

pytest.importorskip("storages")
boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "medoffice-documents"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "loopback-test", "AWS_SECRET_ACCESS_KEY": "loopback-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = settings.STORAGES | {
        "default": s3_storage(bucket=BUCKET, endpoint_url=s3_endpoint, region="us-east-1")
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_filed_document_lives_in_the_bucket_and_is_served_by_the_audited_view(
    s3, patient, records_clerk, clinician, client_for
):
    data = pdf_bytes("Outside cardiology consult", "Page two")

    document = services.document_file(
        patient=patient, upload=upload("consult.pdf", data), category="consult",
        title="Cardiology consult", document_date=patient.dob, filed_by=records_clerk,
    )  # fmt: skip

    assert type(default_storage._wrapped).__name__ == "S3Storage"
    stored = s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
    assert stored == data
    acl = s3.get_object_acl(Bucket=BUCKET, Key=document.file.name)["Grants"]
    assert [g["Permission"] for g in acl] == ["FULL_CONTROL"]  # private: the owner only
    assert s3.head_object(Bucket=BUCKET, Key=document.thumbnail.name)["ContentLength"] > 0
    answer = client_for(clinician).get(reverse("records:document-file", args=[document.public_id]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content if answer.streaming else [answer.content]) == data


def test_an_object_changed_in_the_bucket_is_refused(s3, patient, records_clerk):
    document = services.document_file(
        patient=patient, upload=upload("lab.pdf", pdf_bytes("Potassium 4.1")), category="lab",
        title="Lab report", document_date=patient.dob, filed_by=records_clerk,
    )  # fmt: skip

    s3.put_object(Bucket=BUCKET, Key=document.file.name, Body=pdf_bytes("Potassium 6.9"))

    with pytest.raises(DocumentIntegrityError):
        files.read_verified(document.file, document.sha256)


def test_a_release_packet_is_written_to_the_bucket(s3, patient, records_clerk):
    roi = services.roi_request_create(
        patient=patient,
        fields={"requester_kind": "patient", "requester_name": "The patient",
                "purpose": "Personal copy", "basis": "access", "sections": ["demographics"],
                "delivery_method": "pickup"},
        created_by=records_clerk,
    )  # fmt: skip
    services.roi_identity_check(
        request=roi, method="photo_id", detail="IL licence seen", passed=True,
        checked_by=records_clerk,
    )  # fmt: skip

    roi = services.roi_prepare_packet(request=roi, prepared_by=records_clerk)

    stored = s3.get_object(Bucket=BUCKET, Key=roi.packet.name)["Body"].read()
    assert stored.startswith(b"%PDF")
    assert files.sha256_of(stored) == roi.packet_sha256
