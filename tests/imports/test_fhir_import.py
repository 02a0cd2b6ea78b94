import json

import pytest
from django.core.management import call_command

from medoffice.billing.models import Encounter
from medoffice.clinical.models import Allergy, Immunization, Medication, Problem, Result, Vital
from medoffice.core.models import AuditEvent
from medoffice.imports.fhir import fhir_import
from medoffice.imports.models import ImportedRecord, ImportRun, ImportStatus
from medoffice.patients.models import Coverage, Patient

pytestmark = pytest.mark.django_db

TABLES = (Patient, Coverage, Encounter, Problem, Medication, Allergy, Immunization, Vital, Result)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def test_imports_a_synthea_bundle_and_a_second_import_creates_nothing(practice, synthea):
    data, bundle = synthea(seed=3, encounters=2)
    run = fhir_import(data, practice=practice, name="synthea.json", source="synthea")
    assert run.status == ImportStatus.IMPORTED, run.reason
    assert run.failed == 0, [line for line in run.report if line["outcome"] == "failed"]
    after_first = counts()
    assert after_first == {
        "Patient": 1, "Coverage": 1, "Encounter": 2, "Problem": 2, "Medication": 2,
        "Allergy": 1, "Immunization": 2, "Vital": 2 * 7, "Result": 4,
    }  # fmt: skip
    again = fhir_import(data, practice=practice, name="synthea.json", source="synthea")
    assert again.status == ImportStatus.IMPORTED
    assert counts() == after_first
    assert again.created == 0
    assert again.unchanged == run.created + run.linked
    assert again.sha256 == run.sha256
    assert ImportedRecord.objects.count() == run.created


