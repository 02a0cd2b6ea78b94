"""Every resource type the FHIR API serves: read and search answers validate in
fhir.resources' R4B models, references point at resources the API serves, and the
CapabilityStatement lists exactly what the registry holds."""

from datetime import datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from medoffice.core.models import AuditEvent
from medoffice.formats.fhir.bundle import NPI_SYSTEM
from medoffice.interop.fhir import registry
from medoffice.interop.fhir.resources import patient as fhir_patient
from medoffice.records.fhir_export import mrn_system
from tests.interop.fhir.conftest import FHIR_JSON, valid
from tests.scheduling.conftest import next_weekday_at

SERVED = {
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Schedule",
    "Slot", "Appointment", "Coverage",
}  # fmt: skip


@pytest.fixture
def scheduled(office, visit_type, patient, book, payer, make_patient):
    """Our patient with coverage and a booked visit in an office with open mornings."""
    from medoffice.patients.services import coverage_add

    coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W11111111", "order": 1, "relationship": "18",
                "effective_start": "2024-01-01"},
    )  # fmt: skip
    appointment = book(patient, next_weekday_at(9))
    return appointment


def search(fhir, url: str) -> dict:
    response = fhir.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    return bundle


def read(fhir, resource_type: str, resource_id: str) -> dict:
    response = fhir.get(f"/fhir/{resource_type}/{resource_id}")
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'W/"{response.json()["meta"]["versionId"]}"'
    return valid(response.json())


def test_metadata_lists_every_registered_type_with_its_interactions(client, db):
    response = client.get("/fhir/metadata")  # no credential: clients read it first

    assert response.status_code == 200
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {*registry.types(), "Binary"} >= SERVED
    # Binary (a filed document's bytes) is read alone: no search, no history, no writes.
    assert [i["code"] for i in resources["Binary"]["interaction"]] == ["read"]
    assert "searchParam" not in resources["Binary"]
    assert {i["code"] for i in resources["Coverage"]["interaction"]} >= {"create", "update"}
    patient = resources["Patient"]
    codes = {i["code"] for i in patient["interaction"]}
    assert codes == {"read", "vread", "search-type", "create", "update"}
    assert {p["name"] for p in patient["searchParam"]} >= {
        "_id", "family", "given", "birthdate", "identifier", "phone",
    }  # fmt: skip
    assert {i["code"] for i in resources["Practitioner"]["interaction"]} == {
        "read", "vread", "search-type",
    }  # fmt: skip
    appointment = {p["name"] for p in resources["Appointment"]["searchParam"]}
    assert appointment >= {"date", "patient", "practitioner", "status"}
    assert {p["name"] for p in resources["Slot"]["searchParam"]} >= {"schedule", "start", "status"}
    assert "Prefer: handling=strict" in statement["rest"][0]["documentation"]


