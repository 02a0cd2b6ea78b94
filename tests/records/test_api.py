"""The records REST API (documents, communications, release of information, disclosures,
referrals) answers with the same role checks, audit and refusals as the screens."""

from datetime import date

import pytest
from django.urls import reverse

from medoffice.core.models import AuditEvent, AuditOutcome
from medoffice.core.roles import Role
from medoffice.records.models import Communication, Disclosure, Document, FaxOutboxItem
from tests.records.conftest import pdf_bytes, stored_files, stored_since, upload


def _json(client, url, data):
    return client.post(url, data=data, content_type="application/json")


@pytest.fixture
def clinician_provider(provider, clinician):
    """The clinician is the patient's provider (and the one clinical questions go to)."""
    provider.user = clinician
    provider.save(update_fields=["user"])
    return provider


# Documents ----------------------------------------------------------------------------------


def _file(client, patient, data, *, name="scan.pdf", category="lab"):
    return client.post(
        reverse("api:patient-document-list", args=[patient.public_id]),
        {"file": upload(name, data), "category": category, "title": "Lipid panel",
         "document_date": "2026-11-02"},
    )  # fmt: skip


def test_a_document_is_filed_by_content_and_forged_or_oversized_ones_store_nothing(
    patient, records_clerk, client_for, settings
):
    client = client_for(records_clerk)

    filed = _file(client, patient, pdf_bytes("LDL 96 mg/dL"))
    assert filed.status_code == 201
    assert (filed.json()["kind"], filed.json()["has_text"]) == ("pdf", True)
    before = stored_files()

    forged_bytes = b"<html><body>not a pdf</body></html>"
    big_bytes = pdf_bytes(*[f"page {n}" for n in range(40)])
    forged = _file(client, patient, forged_bytes)
    settings.MEDOFFICE_MAX_UPLOAD_BYTES = 2000
    big = _file(client, patient, big_bytes)

    for response in (forged, big):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert "file" in response.json()["errors"]
    assert "larger than" in " ".join(big.json()["errors"]["file"])
    assert Document.objects.count() == 1
    assert stored_since(before, forged_bytes, big_bytes) == []


def test_clinical_documents_are_neither_listed_nor_served_to_the_front_desk(
    patient, records_clerk, front_desk, clinician, client_for
):
    lab = _file(client_for(records_clerk), patient, pdf_bytes("Potassium 4.1")).json()
    card = _file(client_for(records_clerk), patient, pdf_bytes("Member card"),
                 category="insurance").json()  # fmt: skip
    desk = client_for(front_desk)

    listed = desk.get(reverse("api:patient-document-list", args=[patient.public_id])).json()
    refused = desk.get(reverse("api:document-file", args=[lab["id"]]))
    filing = _file(desk, patient, pdf_bytes("Outside labs"), category="lab")

    assert [d["id"] for d in listed] == [card["id"]]
    assert refused.status_code == 403
    assert filing.status_code == 403
    denied = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, username=front_desk.username)
    assert denied.exists()
    served = client_for(clinician).get(reverse("api:document-file", args=[lab["id"]]))
    assert served.status_code == 200
    assert served.content.startswith(b"%PDF-")
    assert served["Content-Security-Policy"] == "sandbox"


# Communications -----------------------------------------------------------------------------


def test_a_clinical_question_logged_by_the_assistant_is_answered_only_by_a_clinician(
    make_patient, clinician_provider, clinician, make_user, front_desk, client_for
):
    patient = make_patient(primary_care_provider=clinician_provider)
    assistant = client_for(make_user(Role.MEDICAL_ASSISTANT))
    logged = _json(assistant, reverse("api:patient-communication-list", args=[patient.public_id]),
                   {"channel": "phone", "direction": "in", "party": "Patient",
                    "topic": "clinical", "subject": "Dizzy on new pills",
                    "summary": "Dizzy since starting lisinopril.",
                    "follow_up": "Call back with the answer",
                    "follow_up_owner": front_desk.username,
                    "follow_up_due": "2026-11-25"})  # fmt: skip
    assert logged.status_code == 201
    entry = logged.json()
    assert entry["routed_to"] == clinician_provider.npi
    answer_url = reverse("api:communication-answer", args=[entry["id"]])

    by_desk = _json(client_for(front_desk), answer_url, {"answer": "Stop the pills."})
    by_doctor = _json(client_for(clinician), answer_url, {"answer": "Hold lisinopril; BP check."})

    assert by_desk.status_code == 403
    assert by_doctor.status_code == 200
    assert Communication.objects.get().answer == "Hold lisinopril; BP check."


def test_a_biller_reads_the_log_but_cannot_answer(patient, biller, client_for):
    client = client_for(biller)
    url = reverse("api:patient-communication-list", args=[patient.public_id])

    assert client.get(url).status_code == 200
    bad = _json(client, url, {"channel": "pigeon", "direction": "in", "party": "X",
                              "topic": "billing", "subject": "S", "summary": "S"})  # fmt: skip
    assert bad.status_code == 400
    assert "channel" in bad.json()["errors"]


