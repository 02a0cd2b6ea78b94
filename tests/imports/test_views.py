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


def test_csv_upload_columns_dry_run_then_commit_through_the_screens(payer, make_user, client_for):
    from tests.imports.test_csv_import import EXPORT

    client = client_for(make_user(Role.RECORDS))
    upload = SimpleUploadedFile("export.csv", EXPORT.encode(), content_type="text/csv")
    answer = client.post(reverse("imports:csv-upload"), {"file": upload})
    assert answer.status_code == 302
    columns = client.get(answer["Location"])
    assert columns.status_code == 200
    form = columns.context["form"]
    assert form.initial["col_member_id"] == "Member ID"  # auto-matched from the header
    data = {name: value for name, value in form.initial.items() if value}
    data["name"] = "old system"
    data.pop("col_first_name")  # a required field left out: said, nothing saved
    refused = client.post(answer["Location"], data)
    assert refused.status_code == 422
    assert b"First name: choose the column" in refused.content
    data["col_first_name"] = "Patient First Name"
    planned = client.post(answer["Location"], data)
    assert planned.status_code == 302
    report = client.get(planned["Location"])
    assert b"Would be: 2 created" in report.content
    assert b"is not a sex code" in report.content
    assert Patient.objects.count() == 0
    run = ImportRun.objects.get(kind="csv", status=ImportStatus.DRY_RUN)
    committed = client.post(reverse("imports:csv-commit", args=[run.public_id]))
    assert committed.status_code == 302
    assert Patient.objects.count() == 2
    assert ImportRun.objects.filter(kind="csv", status=ImportStatus.IMPORTED).count() == 1


def test_a_file_that_is_not_csv_is_refused_on_upload(make_user, client_for):
    client = client_for(make_user(Role.RECORDS))
    upload = SimpleUploadedFile("empty.csv", b"   ", content_type="text/csv")
    answer = client.post(reverse("imports:csv-upload"), {"file": upload})
    assert answer.status_code == 422
    assert b"Refused: the file is empty" in answer.content


def test_a_patient_held_for_review_is_decided_on_the_report(
    synthea, make_patient, make_user, client_for
):
    known = make_patient(first_name="Maria", last_name="Okafor", dob="1970-03-04",
                         sex_at_birth="F")  # fmt: skip
    data, _ = synthea(seed=13, encounters=1, given="Mary", family="Okafor",
                      birth_date=known.dob, gender="female")  # fmt: skip
    client = client_for(make_user(Role.RECORDS))
    upload = SimpleUploadedFile("held.json", data)
    answer = client.post(reverse("imports:fhir-upload"), {"file": upload})
    report = client.get(answer["Location"])
    assert b"held for review" in report.content
    assert b"Same person" in report.content
    run = ImportRun.objects.get()
    held = next(line["id"] for line in run.report if line["outcome"] == "held")
    url = reverse("imports:fhir-decision", args=[run.public_id])
    vague = client.post(url, {"source_id": held})
    assert vague.status_code == 302
    assert Patient.objects.count() == 1
    decided = client.post(url, {"source_id": held, "mrn": known.mrn})
    assert decided.status_code == 302
    assert Patient.objects.count() == 1
    assert known.problems.count() == 2  # the held patient's records followed the decision