def test_every_served_type_reads_and_searches_as_valid_r4(fhir, scheduled, patient, provider):
    practice = patient.practice
    bundles = {name: search(fhir, f"/fhir/{name}") for name in sorted(SERVED)}

    for name, bundle in bundles.items():
        matches = [e for e in bundle["entry"] if e["search"]["mode"] == "match"]
        assert matches, f"{name}: nothing found"
        first = matches[0]["resource"]
        assert first["resourceType"] == name
        again = read(fhir, name, first["id"])
        assert again["id"] == first["id"]
    person = read(fhir, "Patient", str(patient.public_id))
    assert person["identifier"][0]["system"] == mrn_system(practice)
    assert person["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    doctor = read(fhir, "Practitioner", str(provider.public_id))
    assert doctor["identifier"] == [{"system": NPI_SYSTEM, "value": provider.npi}]
    visit = read(fhir, "Appointment", str(scheduled.public_id))
    actors = {p["actor"]["reference"] for p in visit["participant"]}
    assert actors == {
        f"Patient/{patient.public_id}", f"Practitioner/{provider.public_id}",
        f"Location/{scheduled.location.public_id}",
    }  # fmt: skip
    for reference in actors:
        kind, resource_id = reference.split("/")
        read(fhir, kind, resource_id)


def test_patient_search_by_the_parameters_clients_use(fhir, make_patient):
    smith = make_patient(first_name="Ann", last_name="Smith", dob="1950-02-03",
                         mobile_phone="(217) 555-0199")  # fmt: skip
    make_patient(first_name="Bob", last_name="Smythe", dob="1990-06-07", mobile_phone="")
    make_patient(first_name="Cy", last_name="Jones", dob="1950-02-03", mobile_phone="")

    def ids(query: str) -> set[str]:
        bundle = search(fhir, f"/fhir/Patient?{query}")
        return {e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"}

    ann = str(smith.public_id)
    assert ids("family=smi") == {ann}
    assert ids("family=SM") == ids("family=sm")
    assert len(ids("family=sm")) == 2
    assert ids("family:exact=Smith") == {ann}
    assert ids("family=smith&given=an") == {ann}
    assert len(ids("birthdate=1950-02-03")) == 2
    assert ids("birthdate=1950-02-03&family=smith") == {ann}
    assert len(ids("birthdate=lt1960")) == 2
    assert len(ids("birthdate=ge1990-01")) == 1
    assert ids("birthdate=1950&birthdate=ne1950-02-03") == set()
    assert ids(f"identifier={smith.mrn}") == {ann}
    assert ids(f"identifier={mrn_system(smith.practice)}|{smith.mrn}") == {ann}
    assert ids(f"identifier=http://elsewhere.example|{smith.mrn}") == set()
    assert ids("phone=217-555-0199") == {ann}
    assert ids("phone=%2B12175550199") == {ann}
    assert ids(f"_id={ann}") == {ann}
    assert ids("family=smith,jones") == {ann} | ids("family=jones")


@pytest.mark.parametrize("few_matches", [1000, 1], ids=["looked-up-first", "walked"])
def test_patient_search_by_given_name_or_any_name(fhir, make_patient, monkeypatch, few_matches):
    # A rare given name is looked up by its own index first; past FEW_MATCHES the page
    # walks the name order instead. Both ways must find the same patients.
    monkeypatch.setattr(fhir_patient, "FEW_MATCHES", few_matches)
    ann = str(make_patient(first_name="Ann", last_name="Smith").public_id)
    anna = str(make_patient(first_name="Anna", last_name="Jones").public_id)
    annie = str(make_patient(first_name="Annie", last_name="Annan").public_id)
    make_patient(first_name="Bob", last_name="Smythe")

    def ids(query: str) -> set[str]:
        bundle = search(fhir, f"/fhir/Patient?{query}")
        return {
            e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"
        }

    assert ids("given=ann") == {ann, anna, annie}
    assert ids("given=ANNA") == {anna}
    assert ids("given:exact=Ann") == {ann}
    assert ids("given:exact=ann") == set()
    assert ids("given=annq") == set()
    assert ids("given=bob,annie") == {annie} | ids("family=smythe")
    assert ids("name=ann") == {ann, anna, annie}  # Annan by family name, the rest by given
    assert ids("name=smi") == {ann}
    assert ids("name=zzz") == set()
    assert ids("given=ann&family=jones") == {anna}
    assert ids("given=ann&_sort=-given") == {ann, anna, annie}


def test_patient_sort_orders_page_without_overlap(fhir, make_patient):
    cy = make_patient(first_name="Cy", last_name="Adams", dob="1980-01-01")
    bo = make_patient(first_name="Bo", last_name="Baker", dob="1970-05-05")
    al = make_patient(first_name="Al", last_name="Clark", dob="1970-05-05")
    di = make_patient(first_name="Di", last_name="Drew", dob="1990-09-09")

    def pages(query: str) -> list[str]:
        url, seen = f"/fhir/Patient?{query}&_count=1", []
        while url:
            bundle = search(fhir, url)
            seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
            url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
            url = url and url[url.index("/fhir/") :]
        return seen

    def ids(*patients) -> list[str]:
        return [str(p.public_id) for p in patients]

    assert pages("_sort=family") == ids(cy, bo, al, di)
    assert pages("_sort=given") == ids(al, bo, cy, di)
    assert pages("_sort=-given") == ids(di, cy, bo, al)
    born_1970 = pages("_sort=birthdate")[:2]  # the same birthdate: either first, never twice
    assert sorted(born_1970) == sorted(ids(bo, al))
    assert pages("_sort=birthdate")[2:] == ids(cy, di)
    assert pages("_sort=-birthdate")[:2] == ids(di, cy)
    assert pages("_sort=-_lastUpdated") == ids(di, al, bo, cy)  # newest registration first


def test_search_is_audited_once_for_patient_data(fhir, patient):
    before = AuditEvent.objects.count()

    search(fhir, "/fhir/Patient?family=smith")

    rows = list(AuditEvent.objects.filter(id__gt=before))
    assert [(r.action, r.category, r.object_type) for r in rows] == [
        ("query", "demographics", "fhir.Patient")
    ]
    assert "Smith" not in rows[0].detail
    assert "smith" not in rows[0].detail


def test_reading_a_patient_is_audited_like_the_api(fhir, patient):
    before = AuditEvent.objects.count()

    read(fhir, "Patient", str(patient.public_id))

    rows = list(AuditEvent.objects.filter(id__gt=before))
    assert [(r.action, r.patient_id) for r in rows] == [("read", str(patient.public_id))]


def test_appointment_search_by_date_patient_practitioner_status(
    fhir, office, patients, book, provider, second_provider
):
    first, second = patients(2)
    tuesday = next_weekday_at(9)
    early = book(first, tuesday)
    late = book(second, tuesday + timedelta(days=2, hours=1), provider_=second_provider)

    def ids(query: str) -> set[str]:
        bundle = search(fhir, f"/fhir/Appointment?{query}")
        return {e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"}

    day = tuesday.date().isoformat()
    assert ids(f"date={day}") == {str(early.public_id)}
    assert ids(f"date=gt{day}") == {str(late.public_id)}
    assert ids(f"date=ge{day}") == {str(early.public_id), str(late.public_id)}
    assert ids(f"patient=Patient/{second.public_id}") == {str(late.public_id)}
    assert ids(f"practitioner={provider.public_id}") == {str(early.public_id)}
    assert ids("status=booked") == {str(early.public_id), str(late.public_id)}
    assert ids("status=cancelled") == set()
    bundle = search(fhir, "/fhir/Appointment?_sort=-date&_include=Appointment:patient")
    matches = [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert matches == [str(late.public_id), str(early.public_id)]
    included = {e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "include"}
    assert included == {str(first.public_id), str(second.public_id)}


def test_revinclude_brings_a_patients_coverage_and_appointments(fhir, scheduled, patient):
    bundle = search(
        fhir,
        f"/fhir/Patient?_id={patient.public_id}&_revinclude=Coverage:beneficiary"
        "&_revinclude=Appointment:patient",
    )

    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds == ["Appointment", "Coverage", "Patient"]


def test_slot_search_offers_the_finders_free_times(fhir, office, visit_type, provider, location):
    from medoffice.interop.fhir.resources.schedule import schedule_id
    from medoffice.scheduling.selectors import Preferences, find_slots

    schedule = schedule_id(provider, location)
    expected = find_slots(
        appointment_type=visit_type, limit=3, prefs=Preferences(provider_ids=(provider.pk,))
    )

    bundle = search(
        fhir, f"/fhir/Slot?schedule=Schedule/{schedule}&status=free&_count=3&_include=Slot:schedule"
    )

    slots = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts == [s.starts_at for s in expected]
    assert all(s["schedule"]["reference"] == f"Schedule/{schedule}" for s in slots)
    assert any(link["relation"] == "next" for link in bundle["link"])
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert [r["id"] for r in included] == [schedule]
    later = expected[-1].starts_at.isoformat().replace("+", "%2B")
    after = search(fhir, f"/fhir/Slot?schedule={schedule}&start=gt{later}&_count=1")
    next_start = datetime.fromisoformat(after["entry"][0]["resource"]["start"])
    assert next_start > expected[-1].starts_at
    assert search(fhir, f"/fhir/Slot?schedule={schedule}&status=busy")["entry"] == []


def test_organization_is_the_practice_and_its_payers(fhir, practice, payer):
    bundle = search(fhir, "/fhir/Organization?type=pay")
    assert [e["resource"]["name"] for e in bundle["entry"]] == ["Aetna"]
    mine = search(fhir, f"/fhir/Organization?identifier={NPI_SYSTEM}|{practice.group_npi}")
    assert [e["resource"]["id"] for e in mine["entry"]] == [str(practice.public_id)]


def test_another_practices_rows_are_not_found(fhir_for, outsider, scheduled, patient, provider):
    other = fhir_for(outsider)

    for kind, resource_id in (
        ("Patient", patient.public_id),
        ("Appointment", scheduled.public_id),
        ("Practitioner", provider.public_id),
        ("Location", scheduled.location.public_id),
    ):
        response = other.get(f"/fhir/{kind}/{resource_id}")
        assert response.status_code == 404, kind
        assert valid(response.json())["resourceType"] == "OperationOutcome"
    bundle = search(other, "/fhir/Patient?family=smith")
    assert bundle["total"] == 0