# Release of information ---------------------------------------------------------------------


def _roi(client, patient, **changes):
    return _json(client, reverse("api:patient-roi-list", args=[patient.public_id]), {
        "requester_kind": "attorney", "requester_name": "Dana Brooks",
        "requester_organization": "Brooks & Hale LLP", "purpose": "Personal injury claim",
        "basis": "authorization", "received_on": "2026-11-02", "sections": ["demographics"],
        "delivery_method": "mail",
    } | changes)  # fmt: skip


def test_an_attorneys_request_cannot_be_released_without_identity_and_authorisation(
    patient, records_clerk, client_for
):
    client = client_for(records_clerk)
    made = _roi(client, patient)
    assert made.status_code == 201
    roi = made.json()
    assert roi["due_on"] == "2026-12-02"

    refused = client.post(reverse("api:roi-release", args=[roi["id"]]))

    assert refused.status_code == 409
    reasons = " ".join(refused.json()["reasons"]).lower()
    assert "identity" in reasons
    assert "authori" in reasons
    assert Disclosure.objects.count() == 0


def test_a_providers_request_for_treatment_is_released_and_disclosed_through_the_api(
    patient, records_clerk, client_for
):
    client = client_for(records_clerk)
    roi = _roi(client, patient, requester_kind="provider", requester_name="Dr. Hill",
               basis="treatment", purpose="Continuity of care",
               requester_fax="217-555-0123", delivery_method="fax").json()  # fmt: skip

    checked = _json(client, reverse("api:roi-identity", args=[roi["id"]]),
                    {"method": "callback", "detail": "Called back the clinic's listed number",
                     "passed": True})  # fmt: skip
    prepared = client.post(reverse("api:roi-prepare", args=[roi["id"]]))
    released = client.post(reverse("api:roi-release", args=[roi["id"]]))

    assert checked.status_code == 201
    assert checked.json()["checks"][0]["checked_by"] == records_clerk.username
    assert prepared.json()["packet_pages"] >= 2  # the cover sheet and the demographics
    assert released.status_code == 201
    assert released.json()["basis"] == "treatment"
    assert FaxOutboxItem.objects.count() == 1
    listed = client.get(reverse("api:patient-disclosure-list", args=[patient.public_id])).json()
    assert [d["id"] for d in listed] == [released.json()["id"]]


@pytest.mark.parametrize(
    ("role", "list_status", "create_status"),
    [(Role.FRONT_DESK, 403, 403), (Role.CLINICIAN, 403, 403), (Role.BILLER, 403, 403),
     (Role.PRIVACY_OFFICER, 200, 403), (Role.RECORDS, 200, 201)],
)  # fmt: skip
def test_only_records_staff_work_requests_and_the_privacy_officer_reads_them(
    patient, make_user, client_for, role, list_status, create_status
):
    client = client_for(make_user(role))

    listed = client.get(reverse("api:patient-roi-list", args=[patient.public_id]))
    made = _roi(client, patient)

    assert (listed.status_code, made.status_code) == (list_status, create_status)


# Referrals ----------------------------------------------------------------------------------


def test_a_referral_out_with_its_authorisation_is_sent_once(
    patient, clinician_provider, clinician, biller, client_for
):
    client = client_for(clinician)
    made = _json(client, reverse("api:patient-referral-list", args=[patient.public_id]),
                 {"direction": "out", "provider": clinician_provider.npi,
                  "other_name": "Valley Cardiology", "other_fax": "217-555-0177",
                  "reason": "Palpitations", "diagnoses": ["R00.2"], "urgency": "urgent",
                  "authorization_number": "PA-7781", "authorized_visits": 2,
                  "authorization_expires_on": str(date(2027, 3, 1))})  # fmt: skip
    assert made.status_code == 201
    referral = made.json()
    assert (referral["authorization_number"], referral["authorized_visits"]) == ("PA-7781", 2)
    status_url = reverse("api:referral-status", args=[referral["id"]])

    sent = _json(client, status_url, {"status": "sent"})
    again = _json(client, status_url, {"status": "sent"})
    by_biller = _json(client_for(biller), status_url, {"status": "cancelled"})
    biller_reads = client_for(biller).get(reverse("api:referral-detail", args=[referral["id"]]))

    assert sent.json()["status"] == "sent"
    assert again.status_code == 409
    assert by_biller.status_code == 403
    assert biller_reads.json()["authorization_number"] == "PA-7781"
    assert FaxOutboxItem.objects.count() == 1
    assert Disclosure.objects.get().referral.public_id.hex == referral["id"].replace("-", "")


def test_a_referral_in_without_the_referring_npi_is_a_400(patient, front_desk, client_for):
    response = _json(
        client_for(front_desk), reverse("api:patient-referral-list", args=[patient.public_id]),
        {"direction": "in", "other_name": "Dr. Ortiz", "reason": "Diabetes"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "other_npi" in response.json()["errors"]
