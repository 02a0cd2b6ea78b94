"""Coverage create and update over FHIR go through the patients app's insurance services: the
registration screens' rules, refusals as 422 OperationOutcomes naming the element, If-Match
(412 on a stale version), and the same audit rows as the screens write."""

import json

import pytest

from medoffice.core.models import AuditEvent
from medoffice.patients.models import Coverage, Payer
from tests.interop.fhir.conftest import valid


def coverage_body(patient, payer, **changes) -> dict:
    body = {
        "resourceType": "Coverage",
        "status": "active",
        "subscriberId": "W123456789",
        "beneficiary": {"reference": f"Patient/{patient.public_id}"},
        "relationship": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            "code": "self"}]},
        "period": {"start": "2025-01-01"},
        "payor": [{"reference": f"Organization/{payer.public_id}"}],
        "order": 1,
        "class": [{"type": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group"}]},
            "value": "GRP-77"}],
    }  # fmt: skip
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _refusal(response, element: str) -> str:
    assert response.status_code == 422, response.content
    outcome = valid(json.loads(response.content))
    issues = outcome["issue"]
    assert any(element in issue.get("expression", []) for issue in issues), issues
    return " ".join(issue["diagnostics"] for issue in issues)


def test_the_front_desk_adds_a_coverage_as_the_registration_screen_would(
    fhir, patient, payer, front_desk
):
    mark = AuditEvent.objects.count()

    response = fhir.post("/fhir/Coverage", coverage_body(patient, payer))

    assert response.status_code == 201, response.content
    resource = valid(json.loads(response.content))
    coverage = Coverage.objects.get(public_id=resource["id"])
    assert (coverage.patient, coverage.payer, coverage.member_id) == (patient, payer, "W123456789")
    assert (coverage.order, coverage.relationship, coverage.group_number) == (1, "18", "GRP-77")
    assert response["Location"].endswith(f"/fhir/Coverage/{coverage.public_id}/_history/"
                                         f"{resource['meta']['versionId']}")  # fmt: skip
    rows = list(AuditEvent.objects.order_by("id")[mark:])
    assert [(r.action, r.object_id, r.patient_id, r.category, r.user_id) for r in rows] == [
        ("create", str(coverage.public_id), str(patient.public_id), "insurance", front_desk.pk)
    ]


@pytest.mark.parametrize(
    ("changes", "element", "words"),
    [
        ({"payor": [{"reference": "Organization/6f1c0b8e-1d7e-4b3c-9b1e-2c1d3e4f5a6b"}]},
         "Coverage.payor", "payer"),
        ({"subscriberId": None}, "Coverage.subscriberId", ""),
        ({"subscriberId": "bad id!"}, "Coverage.subscriberId", "member id"),
        ({"relationship": {"coding": [{"code": "spouse"}]}}, "Coverage.subscriber",
         "not the subscriber"),
        ({"relationship": {"coding": [{"code": "cousin"}]}}, "Coverage.relationship", "cousin"),
        ({"period": {"start": "2025-05-01", "end": "2025-01-01"}}, "Coverage.period.end",
         "ends before"),
        ({"period": {"end": "2025-01-01"}}, "Coverage.period.start", ""),
        ({"order": 7}, "Coverage.order", ""),
        ({"beneficiary": {"reference": "Patient/6f1c0b8e-1d7e-4b3c-9b1e-2c1d3e4f5a6b"}},
         "Coverage.beneficiary", "not a patient"),
    ],
)  # fmt: skip
def test_bad_coverage_input_is_a_422_naming_the_element(
    fhir, patient, payer, changes, element, words
):
    before = Coverage.objects.count()

    diagnostics = _refusal(fhir.post("/fhir/Coverage", coverage_body(patient, payer, **changes)),
                           element)  # fmt: skip

    assert words.lower() in diagnostics.lower()
    assert Coverage.objects.count() == before


def test_a_payer_named_by_its_payer_id_and_a_contained_subscriber_are_taken(fhir, patient, payer):
    body = coverage_body(
        patient, payer,
        payor=[{"identifier": {"system": "urn:x12:payer-id", "value": payer.payer_id}}],
        relationship={"coding": [{"code": "spouse"}]},
        subscriber={"reference": "#sub"},
        contained=[{"resourceType": "RelatedPerson", "id": "sub",
                    "patient": {"reference": f"Patient/{patient.public_id}"},
                    "name": [{"family": "Doe", "given": ["Sam"]}], "birthDate": "1970-02-03",
                    "gender": "male"}],
    )  # fmt: skip

    response = fhir.post("/fhir/Coverage", body)

    assert response.status_code == 201, response.content
    coverage = Coverage.objects.get(public_id=json.loads(response.content)["id"])
    assert (coverage.relationship, coverage.subscriber_first_name, coverage.subscriber_last_name,
            str(coverage.subscriber_dob), coverage.subscriber_sex) == (
        "01", "Sam", "Doe", "1970-02-03", "M")  # fmt: skip


def test_a_second_active_primary_is_refused_but_a_secondary_is_taken(fhir, patient, payer):
    other = Payer.objects.create(name="Cigna", payer_id="62308")
    assert fhir.post("/fhir/Coverage", coverage_body(patient, payer)).status_code == 201

    clash = fhir.post("/fhir/Coverage", coverage_body(patient, other, subscriberId="C99"))
    secondary = fhir.post("/fhir/Coverage", coverage_body(patient, other, subscriberId="C99",
                                                          order=2))  # fmt: skip

    assert "primary" in _refusal(clash, "Coverage.order")
    assert secondary.status_code == 201, secondary.content


def test_update_needs_the_current_version_and_is_audited(fhir, patient, payer, front_desk):
    created = json.loads(fhir.post("/fhir/Coverage", coverage_body(patient, payer)).content)
    url = f"/fhir/Coverage/{created['id']}"
    version = created["meta"]["versionId"]
    changed = coverage_body(patient, payer, id=created["id"], subscriberId="W999",
                            period={"start": "2025-01-01", "end": "2025-12-31"})  # fmt: skip
    mark = AuditEvent.objects.count()

    updated = fhir.put(url, changed, HTTP_IF_MATCH=f'W/"{version}"')
    stale = fhir.put(url, coverage_body(patient, payer, id=created["id"], subscriberId="W000"),
                     HTTP_IF_MATCH=f'W/"{version}"')  # fmt: skip
    moved = fhir.put(
        url,
        {
            **changed,
            "beneficiary": {"reference": "Patient/" + "1" * 8 + "-1111-4111-8111-111111111111"},
        },
    )

    assert updated.status_code == 200, updated.content
    coverage = Coverage.objects.get(public_id=created["id"])
    assert (coverage.member_id, str(coverage.effective_end)) == ("W999", "2025-12-31")
    assert stale.status_code == 412
    assert valid(json.loads(stale.content))["resourceType"] == "OperationOutcome"
    _refusal(moved, "Coverage.beneficiary")
    assert Coverage.objects.get(pk=coverage.pk).member_id == "W999"
    updates = AuditEvent.objects.filter(id__gt=mark, action="update", object_id=created["id"])
    assert [(r.category, r.patient_id, r.user_id) for r in updates] == [
        ("insurance", str(patient.public_id), front_desk.pk)
    ]
    assert "member_id" in updates[0].detail


def test_a_role_without_coverage_writes_gets_403(fhir_for, make_user, patient, payer):
    from medoffice.core.roles import Role

    response = fhir_for(make_user(Role.CLINICIAN)).post(
        "/fhir/Coverage", coverage_body(patient, payer)
    )

    assert response.status_code == 403
    assert Coverage.objects.count() == 0
