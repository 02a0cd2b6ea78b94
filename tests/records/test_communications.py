"""The communications log: every contact on the chart; clinical questions go to a clinician."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Provider
from medoffice.records import selectors, services
from medoffice.records.models import Communication, FaxOutboxItem


def _call(patient, user, **changes):
    fields = {
        "channel": "phone", "direction": "in", "party": "Patient's daughter",
        "party_contact": "(217) 555-0101", "topic": "clinical",
        "subject": "Rash after antibiotic", "summary": "Rash on arms since yesterday.",
    } | changes  # fmt: skip
    return services.communication_log(patient=patient, fields=fields, handled_by=user)


def test_a_clinical_question_goes_to_the_primary_care_providers_inbox(
    make_patient, provider, front_desk
):
    patient = make_patient(primary_care_provider=provider)

    entry = _call(patient, front_desk)

    assert entry.routed_to == provider
    assert selectors.clinical_inbox(provider=provider) == [entry]
    assert entry.is_open_question


def test_a_clinical_question_without_a_clinician_to_route_to_is_refused(patient, front_desk):
    with pytest.raises(ValidationError) as caught:
        _call(patient, front_desk)

    assert "routed_to" in caught.value.message_dict
    assert Communication.objects.count() == 0


def test_a_question_can_go_to_another_clinician(make_patient, provider, practice, front_desk):
    other = Provider.objects.create(
        practice=practice, first_name="Ben", last_name="Okafor", specialty="Cardiology",
        npi=npi_from_stem("177777777"),
    )  # fmt: skip
    patient = make_patient(primary_care_provider=provider)

    entry = _call(patient, front_desk, routed_to=other)

    assert selectors.clinical_inbox(provider=other) == [entry]
    assert selectors.clinical_inbox(provider=provider) == []


def test_the_answer_closes_the_question(make_patient, provider, clinician):
    patient = make_patient(primary_care_provider=provider)
    entry = _call(patient, clinician)

    services.communication_answer(
        communication=entry, answer="Stop it; come in.", answered_by=clinician
    )

    assert selectors.clinical_inbox(provider=provider) == []
    with pytest.raises(ValidationError, match="answered already"):
        services.communication_answer(communication=entry, answer="Again", answered_by=clinician)


def test_the_front_desk_cannot_answer_a_clinical_question(
    make_patient, provider, front_desk, client_for
):
    patient = make_patient(primary_care_provider=provider)
    entry = _call(patient, front_desk)

    response = client_for(front_desk).post(
        f"/records/communications/{entry.public_id}/answer/", {"answer": "Take an antihistamine"}
    )

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.answer == ""


def test_administrative_calls_are_not_routed(make_patient, provider, front_desk):
    patient = make_patient(primary_care_provider=provider)

    entry = _call(patient, front_desk, topic="administrative", routed_to=provider)

    assert entry.routed_to is None


def test_a_follow_up_needs_an_owner_and_a_due_date(patient, front_desk):
    with pytest.raises(ValidationError, match="owner and a due date"):
        _call(patient, front_desk, topic="billing", follow_up="Call back")


def test_follow_ups_show_in_their_owners_list_until_done(patient, front_desk, biller):
    entry = _call(
        patient, front_desk, topic="billing", follow_up="Send itemised bill",
        follow_up_owner=biller, follow_up_due=date(2026, 12, 1),
    )  # fmt: skip

    assert selectors.follow_ups_for(user=biller) == [entry]
    services.communication_follow_up_done(communication=entry)
    assert selectors.follow_ups_for(user=biller) == []


def test_a_follow_up_owner_of_another_practice_is_refused(patient, make_user, other_practice):
    stranger = make_user("biller", practice_=other_practice)

    with pytest.raises(ValidationError) as caught:
        _call(
            patient, None, topic="billing", follow_up="Call", follow_up_owner=stranger,
            follow_up_due=date(2026, 12, 1),
        )  # fmt: skip
    assert "follow_up_owner" in caught.value.message_dict


def test_an_email_goes_through_djangos_backend_with_the_document_attached(
    patient, file_document, front_desk
):
    document = file_document(category="correspondence", title="School form")

    entry = services.communication_send(
        patient=patient, channel="email", to="parent@example.org", party="Parent",
        subject="Your form", body="Attached.", documents=[document], sent_by=front_desk,
    )  # fmt: skip

    assert entry.delivery_status == "sent"
    assert entry.direction == "out"
    assert list(entry.documents.all()) == [document]
    (message,) = mail.outbox
    assert message.to == ["parent@example.org"]
    assert message.attachments[0][2] == "application/pdf"


def test_a_fax_goes_to_the_outbox_gateway(patient, file_document, front_desk):
    document = file_document(category="correspondence", title="Work note")

    entry = services.communication_send(
        patient=patient, channel="fax", to="217-555-0188", party="Employer",
        subject="Work note", body="", documents=[document], sent_by=front_desk,
    )  # fmt: skip

    fax = FaxOutboxItem.objects.get()
    assert fax.to_number == "+12175550188"
    assert fax.pages == document.pages
    assert entry.delivery_status == "queued"


def test_a_pluggable_fax_gateway_is_named_in_settings(patient, file_document, settings):
    settings.MEDOFFICE_FAX_BACKEND = "tests.records.fax_gateway.RecordingGateway"
    from tests.records.fax_gateway import RecordingGateway

    document = file_document(category="correspondence", title="Note")
    entry = services.communication_send(
        patient=patient, channel="fax", to="2175550188", party="Employer", subject="Note",
        body="", documents=[document],
    )  # fmt: skip

    assert RecordingGateway.sent[-1][0] == "+12175550188"
    assert entry.delivery_status == "sent"
    assert FaxOutboxItem.objects.count() == 0


def test_a_bad_address_is_refused_before_anything_is_logged(patient, front_desk):
    with pytest.raises(ValidationError) as caught:
        services.communication_send(
            patient=patient, channel="email", to="not-an-address", party="X", subject="S",
            body="B",
        )  # fmt: skip

    assert "to" in caught.value.message_dict
    assert Communication.objects.count() == 0
