"""Held inbound messages: a records clerk files them by hand or rejects them, audited."""

import pytest

from medoffice.clinical.models import Result
from medoffice.core.models import AuditEvent
from medoffice.interop.inbound import inbound_receive
from medoffice.interop.models import ExternalIdentifier, InboundMessage, InboundStatus
from medoffice.interop.selectors import outbound_message_list_for_log
from tests.interop.mllp_client import sample


@pytest.fixture
def held(practice, location):
    inbound_receive(practice=practice, data=sample("oru_r01.hl7").encode(), peer="127.0.0.1:1")
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.REVIEW
    return message


def test_an_unmatched_result_is_listed_with_its_reason(held, records_clerk, client_for):
    page = client_for(records_clerk).get("/interfaces/review/")

    assert page.status_code == 200
    assert "unknown patient: no record with L555 (QUESTLAB)" in page.content.decode()


def test_a_clerk_files_it_to_the_patient_by_mrn_and_the_lab_id_is_remembered(
    held, make_patient, provider, records_clerk, client_for
):
    patient = make_patient(first_name="Grace", last_name="Okafour", dob="1975-03-13")

    answer = client_for(records_clerk).post(
        f"/interfaces/review/{held.public_id}/match/", {"mrn": patient.mrn}
    )

    assert answer.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.patient, held.reviewed_by) == (
        InboundStatus.RESOLVED, patient, records_clerk,
    )  # fmt: skip
    assert Result.objects.filter(patient=patient).count() == 2
    assert ExternalIdentifier.objects.get(authority="QUESTLAB").patient == patient
    assert AuditEvent.objects.filter(
        object_id=str(held.public_id), detail__contains="matched by hand"
    ).exists()
    # The next result from the lab finds the patient by itself.
    again = sample("oru_r01.hl7", **{"ORU-0001": "ORU-0002"})
    ack = inbound_receive(practice=patient.practice, data=again.encode(), peer="127.0.0.1:1")
    assert "MSA|AA|ORU-0002" in ack
    assert Result.objects.filter(patient=patient).count() == 4


def test_an_unknown_mrn_is_refused_with_422_and_nothing_filed(held, records_clerk, client_for):
    answer = client_for(records_clerk).post(
        f"/interfaces/review/{held.public_id}/match/", {"mrn": "NOPE-1"}
    )

    assert answer.status_code == 422
    assert "No current patient has MRN NOPE-1" in answer.content.decode()
    held.refresh_from_db()
    assert held.status == InboundStatus.REVIEW


def test_a_clerk_rejects_it_with_a_reason(held, records_clerk, client_for):
    client = client_for(records_clerk)
    assert (
        client.post(f"/interfaces/review/{held.public_id}/reject/", {"reason": ""}).status_code
        == 422
    )

    answer = client.post(
        f"/interfaces/review/{held.public_id}/reject/", {"reason": "Sent to us by mistake"}
    )

    assert answer.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.review_note) == (InboundStatus.DISMISSED, "Sent to us by mistake")
    assert not Result.objects.exists()


def test_the_message_log_shows_the_message_with_its_ack(held, make_user, client_for):
    manager = make_user("office_manager")
    client = client_for(manager)

    log = client.get("/interfaces/messages/?status=review&type=ORU").content.decode()
    detail = client.get(f"/interfaces/messages/{held.public_id}/").content.decode()

    assert "ORU-0001" in log
    assert "MSA|AE|ORU-0001" in detail
    assert outbound_message_list_for_log(practice_id=held.practice_id, message_type="ORU") == []


def test_another_practice_cannot_see_the_message(held, outsider, client_for):
    assert client_for(outsider).get(f"/interfaces/messages/{held.public_id}/").status_code in (
        403, 404,
    )  # fmt: skip


def test_a_held_registration_is_linked_to_the_existing_patient_or_registered_as_new(
    practice, location, make_patient, records_clerk, client_for
):
    from medoffice.patients.models import Patient

    existing = make_patient(first_name="Grace", last_name="Okafor", dob="1975-03-12")
    for control_id in ("A04-0001", "A04-0002"):
        text = sample("adt_a04.hl7", **{"A04-0001": control_id, "H1001": f"H-{control_id}"})
        inbound_receive(practice=practice, data=text.encode(), peer="127.0.0.1:1")
    first, second = InboundMessage.objects.order_by("id")
    assert {first.status, second.status} == {InboundStatus.REVIEW}
    client = client_for(records_clerk)

    client.post(f"/interfaces/review/{first.public_id}/match/", {"mrn": existing.mrn})
    client.post(f"/interfaces/review/{second.public_id}/match/", {"new": "1"})

    assert ExternalIdentifier.objects.get(value="H-A04-0001").patient == existing
    newcomer = ExternalIdentifier.objects.get(value="H-A04-0002").patient
    assert newcomer != existing
    assert Patient.objects.filter(last_name="Okafor").count() == 2
    second.refresh_from_db()
    assert (second.status, second.patient) == (InboundStatus.RESOLVED, newcomer)
