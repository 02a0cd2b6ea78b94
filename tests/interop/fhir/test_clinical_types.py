"""The chart over FHIR: Condition, Observation, AllergyIntolerance, MedicationStatement,
Immunization, DocumentReference and ServiceRequest through the live views, validated in
R4B; search semantics; writes through the chart's services; access per role and audit."""

import base64
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle

from medoffice.clinical import services
from medoffice.clinical.models import Allergy, Problem, Vital
from medoffice.core.models import AuditEvent
from medoffice.records import services as records_services
from tests.clinical.conftest import chart, doctor, icd10  # noqa: F401 - fixtures
from tests.clock import office_today
from tests.interop.fhir.conftest import valid
from tests.records.conftest import file_document  # noqa: F401 - fixture

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"


@pytest.fixture
def world(chart, provider, file_document):  # noqa: F811
    patient = chart["patient"]
    services.vital_record(patient=patient, kind="pulse", value=Decimal("72"))
    services.vital_record(patient=patient, kind="temperature", value=Decimal("36.8"))
    services.immunization_add(
        patient=patient, cvx="140", vaccine="Influenza, seasonal",
        given_on=office_today() - timedelta(days=30),
    )  # fmt: skip
    document = file_document(category="lab", title="Outside labs")
    referral = records_services.referral_create(
        patient=patient, direction="out",
        fields={"provider": provider, "other_name": "Dr. Eye", "other_npi": "1234567893",
                "other_specialty": "Ophthalmology", "reason": "Retinopathy screening",
                "diagnoses": ["E119"], "urgency": "urgent"},
    )  # fmt: skip
    return chart | {"patient": patient, "document": document, "referral": referral}


@pytest.fixture
def rooming(make_user):
    """A medical assistant: records vitals, reads the chart."""
    from medoffice.core.roles import Role

    return make_user(Role.MEDICAL_ASSISTANT)


def _bundle(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    Bundle.model_validate(data)
    return data


def _resources(bundle: dict, mode: str = "match") -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e.get("search", {}).get("mode") == mode]


TYPES = (
    "Condition", "Observation", "AllergyIntolerance", "MedicationStatement", "Immunization",
    "DocumentReference", "ServiceRequest",
)  # fmt: skip


def test_every_chart_type_searches_and_reads_as_valid_r4b(world, fhir_for, doctor):  # noqa: F811
    client = fhir_for(doctor)
    patient = world["patient"]
    for name in TYPES:
        found = _resources(_bundle(client.get(f"/fhir/{name}?patient={patient.public_id}")))
        assert found, name
        for resource in found:
            valid(resource)
            assert resource.get("subject", resource.get("patient")) == {
                "reference": f"Patient/{patient.public_id}"
            }
        read = client.get(f"/fhir/{name}/{found[0]['id']}")
        assert read.status_code == 200, (name, read.content)
        resource = valid(json.loads(read.content))
        assert read["ETag"] == f'W/"{resource["meta"]["versionId"]}"'


def test_observation_search_by_category_code_and_date(world, fhir_for, doctor):  # noqa: F811
    client = fhir_for(doctor)
    pid = world["patient"].public_id
    vitals = _resources(
        _bundle(client.get(f"/fhir/Observation?patient={pid}&category=vital-signs"))
    )
    assert {o["code"]["coding"][0]["code"] for o in vitals} == {"8867-4", "8310-5"}
    assert all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in vitals)
    pulse = next(o for o in vitals if o["code"]["coding"][0]["code"] == "8867-4")
    assert pulse["valueQuantity"] == {
        "value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min",
    }  # fmt: skip
    labs = _resources(_bundle(client.get(
        f"/fhir/Observation?subject=Patient/{pid}&category=laboratory&code={LOINC}|4548-4"
    )))  # fmt: skip
    assert [o["valueQuantity"]["value"] for o in labs] == [8.1]
    # A date without a zone is the patient's office day (Chicago), not the site's.
    today = office_today().isoformat()
    recent = _resources(_bundle(client.get(f"/fhir/Observation?patient={pid}&date=ge{today}")))
    assert {o["category"][0]["coding"][0]["code"] for o in recent} == {"vital-signs"}
    older = _resources(_bundle(client.get(f"/fhir/Observation?patient={pid}&date=lt{today}")))
    assert {o["category"][0]["coding"][0]["code"] for o in older} == {"laboratory"}


