"""The FHIR mapping is pure: dataclasses in, a Bundle out, validated by fhir.resources R4B."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle

from medoffice.formats.fhir import (
    AppointmentData,
    CoverageData,
    DocumentData,
    EncounterData,
    OrganizationData,
    PatientData,
    PatientRecord,
    PractitionerData,
    bundle_json,
    render_bundle,
    validate_bundle,
)

IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, name)) for name in (
    "patient", "practice", "doctor", "payer", "coverage", "encounter", "appointment", "document",
)}  # fmt: skip
WHEN = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def _record(**changes) -> PatientRecord:
    base = {
        "patient": PatientData(
            id=IDS["patient"], mrn="00000018", mrn_system=f"urn:uuid:{IDS['practice']}",
            family="Smith", given=("John", "Q"), birth_date=date(1980, 4, 1), sex="M",
            address_lines=("12 Oak St",), city="Springfield", state="IL", postal_code="62704",
            phones=(("mobile", "+12175550142"),), email="john@example.org", language="en",
            general_practitioner_id=IDS["doctor"],
        ),
        "organization": OrganizationData(id=IDS["practice"], name="Riverside", npi="1234567893"),
        "practitioners": (PractitionerData(IDS["doctor"], "Nguyen", "Ada", "1987654325", "MD"),),
        "payers": (OrganizationData(id=IDS["payer"], name="Aetna", payer_id="60054"),),
        "coverages": (CoverageData(
            id=IDS["coverage"], payer_id=IDS["payer"], member_id="W123", order=1,
            relationship="18", status="active", start=date(2023, 1, 1), group_number="G1",
            plan_name="Gold PPO",
        ),),
        "encounters": (EncounterData(
            id=IDS["encounter"], date_of_service=date(2026, 3, 4), status="signed",
            practitioner_id=IDS["doctor"],
            diagnoses=(("E11.9", "Type 2 diabetes mellitus without complications"),
                       ("I10", "Essential (primary) hypertension")),
        ),),
        "appointments": (AppointmentData(
            id=IDS["appointment"], start=WHEN, end=WHEN.replace(hour=16), status="fulfilled",
            practitioner_id=IDS["doctor"], description="Office visit",
        ),),
        "documents": (DocumentData(
            id=IDS["document"], title="Outside labs", category="Laboratory report",
            document_date=date(2026, 2, 1), content_type="application/pdf", size=4,
            sha256="ab" * 32, filed_at=WHEN, data=b"%PDF",
        ),),
    }  # fmt: skip
    return PatientRecord(**(base | changes))


def test_the_bundle_validates_as_fhir_r4_and_references_resolve_inside_it():
    data = json.loads(render_bundle(_record(), bundle_id=str(uuid.uuid4()), timestamp=WHEN))

    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    full_urls = {entry["fullUrl"] for entry in data["entry"]}
    references = set()

    def walk(node):
        if isinstance(node, dict):
            if "reference" in node:
                references.add(node["reference"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    assert references <= full_urls
    kinds = [entry["resource"]["resourceType"] for entry in data["entry"]]
    assert kinds.count("Condition") == 2
    assert {"Patient", "Organization", "Practitioner", "Coverage", "Encounter", "Appointment",
            "DocumentReference"} <= set(kinds)  # fmt: skip


def test_codes_come_from_the_bound_value_sets():
    data = bundle_json(_record(), bundle_id="b1", timestamp=WHEN)
    by_type = {}
    for entry in data["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])

    assert by_type["Patient"][0]["gender"] == "male"
    assert by_type["Encounter"][0]["status"] == "finished"
    assert by_type["Encounter"][0]["class"]["code"] == "AMB"
    condition = by_type["Condition"][0]
    assert condition["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9",
        "display": "Type 2 diabetes mellitus without complications",
    }  # fmt: skip
    coverage = by_type["Coverage"][0]
    assert coverage["relationship"]["coding"][0]["code"] == "self"
    assert by_type["Practitioner"][0]["identifier"][0]["system"] == (
        "http://hl7.org/fhir/sid/us-npi"
    )
    attachment = by_type["DocumentReference"][0]["content"][0]["attachment"]
    assert attachment["data"] == "JVBERg=="


def test_the_same_record_maps_to_the_same_condition_ids():
    first = bundle_json(_record(), bundle_id="b1", timestamp=WHEN)
    again = bundle_json(_record(), bundle_id="b2", timestamp=WHEN)

    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in again["entry"]]


def test_an_invalid_bundle_is_refused_with_the_place_named():
    data = bundle_json(_record(), bundle_id="b1", timestamp=WHEN)
    data["entry"][0]["resource"]["birthDate"] = "04/01/1980"

    with pytest.raises(ValueError, match="not a valid FHIR R4 Bundle"):
        validate_bundle(data)


def test_a_naive_appointment_time_is_refused():
    naive = AppointmentData(
        id=IDS["appointment"], start=datetime(2026, 3, 4, 9), end=datetime(2026, 3, 4, 10),  # noqa: DTZ001
        status="booked", practitioner_id=IDS["doctor"],
    )  # fmt: skip

    with pytest.raises(ValueError, match="time zone"):
        bundle_json(_record(appointments=(naive,)), bundle_id="b", timestamp=WHEN)
