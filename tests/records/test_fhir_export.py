"""The patient's record from the database as a validated FHIR R4 Bundle: the API, the CLI."""

import json

import pytest
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle

from medoffice.cli import main
from medoffice.core.models import AuditEvent
from tests.core.routes import body_of


def test_the_cli_writes_the_bundle_to_standard_output(world, capsys):
    main(["chart", "export", world.patient.mrn, "--format", "fhir"])

    data = json.loads(capsys.readouterr().out)
    Bundle.model_validate(data)
    resources = [e["resource"] for e in data["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert patient["identifier"][0]["value"] == world.patient.mrn
    codes = {c["code"]["coding"][0]["code"] for c in resources if c["resourceType"] == "Condition"}
    assert {"E11.9"} <= codes  # from the encounters' superbills
    documents = [r for r in resources if r["resourceType"] == "DocumentReference"]
    assert {d["description"] for d in documents} >= {world.document.title}
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.username) == ("export", "medoffice chart export")
    assert event.patient_id == str(world.patient.public_id)


def test_the_cli_refuses_an_unknown_mrn(world, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["chart", "export", "NOPE123"])

    assert caught.value.code == 1
    assert "no patient with MRN NOPE123" in capsys.readouterr().err


def test_with_files_embeds_each_document(world, capsys):
    call_command("export_chart", world.patient.mrn, with_files=True)

    data = json.loads(capsys.readouterr().out)
    attachments = [
        e["resource"]["content"][0]["attachment"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "DocumentReference"
    ]
    assert attachments
    assert all(a["data"] for a in attachments)


def test_the_api_export_needs_the_export_permission(world, records_clerk, front_desk, client_for):
    url = f"/api/patients/{world.patient.public_id}/fhir/"

    allowed = client_for(records_clerk).get(url)
    refused = client_for(front_desk).get(url)

    assert allowed.status_code == 200
    assert allowed["Content-Type"] == "application/fhir+json"
    Bundle.model_validate(json.loads(body_of(allowed)))
    assert refused.status_code == 403
