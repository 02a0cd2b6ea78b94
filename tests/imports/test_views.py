import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medoffice.core.roles import Role
from medoffice.imports.models import ImportRun, ImportStatus
from medoffice.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_records_staff_upload_a_bundle_and_read_its_report(synthea, make_user, client_for):
    data, _ = synthea(seed=11, encounters=1)
    client = client_for(make_user(Role.RECORDS))
    page = client.get(reverse("imports:run-list"))
    assert page.status_code == 200
    upload = SimpleUploadedFile("synthea.json", data, content_type="application/fhir+json")
    answer = client.post(reverse("imports:fhir-upload"), {"file": upload, "source": "synthea"})
    assert answer.status_code == 302
    run = ImportRun.objects.get()
    assert answer["Location"] == reverse("imports:run-detail", args=[run.public_id])
    report = client.get(answer["Location"])
    assert report.status_code == 200
    assert b"Claim" in report.content
    assert b"another system&#x27;s claims are not re-billed" in report.content
    assert Patient.objects.count() == 1


def test_a_rejected_upload_says_why_and_imports_nothing(synthea, make_user, client_for):
    _, bundle = synthea(seed=12, encounters=1)
    bundle["entry"][0]["resource"]["gender"] = 7
    client = client_for(make_user(Role.ADMINISTRATOR))
    upload = SimpleUploadedFile("bad.json", json.dumps(bundle).encode())
    answer = client.post(reverse("imports:fhir-upload"), {"file": upload})
    assert answer.status_code == 422
    assert b"Bundle.entry[0].resource(Patient).gender" in answer.content
    assert ImportRun.objects.get().status == ImportStatus.REJECTED
    assert Patient.objects.count() == 0


def test_front_desk_cannot_import(make_user, client_for):
    client = client_for(make_user(Role.FRONT_DESK))
    assert client.get(reverse("imports:run-list")).status_code == 403