def test_observation_pages_across_vitals_and_results_without_overlap(world, fhir_for, doctor):  # noqa: F811
    client = fhir_for(doctor)
    url = f"/fhir/Observation?patient={world['patient'].public_id}&_count=3"
    seen = []
    while url:
        bundle = _bundle(client.get(url))
        assert bundle["total"] == 4
        seen += [r["id"] for r in _resources(bundle)]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        url = url and url[url.index("/fhir/") :]
    assert len(seen) == len(set(seen)) == 4


def test_observation_includes_its_patient(world, fhir_for, doctor):  # noqa: F811
    bundle = _bundle(fhir_for(doctor).get(
        f"/fhir/Observation?patient={world['patient'].public_id}&_include=Observation:patient"
    ))  # fmt: skip
    included = _resources(bundle, "include")
    assert [r["resourceType"] for r in included] == ["Patient"]


def test_condition_search_by_code_status_and_category(world, fhir_for, doctor):  # noqa: F811
    client = fhir_for(doctor)
    pid = world["patient"].public_id
    for code in ("E11.9", "E119", f"{ICD10}|E11.9"):
        found = _resources(_bundle(client.get(f"/fhir/Condition?patient={pid}&code={code}")))
        assert [c["code"]["coding"][0]["code"] for c in found] == ["E11.9"], code
    active = _bundle(client.get(f"/fhir/Condition?patient={pid}&clinical-status=active"))
    assert active["total"] == 2
    assert (
        _bundle(client.get(f"/fhir/Condition?patient={pid}&category=encounter-diagnosis"))["total"]
        == 0
    )
    assert (
        _bundle(client.get(f"/fhir/Condition?patient={pid}&category=problem-list-item"))["total"]
        == 2
    )


def _condition(patient, icd="J45.909", **changes) -> dict:
    body = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": ICD10, "code": icd}]},
        "subject": {"reference": f"Patient/{patient.public_id}"},
        "onsetDateTime": "2021-04-02",
    }  # fmt: skip
    return body | changes


def test_a_condition_created_goes_on_the_problem_list_audited(world, fhir_for, doctor):  # noqa: F811
    patient = world["patient"]
    response = fhir_for(doctor).post("/fhir/Condition", _condition(patient))
    assert response.status_code == 201, response.content
    created = valid(json.loads(response.content))
    problem = Problem.objects.get(public_id=created["id"])
    assert (problem.patient_id, problem.code, problem.onset.isoformat()) == (
        patient.pk, "J45909", "2021-04-02",
    )  # fmt: skip
    assert response["Location"].endswith(f"/fhir/Condition/{created['id']}/_history/"
                                         f"{created['meta']['versionId']}")  # fmt: skip
    assert AuditEvent.objects.filter(
        action="create", object_id=str(problem.public_id), patient_id=str(patient.public_id)
    ).exists()


@pytest.mark.parametrize(
    ("change", "status", "expression"),
    [
        ({"code": {"coding": [{"system": ICD10, "code": "Z99.999"}]}}, 422, "Condition.code"),
        ({"code": {"text": "asthma"}}, 422, "Condition.code.coding"),
        ({"subject": {"reference": "Patient/00000000-0000-0000-0000-000000000000"}}, 422,
         "Condition.subject"),
        ({"onsetDateTime": "last spring"}, 400, "onsetDateTime"),
        ({"clinicalStatus": "active"}, 400, "clinicalStatus"),
    ],
)  # fmt: skip
def test_a_condition_we_cannot_take_is_refused_with_its_path(
    world,
    fhir_for,
    doctor,  # noqa: F811
    change,
    status,
    expression,  # noqa: F811
):
    before = Problem.objects.count()
    response = fhir_for(doctor).post("/fhir/Condition", _condition(world["patient"], **change))
    assert response.status_code == status, response.content
    outcome = valid(json.loads(response.content))
    assert outcome["resourceType"] == "OperationOutcome"
    assert expression in outcome["issue"][0]["expression"][0]
    assert Problem.objects.count() == before


def _vital(patient, code="8867-4", value=88, unit="/min") -> dict:
    return {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{patient.public_id}"},
        "effectiveDateTime": "2026-03-04T10:15:00-05:00",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
    }  # fmt: skip