def test_keeps_snomed_codes_and_text_and_icd10_only_where_the_bundle_gives_it(practice, synthea):
    data, bundle = synthea(seed=3, encounters=1)
    fhir_import(data, practice=practice, name="b.json")
    conditions = [e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Condition"]  # fmt: skip
    for condition in conditions:
        snomed = condition["code"]["coding"][0]
        problem = Problem.objects.get(source_code=snomed["code"])
        assert problem.source_system == "http://snomed.info/sct"
        assert problem.description == condition["code"]["text"]
        icd = [c["code"] for c in condition["code"]["coding"][1:]]
        assert problem.code == (icd[0].replace(".", "") if icd else "")
        shown = "E11.9" if icd else f"SNOMED CT {snomed['code']}"
        assert problem.shown_code == shown  # what the chart's problem list shows
    medication = Medication.objects.order_by("id").first()
    assert medication.rxnorm.isdigit()
    assert medication.frequency == "1 per day"
    stopped = Medication.objects.exclude(stop_date=None).get()
    assert stopped.stop_date == stopped.start_date
    assert {v.loinc for v in Vital.objects.all()} >= {"8480-6", "8462-4", "8302-2"}
    assert Immunization.objects.filter(cvx__in=["140", "08", "113"]).count() == 2
    lab = Result.objects.get(loinc="4548-4")
    assert lab.unit == "%"


def test_reports_what_it_skips_and_why(practice, synthea):
    data, _ = synthea(seed=4, encounters=1)
    run = fhir_import(data, practice=practice, name="b.json")
    skipped = {(line["type"], line["detail"]) for line in run.report
               if line["outcome"] == "skipped"}  # fmt: skip
    types = {kind for kind, _ in skipped}
    assert {"Claim", "ExplanationOfBenefit", "Procedure", "CarePlan", "Organization"} <= types
    assert any("72514-3" in detail for kind, detail in skipped if kind == "Observation")
    assert any("social-history" in detail for kind, detail in skipped if kind == "Observation")
    created = [line for line in run.report if line["type"] == "Patient"][0]
    assert "phone number home dropped" in created["detail"]  # Synthea's 555 numbers
    assert not Patient.objects.get().home_phone


def test_an_invalid_transaction_bundle_is_rejected_whole_with_the_path(practice, synthea):
    _, bundle = synthea(seed=5, encounters=1)
    bad = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Immunization")
    bad["resource"]["occurrenceDateTime"] = "2020-13-45"
    index = bundle["entry"].index(bad)
    run = fhir_import(json.dumps(bundle).encode(), practice=practice, name="bad.json")
    assert run.status == ImportStatus.REJECTED
    assert f"Bundle.entry[{index}].resource(Immunization).occurrenceDateTime" in run.reason
    assert counts() == dict.fromkeys(counts(), 0)
    assert ImportedRecord.objects.count() == 0
    assert ImportRun.objects.get().status == ImportStatus.REJECTED


def test_a_collection_bundle_keeps_the_valid_entries_and_reports_the_rest(practice, synthea):
    _, bundle = synthea(seed=6, encounters=1, bundle_type="collection")
    bad = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Immunization")
    bad["resource"]["occurrenceDateTime"] = "2020-13-45"
    run = fhir_import(json.dumps(bundle).encode(), practice=practice, name="c.json")
    assert run.status == ImportStatus.IMPORTED
    assert run.failed == 1
    assert Immunization.objects.count() == 1
    assert Patient.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "not JSON: line 1"),
        (b'{"resourceType": "Patient"}', "not a FHIR Bundle"),
        (b'{"resourceType": "Bundle", "type": "searchset"}', "Bundle.type"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_bundle_is_rejected_and_changes_nothing(practice, data, reason):
    run = fhir_import(data, practice=practice, name="x.json")
    assert run.status == ImportStatus.REJECTED
    assert reason in run.reason
    assert Patient.objects.count() == 0


def test_links_the_same_person_and_holds_a_probable_match_for_review(
    practice, synthea, make_patient
):
    known = make_patient(first_name="Maria", last_name="Okafor", dob="1970-03-04",
                         sex_at_birth="F")  # fmt: skip
    data, _ = synthea(seed=7, encounters=1, given="Maria", family="Okafor",
                      birth_date=known.dob, gender="female")  # fmt: skip
    run = fhir_import(data, practice=practice, name="a.json")
    assert run.linked == 1
    assert Patient.objects.count() == 1
    assert known.problems.count() == 2

    data, bundle = synthea(seed=8, encounters=1, given="Mary", family="Okafor",
                           birth_date=known.dob, gender="female")  # fmt: skip
    held = fhir_import(data, practice=practice, name="b.json")
    assert held.status == ImportStatus.IMPORTED
    line = next(line for line in held.report if line["outcome"] == "held")
    assert f"MRN {known.mrn}" in line["detail"]
    assert Patient.objects.count() == 1
    assert known.problems.count() == 2  # the held patient's records wait too
    source_id = line["id"]
    decided = fhir_import(data, practice=practice, name="b.json", decisions={source_id: "new"})
    assert decided.created > 0
    assert Patient.objects.count() == 2


def test_our_own_mrn_identifier_links_the_patient(practice, synthea, patient):
    _, bundle = synthea(seed=9, encounters=1)
    resource = bundle["entry"][0]["resource"]
    resource["identifier"].append({"system": f"urn:uuid:{practice.public_id}",
                                   "value": patient.mrn})  # fmt: skip
    run = fhir_import(json.dumps(bundle).encode(), practice=practice, name="m.json")
    line = next(line for line in run.report if line["type"] == "Patient")
    assert line["outcome"] == "linked"
    assert "by our MRN identifier" in line["detail"]


def test_the_command_prints_the_report_and_fails_on_a_rejected_file(
    practice, synthea, tmp_path, capsys
):
    data, bundle = synthea(seed=10, encounters=1)
    good = tmp_path / "good.json"
    good.write_bytes(data)
    call_command("import_fhir", str(good), "--source", "synthea")
    out = capsys.readouterr().out
    assert "good.json: fhir import imported:" in out
    assert "skipped 1 x Claim" in out
    bundle["entry"][0]["resource"]["birthDate"] = "yesterday"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle))
    with pytest.raises(Exception, match="1 file"):
        call_command("import_fhir", str(bad))
    err = capsys.readouterr().err
    assert "Bundle.entry[0].resource(Patient).birthDate" in err
    assert AuditEvent.objects.filter(category="imports").count() == 2
