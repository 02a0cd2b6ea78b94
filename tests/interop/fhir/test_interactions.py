"""Create, update, vread, paging and every refusal: each answer an OperationOutcome with
the right status (never an HTML page, never a 500)."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from medoffice.core.models import AuditEvent
from medoffice.core.roles import Role
from medoffice.core.testing import force_login_verified
from medoffice.patients.models import Patient
from medoffice.records.fhir_export import mrn_system
from medoffice.scheduling.models import Appointment
from tests.interop.fhir.conftest import FHIR_JSON, valid
from tests.scheduling.conftest import next_weekday_at

NEW_PATIENT = {
    "resourceType": "Patient",
    "name": [{"use": "official", "family": "Quill", "given": ["Petra", "Jo"]}],
    "gender": "female",
    "birthDate": "1987-05-06",
    "telecom": [{"system": "phone", "value": "(312) 555-0110", "use": "mobile"},
                {"system": "email", "value": "petra@example.com"}],
    "address": [{"use": "home", "line": ["5 Elm St"], "city": "Springfield", "state": "IL",
                 "postalCode": "62704"}],
}  # fmt: skip


def outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body


def test_create_registers_the_patient_through_the_registration_service(fhir):
    before = AuditEvent.objects.count()

    response = fhir.post("/fhir/Patient", NEW_PATIENT)

    assert response.status_code == 201, response.content
    created = valid(response.json())
    patient = Patient.objects.get(public_id=created["id"])
    assert (patient.last_name, patient.first_name, patient.middle_name) == ("Quill", "Petra", "Jo")
    assert patient.mobile_phone == "+13125550110"
    assert patient.mrn  # the next MRN, as on the registration page
    assert created["identifier"][0]["value"] == patient.mrn
    assert response["Location"].endswith(
        f"/fhir/Patient/{patient.public_id}/_history/{created['meta']['versionId']}"
    )
    assert response["ETag"] == f'W/"{created["meta"]["versionId"]}"'
    assert ("create", str(patient.public_id)) in [
        (e.action, e.patient_id) for e in AuditEvent.objects.filter(id__gt=before)
    ]


def test_create_of_someone_already_registered_is_a_conflict(fhir, make_patient):
    make_patient(first_name="Petra", last_name="Quill", dob="1987-05-06")

    body = outcome(fhir.post("/fhir/Patient", NEW_PATIENT), 409)

    assert body["issue"][0]["code"] == "duplicate"
    assert Patient.objects.filter(last_name="Quill").count() == 1


def test_bad_bodies_are_refused_with_the_reason(fhir):
    assert outcome(fhir.post("/fhir/Patient", "{not json"), 400)["issue"][0]["code"] == "invalid"
    outcome(fhir.post("/fhir/Patient", {"resourceType": "Practitioner"}), 400)
    invalid = outcome(fhir.post("/fhir/Patient", NEW_PATIENT | {"birthDate": "May 6"}), 400)
    assert "birthDate" in json.dumps(invalid)
    homeless = outcome(fhir.post("/fhir/Patient", NEW_PATIENT | {"address": []}), 422)
    assert {tuple(i.get("expression", ())) for i in homeless["issue"]} >= {("address1",)}
    foreign_mrn = NEW_PATIENT | {"identifier": [{
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                             "code": "MR"}]},
        "system": "http://elsewhere.example/mrn", "value": "X1"}]}  # fmt: skip
    outcome(fhir.post("/fhir/Patient", foreign_mrn), 422)
    response = fhir.client.post(
        "/fhir/Patient", "<Patient/>", content_type="application/xml", **fhir.auth
    )
    outcome(response, 415)
    assert Patient.objects.count() == 0


def test_update_needs_the_current_version_when_if_match_is_given(fhir, patient):
    url = f"/fhir/Patient/{patient.public_id}"
    current = fhir.get(url)
    resource = current.json()
    resource["name"][0]["given"] = ["Jonathan"]

    stale = fhir.put(url, resource, HTTP_IF_MATCH='W/"12345"')
    outcome(stale, 412)
    assert Patient.objects.get(pk=patient.pk).first_name == "John"

    updated = fhir.put(url, resource, HTTP_IF_MATCH=current["ETag"])
    assert updated.status_code == 200, updated.content
    assert valid(updated.json())["name"][0]["given"] == ["Jonathan"]
    assert updated["ETag"] != current["ETag"]
    outcome(fhir.put(url, resource, HTTP_IF_MATCH=current["ETag"]), 412)  # now stale
    assert Patient.objects.get(pk=patient.pk).first_name == "Jonathan"


def test_update_refuses_an_id_that_is_not_the_urls(fhir, patient, make_patient):
    other = make_patient(first_name="Zed", last_name="Other", dob="1970-01-01")
    resource = fhir.get(f"/fhir/Patient/{patient.public_id}").json()

    outcome(fhir.put(f"/fhir/Patient/{other.public_id}", resource), 400)


def test_vread_answers_the_current_version_only(fhir, patient):
    current = fhir.get(f"/fhir/Patient/{patient.public_id}").json()["meta"]["versionId"]

    again = fhir.get(f"/fhir/Patient/{patient.public_id}/_history/{current}")
    assert again.status_code == 200
    assert again.json()["meta"]["versionId"] == current
    outcome(fhir.get(f"/fhir/Patient/{patient.public_id}/_history/1"), 404)


def test_refusals_are_operation_outcomes(fhir, patient, client):
    outcome(fhir.get("/fhir/Spaceship"), 404)
    outcome(fhir.get("/fhir/Spaceship/1"), 404)
    outcome(fhir.get("/fhir/Patient/not-a-uuid"), 404)
    outcome(fhir.get("/fhir/Patient/00000000-0000-0000-0000-000000000000"), 404)
    deleted = outcome(fhir.delete(f"/fhir/Patient/{patient.public_id}"), 405)
    assert deleted["issue"][0]["code"] == "not-supported"
    assert fhir.delete(f"/fhir/Patient/{patient.public_id}")["Allow"] == "GET, PUT"
    outcome(fhir.post("/fhir/Practitioner", {"resourceType": "Practitioner"}), 405)
    outcome(fhir.get("/fhir/Patient?_format=xml"), 406)
    outcome(fhir.get("/fhir/Patient", HTTP_ACCEPT="application/xml"), 406)
    outcome(fhir.get("/fhir/Patient?_count=many"), 400)
    outcome(fhir.get("/fhir/Patient?birthdate=yesterday"), 400)
    outcome(fhir.get("/fhir/Patient?_sort=ssn"), 400)
    outcome(fhir.get("/fhir/Patient?family:fuzzy=x"), 400)
    anonymous = outcome(client.get("/fhir/Patient"), 401)
    assert anonymous["issue"][0]["code"] == "login"
    outcome(client.get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer mo_wrong"), 401)


def test_a_role_without_the_permission_is_refused_and_audited(fhir_for, make_user, patient):
    administrator = fhir_for(make_user(Role.ADMINISTRATOR))
    before = AuditEvent.objects.count()

    outcome(administrator.get("/fhir/Patient"), 403)
    outcome(administrator.get(f"/fhir/Patient/{patient.public_id}"), 403)

    denied = AuditEvent.objects.filter(id__gt=before, outcome="denied")
    assert denied.count() == 2


def test_unknown_parameters_are_ignored_unless_strict_handling_is_asked(fhir, patient):
    lenient = fhir.get("/fhir/Patient?family=smith&shoe-size=9")
    assert lenient.status_code == 200
    entries = lenient.json()["entry"]
    assert [e["search"]["mode"] for e in entries] == ["match", "outcome"]
    assert "shoe-size" in entries[-1]["resource"]["issue"][0]["diagnostics"]
    assert "shoe-size" not in lenient.json()["link"][0]["url"]

    strict = fhir.get("/fhir/Patient?family=smith&shoe-size=9", HTTP_PREFER="handling=strict")
    assert "shoe-size" in outcome(strict, 400)["issue"][0]["diagnostics"]


def test_pages_follow_next_links_without_overlap(fhir, make_patient):
    made = {
        str(make_patient(first_name=f"P{n}", last_name="Pager", dob=f"19{50 + n}-01-01",
                         mobile_phone="").public_id)
        for n in range(7)
    }  # fmt: skip
    seen: list[str] = []
    url = "/fhir/Patient?family=pager&_count=3&_total=accurate"
    pages = 0
    while url:
        bundle = fhir.get(url).json()
        assert bundle["total"] == 7
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        pages += 1
        if pages > 1:
            assert "previous" in links
        url = links.get("next")
        url = url and f"{urlsplit(url).path}?{urlsplit(url).query}"
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == made


def test_post_search_answers_like_get(fhir, patient):
    by_post = fhir.post_form("/fhir/Patient/_search", {"family": "smith"})
    assert by_post.status_code == 200
    assert [e["resource"]["id"] for e in by_post.json()["entry"]] == [str(patient.public_id)]


def test_a_session_write_needs_the_csrf_token(front_desk):
    browser = Client(enforce_csrf_checks=True)
    force_login_verified(browser, front_desk)

    response = browser.post("/fhir/Patient", json.dumps(NEW_PATIENT), content_type=FHIR_JSON)

    outcome(response, 403)
    assert browser.get("/fhir/Patient").status_code == 200
    assert Patient.objects.count() == 0


def test_identifier_uses_the_practices_mrn_system(fhir, patient):
    system = mrn_system(patient.practice)

    bundle = fhir.get(f"/fhir/Patient?identifier={system}|{patient.mrn}").json()

    assert bundle["entry"][0]["resource"]["identifier"][0]["system"] == system


# --- booking through FHIR: the scheduling service and its guarantees ---


@pytest.fixture
def slot_id(fhir, office, visit_type, provider, location) -> str:
    from medoffice.interop.fhir.resources.schedule import schedule_id

    schedule = schedule_id(provider, location)
    bundle = fhir.get(f"/fhir/Slot?schedule={schedule}&status=free&_count=1").json()
    return bundle["entry"][0]["resource"]["id"]


def booking(patient, slot: str) -> dict:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{slot}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient.public_id}"},
                         "status": "accepted"}],
    }  # fmt: skip


def test_two_bookings_of_one_slot_get_one_201_and_one_409(fhir, slot_id, patients):
    first, second = patients(2)

    won = fhir.post("/fhir/Appointment", booking(first, slot_id))
    lost = fhir.post("/fhir/Appointment", booking(second, slot_id))

    assert won.status_code == 201, won.content
    assert valid(won.json())["status"] == "booked"
    assert outcome(lost, 409)["issue"][0]["code"] == "conflict"
    assert Appointment.objects.count() == 1
    slot = fhir.get(f"/fhir/Slot/{slot_id}").json()
    assert slot["status"] == "busy"


def test_booking_by_start_practitioner_location_and_type(
    fhir, office, visit_type, provider, location, patient
):
    starts = next_weekday_at(10)
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "start": starts.isoformat(),
        "end": starts.isoformat(),
        "serviceType": [{"coding": [{"system": "urn:medoffice:appointment-type",
                                     "code": str(visit_type.public_id)}]}],
        "participant": [
            {"actor": {"reference": f"Patient/{patient.public_id}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{provider.public_id}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{location.public_id}"}, "status": "accepted"},
        ],
    }  # fmt: skip

    response = fhir.post("/fhir/Appointment", body)

    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(public_id=response.json()["id"])
    assert (appointment.starts_at, appointment.provider) == (starts, provider)
    late = body | {"start": next_weekday_at(15).isoformat()}  # outside the mornings
    assert outcome(fhir.post("/fhir/Appointment", late), 422)["issue"][0]["code"] == (
        "business-rule"
    )


def test_cancel_through_put_frees_the_slot(fhir, slot_id, patient):
    created = fhir.post("/fhir/Appointment", booking(patient, slot_id))
    resource = created.json()
    resource["status"] = "cancelled"
    resource["cancelationReason"] = {"text": "patient called"}

    response = fhir.put(f"/fhir/Appointment/{resource['id']}", resource,
                        HTTP_IF_MATCH=created["ETag"])  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    appointment = Appointment.objects.get(public_id=resource["id"])
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "patient called")
    assert fhir.get(f"/fhir/Slot/{slot_id}").json()["status"] == "free"
    resource["status"] = "arrived"  # check-in has its own screen (insurance, consents)
    outcome(fhir.put(f"/fhir/Appointment/{resource['id']}", resource), 422)
