"""Record transfers (out: packet and FHIR Bundle, disclosed; in: filed to the chart) and
referrals (out with the insurer's authorisation and a closed loop; in with the referring
provider kept for the claim), each with its letter PDF."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from medoffice.core.identifiers import npi_from_stem
from medoffice.records import files, services
from medoffice.records.errors import TransitionRefused
from medoffice.records.models import Disclosure, Document, FaxOutboxItem, RecordTransfer
from tests.records.conftest import image_bytes, pdf_bytes, upload

SPECIALIST_NPI = npi_from_stem("188888888")


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


# Transfers ----------------------------------------------------------------------------------


def test_records_received_are_filed_to_the_chart_one_document_per_file(patient, records_clerk):
    transfer = services.transfer_in_file(
        patient=patient, party_name="Lakeside Family Medicine", reason="New patient",
        received_on=date(2026, 11, 20),
        uploads=[upload("a.pdf", pdf_bytes("Discharge summary")),
                 upload("b.tif", image_bytes("TIFF", frames=2))],
        filed_by=records_clerk,
    )  # fmt: skip

    filed = list(Document.objects.filter(transfer=transfer).order_by("title"))
    assert (transfer.direction, transfer.status) == ("in", "filed")
    assert [(d.patient, d.source, d.kind, d.pages) for d in filed] == [
        (patient, "transfer", "pdf", 1), (patient, "transfer", "tiff", 2),
    ]  # fmt: skip
    assert filed[0].title == "Records from Lakeside Family Medicine (1 of 2)"
    assert all(d.document_date == date(2026, 11, 20) and d.thumbnail for d in filed)


def test_one_forged_file_in_a_transfer_files_none_of_it(patient, records_clerk):
    with pytest.raises(ValidationError) as caught:
        services.transfer_in_file(
            patient=patient, party_name="Lakeside", reason="New patient",
            received_on=date(2026, 11, 20),
            uploads=[upload("a.pdf", pdf_bytes("Good")), upload("b.pdf", b"<html>no</html>")],
            filed_by=records_clerk,
        )  # fmt: skip

    assert caught.value.message_dict["files"][0].startswith("File 2: ")
    assert RecordTransfer.objects.count() == 0
    assert Document.objects.count() == 0


def test_an_outgoing_transfer_sends_packet_and_valid_bundle_and_is_disclosed(
    patient, records_clerk, file_document
):
    file_document(day=date(2025, 6, 1))
    transfer = services.transfer_out_prepare(
        patient=patient,
        fields={"party_name": "Riverside Internal Medicine", "party_fax": "(217) 555-0199",
                "reason": "Patient moved", "delivery_method": "fax",
                "sections": ["demographics", "documents"]},
        prepared_by=records_clerk,
    )  # fmt: skip

    bundle = files.read_verified(transfer.bundle, transfer.bundle_sha256, what="FHIR bundle")
    parsed = Bundle.model_validate_json(bundle)
    assert parsed.type == "collection"
    kinds = {e.resource.get_resource_type() for e in parsed.entry}
    assert kinds >= {"Patient", "DocumentReference"}
    packet = files.read_verified(transfer.packet, transfer.packet_sha256)
    assert "Riverside Internal Medicine" in _text(packet)

    disclosure = services.transfer_out_send(transfer=transfer, sent_by=records_clerk)

    fax = FaxOutboxItem.objects.get()
    assert (fax.to_number, fax.pages) == ("+12175550199", transfer.packet_pages)
    assert disclosure.transfer == transfer
    assert (disclosure.basis, disclosure.recipient_name) == (
        "treatment", "Riverside Internal Medicine",
    )  # fmt: skip
    assert disclosure.description.endswith("FHIR R4 record")
    transfer.refresh_from_db()
    assert transfer.status == "sent"
    with pytest.raises(ValidationError):
        services.transfer_out_send(transfer=transfer)
    assert Disclosure.objects.count() == 1


def test_an_outgoing_transfer_needs_a_delivery_method(patient):
    with pytest.raises(ValidationError) as caught:
        services.transfer_out_prepare(
            patient=patient, fields={"party_name": "Riverside", "reason": "Moved"}
        )

    assert "delivery_method" in caught.value.message_dict
    assert RecordTransfer.objects.count() == 0


# Referrals out ------------------------------------------------------------------------------


@pytest.fixture
def referral_out(patient, provider, clinician):
    return services.referral_create(
        patient=patient, direction="out",
        fields={"provider": provider, "other_name": "Dr. Rosa Lim", "other_npi": SPECIALIST_NPI,
                "other_specialty": "Cardiology", "other_fax": "217-555-0177",
                "reason": "Exertional chest pain", "diagnoses": ["R07.9", "I10"],
                "urgency": "urgent", "authorization_number": "AUTH-55821",
                "authorized_visits": 3,
                "authorization_expires_on": date(2027, 2, 28)},
        created_by=clinician,
    )  # fmt: skip


def test_a_referral_out_keeps_the_authorisation_and_its_visit_count_on_the_letter(
    referral_out,
):
    assert referral_out.status == "draft"
    assert referral_out.diagnoses == ["R07.9", "I10"]

    text = _text(services.referral_letter(referral_out))

    assert "Exertional chest pain" in text
    assert "AUTH-55821, 3 visits, valid to 02/28/2027" in text
    assert "R07.9, I10" in text


def test_a_referral_with_a_made_up_diagnosis_is_refused(patient):
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            patient=patient, direction="out",
            fields={"other_name": "Dr. Lim", "reason": "Chest pain", "diagnoses": ["chest"]},
        )  # fmt: skip

    assert "diagnoses" in caught.value.message_dict


def test_a_referral_out_is_faxed_disclosed_and_closed_by_the_consult_note(
    referral_out, records_clerk
):
    services.referral_send(referral=referral_out, sent_by=records_clerk)

    fax = FaxOutboxItem.objects.get()
    assert fax.to_number == "+12175550177"
    disclosure = Disclosure.objects.get(referral=referral_out)
    assert (disclosure.basis, disclosure.delivery_method) == ("treatment", "fax")

    services.referral_schedule(
        referral=referral_out, scheduled_for=timezone.now() + timedelta(days=5)
    )
    services.referral_consult_received(
        referral=referral_out, upload=upload("consult.pdf", pdf_bytes("Consult: stress test")),
        document_date=date(2026, 12, 1), filed_by=records_clerk,
    )  # fmt: skip

    referral_out.refresh_from_db()
    assert referral_out.status == "consult"
    assert referral_out.consult_note.category == "consult"
    with pytest.raises(TransitionRefused):
        services.referral_set_status(referral=referral_out, status="cancelled")


# Referrals in -------------------------------------------------------------------------------


def test_a_referral_in_needs_the_referring_providers_npi(patient):
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            patient=patient, direction="in",
            fields={"other_name": "Dr. Ortiz", "reason": "Diabetes management"},
        )  # fmt: skip

    assert "other_npi" in caught.value.message_dict


def test_the_referring_provider_reaches_the_encounter_at_check_in(
    patient, provider, location, front_desk, django_capture_on_commit_callbacks
):
    from medoffice.billing.models import Encounter
    from medoffice.scheduling.front_desk import visit_check_in
    from tests.core.conftest import _appointment, _todays_appointment

    _appointment(patient, provider, location)  # the visit type and the provider's hours
    visit = _todays_appointment(patient, provider, location)
    referral = services.referral_create(
        patient=patient, direction="in",
        fields={"other_name": "Dr. Ana Ortiz", "other_npi": SPECIALIST_NPI,
                "reason": "Diabetes management", "diagnoses": ["E11.9"], "provider": provider},
    )  # fmt: skip
    services.referral_schedule(referral=referral, appointment=visit)
    letter = _text(services.referral_letter(referral))
    assert "Thank you for referring" in letter

    with django_capture_on_commit_callbacks(execute=True):
        visit_check_in(
            appointment=visit, checked_in_by=front_desk, demographics_verified=True,
            insurance_verified=True,
        )  # fmt: skip

    encounter = Encounter.objects.get(appointment=visit)
    assert (encounter.referring_provider_name, encounter.referring_provider_npi) == (
        "Dr. Ana Ortiz", SPECIALIST_NPI,
    )  # fmt: skip
    assert services.referral_set_status(referral=referral, status="seen").status == "seen"
