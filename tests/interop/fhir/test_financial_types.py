"""Encounters, claims and remittances over FHIR through the live views: Encounter (with its
diagnoses), Claim, ClaimResponse and ExplanationOfBenefit from a posted 835, validated in
R4B; only the roles that read them do."""

import json
from decimal import Decimal

from fhir.resources.R4B.bundle import Bundle

from medoffice.clinical import services as clinical_services
from medoffice.core.roles import Role
from tests.interop.fhir.conftest import valid
from tests.payments.remitted import line


def _bundle(response) -> dict:
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    Bundle.model_validate(data)
    return data


def _found(bundle: dict, mode: str = "match") -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e.get("search", {}).get("mode") == mode]


def test_a_biller_reads_the_claim_its_response_and_explanation(remitted, fhir_for, biller):
    client = fhir_for(biller)
    pid = remitted.patient.public_id
    for name in ("Claim", "ClaimResponse", "ExplanationOfBenefit"):
        found = _found(_bundle(client.get(f"/fhir/{name}?patient={pid}")))
        assert [r["id"] for r in found] == [str(remitted.public_id)], name
        read = client.get(f"/fhir/{name}/{remitted.public_id}")
        assert read.status_code == 200, read.content
        valid(json.loads(read.content))
    eob = json.loads(client.get(f"/fhir/ExplanationOfBenefit/{remitted.public_id}").content)
    totals = {t["category"]["coding"][0]["code"]: t["amount"]["value"] for t in eob["total"]}
    assert totals["benefit"] == 80
    assert totals["memberliability"] == 30
    assert eob["payment"]["identifier"]["value"] == "EFT0001"
    assert eob["claimResponse"] == {"reference": f"ClaimResponse/{remitted.public_id}"}


def test_money_goes_out_as_exact_decimal_numbers(remitted, fhir_for, biller):
    text = fhir_for(biller).get(f"/fhir/Claim/{remitted.public_id}").content.decode()
    assert f'"total":{{"value":{remitted.total_charge},"currency":"USD"}}' in text
    assert json.loads(text, parse_float=Decimal)["total"]["value"] == remitted.total_charge


def test_a_claim_not_answered_has_no_response_or_explanation(sent, fhir_for, biller):
    claim = sent([line("99213")])
    client = fhir_for(biller)
    assert client.get(f"/fhir/Claim/{claim.public_id}").status_code == 200
    for name in ("ClaimResponse", "ExplanationOfBenefit"):
        missing = client.get(f"/fhir/{name}/{claim.public_id}")
        assert missing.status_code == 404, name
        assert json.loads(missing.content)["resourceType"] == "OperationOutcome"
        assert _bundle(client.get(f"/fhir/{name}?patient={claim.patient.public_id}"))["total"] == 0
    active = _bundle(client.get(f"/fhir/Claim?patient={claim.patient.public_id}&status=active"))
    assert active["total"] == 1


def test_the_chart_roles_do_not_see_claims(remitted, fhir_for, clinician, front_desk):
    for user in (clinician, front_desk):
        for name in ("Claim", "ClaimResponse", "ExplanationOfBenefit"):
            response = fhir_for(user).get(f"/fhir/{name}/{remitted.public_id}")
            assert response.status_code == 403, (user, name)


def test_an_encounter_carries_its_diagnoses_and_is_searched_by_date_and_status(
    signed,
    fhir_for,
    clinician,
):
    encounter = signed()
    client = fhir_for(clinician)
    pid = encounter.patient.public_id
    day = encounter.date_of_service.isoformat()
    found = _found(_bundle(client.get(f"/fhir/Encounter?patient={pid}&date={day}&status=finished")))
    assert [e["id"] for e in found] == [str(encounter.public_id)]
    reasons = [r["coding"][0]["code"] for r in valid(found[0])["reasonCode"]]
    assert reasons == ["E11.9", "I10"]
    assert _bundle(client.get(f"/fhir/Encounter?patient={pid}&date=gt{day}"))["total"] == 0
    assert _bundle(client.get(f"/fhir/Encounter?patient={pid}&status=in-progress"))["total"] == 0


def test_an_encounter_brings_its_patient_and_vital_signs(signed, fhir_for, clinician):
    encounter = signed()
    clinical_services.vital_record(
        patient=encounter.patient, kind="pulse", value=Decimal("70"), encounter=encounter
    )
    bundle = _bundle(fhir_for(clinician).get(
        f"/fhir/Encounter?_id={encounter.public_id}&_include=Encounter:patient"
        "&_revinclude=Observation:encounter"
    ))  # fmt: skip
    included = _found(bundle, "include")
    assert sorted(r["resourceType"] for r in included) == ["Observation", "Patient"]
    observation = next(r for r in included if r["resourceType"] == "Observation")
    assert observation["encounter"] == {"reference": f"Encounter/{encounter.public_id}"}


def test_the_front_desk_does_not_see_encounters(signed, fhir_for, front_desk, make_user):
    encounter = signed()
    assert fhir_for(front_desk).get(f"/fhir/Encounter/{encounter.public_id}").status_code == 403
    coder = fhir_for(make_user(Role.CODER))
    assert coder.get(f"/fhir/Encounter/{encounter.public_id}").status_code == 200
