"""Clinical FHIR mappers for the REST API: references, referrals, and the resources a client
may write (parsed to plain inputs, bad ones refused with the element named)."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest

from medoffice.formats.fhir.bundle import (
    DocumentData,
    EncounterData,
    document_reference,
    encounter,
    encounter_conditions,
    rest_ref,
)
from medoffice.formats.fhir.clinical import (
    ObservationData,
    ReferralData,
    ResourceInputError,
    observation,
    parse_allergy_intolerance,
    parse_condition,
    parse_vital_observation,
    service_request,
)

PID = str(uuid.uuid5(uuid.NAMESPACE_URL, "patient"))
EID = str(uuid.uuid5(uuid.NAMESPACE_URL, "encounter"))
DOC = str(uuid.uuid5(uuid.NAMESPACE_URL, "doctor"))
WHEN = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def test_rest_references_are_relative_and_name_the_type():
    e = EncounterData(EID, date(2026, 3, 4), "signed", DOC, diagnoses=(("I10", "Hypertension"),))
    resource = encounter(e, PID, ref=rest_ref)
    Encounter.model_validate(resource)
    assert resource["subject"] == {"reference": f"Patient/{PID}"}
    condition = encounter_conditions(e, PID, ref=rest_ref)[0]
    assert resource["diagnosis"][0]["condition"] == {"reference": f"Condition/{condition['id']}"}
    assert condition["encounter"] == {"reference": f"Encounter/{EID}"}


def test_a_vital_sign_names_its_encounter():
    o = ObservationData("3f1c7c8e-7b59-4b0e-9d5e-2f0a1a7b6c11", "vital-signs", "Heart rate",
                        WHEN, "72", loinc="8867-4", unit="/min", encounter_id=EID)  # fmt: skip
    resource = observation(o, PID, ref=rest_ref)
    Observation.model_validate(resource)
    assert resource["encounter"] == {"reference": f"Encounter/{EID}"}


def test_a_document_on_the_api_is_a_link_never_the_file():
    d = DocumentData("7a0e8b55-9a51-4b0e-9d5e-2f0a1a7b6c11", "Outside labs", "Lab report",
                     date(2026, 2, 1), "application/pdf", 4, "ab" * 32, WHEN,
                     url="Binary/7a0e8b55-9a51-4b0e-9d5e-2f0a1a7b6c11")  # fmt: skip
    resource = document_reference(d, PID, DOC, ref=rest_ref)
    DocumentReference.model_validate(resource)
    attachment = resource["content"][0]["attachment"]
    assert "data" not in attachment
    assert attachment["url"].startswith("Binary/")


def test_a_referral_out_is_an_order_from_our_clinician_to_the_specialist():
    r = ReferralData(
        id="5b6c7d8e-1111-4b0e-9d5e-2f0a1a7b6c11", direction="out", status="sent",
        reason="Retinopathy screening", authored_at=WHEN, urgency="urgent",
        diagnoses=(("E11.9", "Type 2 diabetes"),), practitioner_id=DOC,
        other_name="Dr. Eye", other_npi="1234567893", other_specialty="Ophthalmology",
    )  # fmt: skip
    resource = service_request(r, PID, ref=rest_ref)
    ServiceRequest.model_validate(resource)
    assert (resource["status"], resource["intent"], resource["priority"]) == (
        "active", "order", "urgent",
    )  # fmt: skip
    assert resource["requester"] == {"reference": f"Practitioner/{DOC}"}
    assert resource["performer"][0]["identifier"]["value"] == "1234567893"
    assert resource["reasonCode"][0]["coding"][0]["code"] == "E11.9"
    incoming = service_request(
        ReferralData(r.id, "in", "seen", "Consult", WHEN, other_name="Dr. Far"), PID
    )
    ServiceRequest.model_validate(incoming)
    assert incoming["status"] == "completed"
    assert incoming["requester"] == {"display": "Dr. Far"}


CONDITION = {
    "resourceType": "Condition",
    "clinicalStatus": {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
    "category": [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
        "code": "problem-list-item"}]}],
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]},
    "subject": {"reference": f"Patient/{PID}"},
    "onsetDateTime": "2020-05-01",
}  # fmt: skip


def test_a_problem_list_condition_is_read_into_its_parts():
    parsed = parse_condition(CONDITION)
    assert (parsed.patient_id, parsed.code, parsed.status, parsed.onset) == (
        PID, "E11.9", "active", date(2020, 5, 1),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"code": {"text": "diabetes"}}, "code.coding"),
        ({"subject": {"reference": "Group/1"}}, "subject.reference"),
        ({"category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
          "condition-category", "code": "encounter-diagnosis"}]}]}, "category"),
        ({"onsetDateTime": "May 2020"}, "onsetDateTime"),
        ({"resourceType": "Observation"}, "resourceType"),
    ],
)  # fmt: skip
def test_a_condition_we_cannot_take_is_refused_with_its_path(change, path):
    with pytest.raises(ResourceInputError) as caught:
        parse_condition({**CONDITION, **change})
    assert caught.value.path == path


def test_an_allergy_takes_substance_reaction_and_severity():
    parsed = parse_allergy_intolerance({
        "resourceType": "AllergyIntolerance",
        "code": {"text": "Penicillin"},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            "code": "confirmed"}]},
        "patient": {"reference": f"Patient/{PID}"},
        "reaction": [{"manifestation": [{"text": "Hives"}], "severity": "moderate"}],
    })  # fmt: skip
    assert (parsed.substance, parsed.reaction, parsed.severity, parsed.verified) == (
        "Penicillin", "Hives", "moderate", True,
    )  # fmt: skip
    with pytest.raises(ResourceInputError) as caught:
        parse_allergy_intolerance({"resourceType": "AllergyIntolerance", "code": {"text": "X"},
                                   "patient": {"reference": f"Patient/{PID}"}})  # fmt: skip
    assert caught.value.path == "reaction[0].severity"


VITAL = {
    "resourceType": "Observation", "status": "final",
    "category": [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "vital-signs"}]}],
    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
    "subject": {"reference": f"Patient/{PID}"},
    "effectiveDateTime": "2026-03-04T10:15:00-05:00",
    "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org",
                      "code": "/min"},
}  # fmt: skip


def test_a_vital_sign_observation_is_read_exactly():
    parsed = parse_vital_observation({**VITAL, "valueQuantity": {"value": D("98.6")}})
    assert parsed.value == D("98.6")
    parsed = parse_vital_observation(VITAL)
    assert (parsed.loinc, parsed.value, parsed.unit) == ("8867-4", D(72), "/min")
    assert parsed.taken_at.utcoffset().total_seconds() == -5 * 3600


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"category": []}, "category"),
        ({"valueQuantity": {"value": "fast"}}, "valueQuantity.value"),
        ({"valueString": "72", "valueQuantity": None}, "valueQuantity.value"),
        ({"effectiveDateTime": "2026-03-04T10:15:00"}, "effectiveDateTime"),
        ({"encounter": {"reference": "urn:uuid:x"}}, "encounter.reference"),
    ],
)
def test_a_vital_we_cannot_take_is_refused_with_its_path(change, path):
    with pytest.raises(ResourceInputError) as caught:
        parse_vital_observation({**VITAL, **change})
    assert caught.value.path == path