def test_a_vital_sign_is_recorded_through_the_chart(world, fhir_for, rooming):
    response = fhir_for(rooming).post("/fhir/Observation", _vital(world["patient"]))
    assert response.status_code == 201, response.content
    created = valid(json.loads(response.content))
    vital = Vital.objects.get(public_id=created["id"])
    assert (vital.loinc, vital.value, vital.unit, vital.recorded_by_id) == (
        "8867-4", Decimal("88.00"), "/min", rooming.pk,
    )  # fmt: skip
    assert created["valueQuantity"]["value"] == 88


@pytest.mark.parametrize(
    ("body", "expression"),
    [
        (dict(value=880), "value"),  # outside the chart's plausible range
        (dict(unit="[degF]", code="8310-5", value=98.6), "Observation.valueQuantity.code"),
        (dict(code="2339-0"), "Observation.code"),  # glucose is a result, not a vital sign
    ],
)
def test_a_vital_sign_the_chart_refuses_is_a_422_with_its_path(
    world, fhir_for, rooming, body, expression
):
    before = Vital.objects.count()
    response = fhir_for(rooming).post("/fhir/Observation", _vital(world["patient"], **body))
    assert response.status_code == 422, response.content
    outcome = json.loads(response.content)
    assert outcome["issue"][0]["expression"] == [expression]
    assert Vital.objects.count() == before


def test_an_allergy_is_added_through_the_chart(world, fhir_for, doctor):  # noqa: F811
    response = fhir_for(doctor).post("/fhir/AllergyIntolerance", {
        "resourceType": "AllergyIntolerance",
        "code": {"text": "Sulfa drugs"},
        "patient": {"reference": f"Patient/{world['patient'].public_id}"},
        "reaction": [{"manifestation": [{"text": "Rash"}], "severity": "mild"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    allergy = Allergy.objects.get(public_id=json.loads(response.content)["id"])
    assert (allergy.substance, allergy.reaction, allergy.severity) == (
        "Sulfa drugs",
        "Rash",
        "mild",
    )


def test_the_front_desk_cannot_read_the_chart(world, fhir_for, front_desk):
    client = fhir_for(front_desk)
    problem = Problem.objects.filter(patient=world["patient"]).first()
    for url in (f"/fhir/Condition/{problem.public_id}", "/fhir/Condition",
                f"/fhir/Observation?patient={world['patient'].public_id}"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 403, url
        assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert client.post("/fhir/Condition", _condition(world["patient"])).status_code == 403


def test_a_biller_sees_the_problem_list_but_not_the_clinical_lists(world, fhir_for, biller):
    client = fhir_for(biller)
    pid = world["patient"].public_id
    assert _bundle(client.get(f"/fhir/Condition?patient={pid}"))["total"] == 2
    assert client.get(f"/fhir/Observation?patient={pid}").status_code == 403
    assert client.get(f"/fhir/AllergyIntolerance?patient={pid}").status_code == 403
    # Clinical documents need the clinical-document permission: the biller's search skips them.
    assert _bundle(client.get(f"/fhir/DocumentReference?patient={pid}"))["total"] == 0
    doc = client.get(f"/fhir/DocumentReference/{world['document'].public_id}")
    assert doc.status_code == 403


def test_another_practice_sees_nothing(world, fhir_for, make_user, other_practice):
    from medoffice.core.roles import Role

    stranger = fhir_for(make_user(Role.CLINICIAN, practice_=other_practice))
    problem = Problem.objects.filter(patient=world["patient"]).first()
    assert stranger.get(f"/fhir/Condition/{problem.public_id}").status_code == 404
    found = _bundle(stranger.get(f"/fhir/Condition?patient={world['patient'].public_id}"))
    assert found["total"] == 0


def test_reads_and_searches_are_audited_with_the_patient(world, fhir_for, doctor):  # noqa: F811
    problem = Problem.objects.filter(patient=world["patient"]).first()
    mark = AuditEvent.objects.count()
    fhir_for(doctor).get(f"/fhir/Condition/{problem.public_id}")
    fhir_for(doctor).get(f"/fhir/Observation?patient={world['patient'].public_id}")
    rows = list(AuditEvent.objects.order_by("id")[mark:])
    read = next(r for r in rows if r.object_id == str(problem.public_id))
    assert (read.action, read.patient_id, read.category) == (
        "read", str(world["patient"].public_id), "problems",
    )  # fmt: skip
    assert any(r.action == "query" and "Observation" in r.detail for r in rows)


def test_a_document_links_to_its_binary_never_inline(world, fhir_for, doctor):  # noqa: F811
    document = world["document"]
    client = fhir_for(doctor)
    response = client.get(f"/fhir/DocumentReference/{document.public_id}")
    resource = valid(json.loads(response.content))
    attachment = resource["content"][0]["attachment"]
    assert "data" not in attachment
    assert attachment["url"] == f"Binary/{document.public_id}"
    assert attachment["size"] == document.size
    assert resource["identifier"][0]["value"] == document.sha256
    mark = AuditEvent.objects.count()

    raw = client.get(f"/fhir/{attachment['url']}", HTTP_ACCEPT="*/*")
    as_resource = client.get(f"/fhir/{attachment['url']}", HTTP_ACCEPT="application/fhir+json")

    stored = document.file.open("rb").read()
    assert raw.status_code == 200
    assert raw["Content-Type"] == attachment["contentType"]
    assert raw.content == stored
    assert raw["Content-Disposition"].startswith("attachment;")
    binary = valid(json.loads(as_resource.content))
    assert binary["contentType"] == attachment["contentType"]
    assert base64.b64decode(binary["data"]) == stored
    assert binary["securityContext"]["reference"] == f"DocumentReference/{document.public_id}"
    # One READ row per fetch, as the web page's download writes.
    rows = list(AuditEvent.objects.order_by("id")[mark:])
    assert [(r.action, r.object_id, r.patient_id, r.category) for r in rows] == [
        ("read", str(document.public_id), str(world["patient"].public_id), "documents")
    ] * 2


def test_binary_keeps_the_roles_rules_for_clinical_documents(world, fhir_for, front_desk):
    """The front desk reads administrative papers only: a lab report is absent to it."""
    response = fhir_for(front_desk).get(f"/fhir/Binary/{world['document'].public_id}")

    assert response.status_code in (403, 404)
    assert valid(json.loads(response.content))["resourceType"] == "OperationOutcome"


def test_binary_of_a_tampered_file_is_refused_with_an_outcome(world, fhir_for, doctor):  # noqa: F811
    document = world["document"]
    with open(document.file.path, "r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 1]))

    response = fhir_for(doctor).get(f"/fhir/Binary/{document.public_id}")

    assert response.status_code == 409
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    failure = AuditEvent.objects.filter(object_id=str(document.public_id)).latest("id")
    assert failure.outcome == "failure"


def test_a_referral_is_a_service_request_searchable_by_status(world, fhir_for, doctor):  # noqa: F811
    client = fhir_for(doctor)
    pid = world["patient"].public_id
    drafts = _resources(_bundle(client.get(f"/fhir/ServiceRequest?patient={pid}&status=draft")))
    assert [(r["priority"], r["performer"][0]["display"]) for r in drafts] == [
        ("urgent", "Dr. Eye")
    ]
    assert _bundle(client.get(f"/fhir/ServiceRequest?patient={pid}&status=active"))["total"] == 0


def test_a_patient_brings_its_chart_with_revinclude(world, fhir_for, doctor, biller):  # noqa: F811
    url = (
        f"/fhir/Patient?_id={world['patient'].public_id}"
        "&_revinclude=Condition:patient&_revinclude=Observation:patient"
    )
    bundle = _bundle(fhir_for(doctor).get(url))
    kinds = sorted({r["resourceType"] for r in _resources(bundle, "include")})
    assert kinds == ["Condition", "Observation"]
    assert len(_resources(bundle, "include")) == 2 + 4
    # A role that may not read vitals may not have them included either.
    assert fhir_for(biller).get(url).status_code == 403


def test_a_clinician_limited_to_another_location_finds_none_of_our_patients(
    world, fhir_for, make_user, practice
):
    from medoffice.core.roles import Role

    north = practice.locations.create(name="North", time_zone="America/Chicago")
    user = make_user(Role.CLINICIAN)
    user.staff.limited_to_locations = True
    user.staff.save(update_fields=["limited_to_locations"])
    user.staff.locations.set([north])
    client = fhir_for(user)
    pid = world["patient"].public_id
    for name in TYPES:
        assert _bundle(client.get(f"/fhir/{name}?patient={pid}"))["total"] == 0, name
    problem = Problem.objects.filter(patient=world["patient"]).first()
    assert client.get(f"/fhir/Condition/{problem.public_id}").status_code == 404
    assert client.post("/fhir/Condition", _condition(world["patient"])).status_code == 422
