"""Release of information: identity, authorisation, scope, packet, disclosure, deadlines."""

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from pypdf import PdfReader

from medoffice.records import files, services
from medoffice.records.errors import ReleaseRefused
from medoffice.records.models import Disclosure, DisclosureImmutableError, FaxOutboxItem, RoiStatus
from tests.clock import CHICAGO
from tests.records.conftest import pdf_bytes, upload


def _request(patient, clerk, **changes):
    fields = {
        "requester_kind": "attorney",
        "requester_name": "Dana Brooks",
        "requester_organization": "Brooks & Hale LLP",
        "requester_address": "200 Court St, Springfield, IL 62701",
        "requester_email": "dbrooks@brookshale.example",
        "purpose": "Personal injury claim",
        "basis": "authorization",
        "received_on": date(2026, 11, 2),
        "scope_from": date(2025, 1, 1),
        "scope_to": date(2025, 12, 31),
        "sections": ["demographics", "visits", "documents"],
        "delivery_method": "mail",
    } | changes
    return services.roi_request_create(patient=patient, fields=fields, created_by=clerk)


def _verify(request, clerk, passed=True):
    return services.roi_identity_check(
        request=request, method="bar_number", detail="IL ARDC 6301234 active", passed=passed,
        checked_by=clerk,
    )  # fmt: skip


def _authorise(request, clerk, *, signed=date(2026, 10, 28), expires=date(2027, 10, 28)):
    return services.roi_authorization_attach(
        request=request, upload=upload("auth.pdf", pdf_bytes("HIPAA authorisation")),
        signed_on=signed, expires_on=expires, filed_by=clerk,
    )  # fmt: skip


@pytest.fixture
def on(freeze):
    def at(day: date, hour: int = 10):
        return freeze(datetime(day.year, day.month, day.day, hour, tzinfo=CHICAGO))

    return at


def test_a_request_is_due_in_30_days(patient, records_clerk, location):
    request = _request(patient, records_clerk)

    assert request.due_on == date(2026, 12, 2)
    assert request.status == RoiStatus.OPEN


def test_the_whole_attorney_request_ends_in_one_disclosure(
    patient, records_clerk, file_document, location, on
):
    on(date(2026, 11, 10))
    in_scope = file_document(pdf_bytes("ER visit 2025"), title="ER record", day=date(2025, 6, 1))
    file_document(pdf_bytes("Old record"), title="Old record", day=date(2019, 6, 1))
    request = _request(patient, records_clerk)
    _verify(request, records_clerk)
    _authorise(request, records_clerk)

    services.roi_prepare_packet(request=request, prepared_by=records_clerk)
    disclosure = services.roi_release(request=request, released_by=records_clerk)

    request.refresh_from_db()
    assert request.status == RoiStatus.RELEASED
    packet = files.read_verified(request.packet, request.packet_sha256)
    reader = PdfReader(BytesIO(packet))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Release of information" in text
    assert "Brooks & Hale LLP" in text
    assert "ER visit 2025" in text  # the document in scope is appended
    assert "Old record" not in text  # outside the dates asked for: minimum necessary
    assert "HIPAA authorisation" not in text  # the request's own papers never go out
    assert len(reader.pages) == request.packet_pages
    assert disclosure.recipient_name == "Dana Brooks, Brooks & Hale LLP"
    assert disclosure.purpose == "Personal injury claim"
    assert disclosure.basis == "authorization"
    assert disclosure.packet_sha256 == request.packet_sha256
    assert "01/01/2025 to 12/31/2025" in disclosure.description
    assert not disclosure.late
    assert in_scope.title in [d.title for d in patient.documents.all()]


def test_release_is_refused_without_verified_identity(patient, records_clerk, location):
    request = _request(patient, records_clerk)
    _authorise(request, records_clerk)
    services.roi_prepare_packet(request=request)

    with pytest.raises(ReleaseRefused) as caught:
        services.roi_release(request=request)

    assert "identity has not been verified" in str(caught.value)
    assert Disclosure.objects.count() == 0


def test_release_is_refused_after_a_failed_identity_check(patient, records_clerk, location):
    request = _request(patient, records_clerk)
    _verify(request, records_clerk, passed=True)
    _verify(request, records_clerk, passed=False)
    _authorise(request, records_clerk)
    services.roi_prepare_packet(request=request)

    with pytest.raises(ReleaseRefused, match="identity check failed"):
        services.roi_release(request=request)


def test_release_is_refused_without_an_authorisation(patient, records_clerk, location):
    request = _request(patient, records_clerk)
    _verify(request, records_clerk)
    services.roi_prepare_packet(request=request)

    with pytest.raises(ReleaseRefused, match="No signed authorisation"):
        services.roi_release(request=request)
    assert Disclosure.objects.count() == 0


def test_release_is_refused_under_an_expired_authorisation(patient, records_clerk, location, on):
    on(date(2026, 11, 10))
    request = _request(patient, records_clerk)
    _verify(request, records_clerk)
    _authorise(request, records_clerk, signed=date(2025, 1, 1), expires=date(2026, 1, 1))
    services.roi_prepare_packet(request=request)

    with pytest.raises(ReleaseRefused, match="expired"):
        services.roi_release(request=request)


def test_an_attorney_cannot_be_released_to_on_a_tpo_basis(patient, records_clerk, location):
    with pytest.raises(ValidationError) as caught:
        _request(patient, records_clerk, basis="treatment")

    assert "basis" in caught.value.message_dict


def test_another_provider_gets_records_for_treatment_without_authorisation(
    patient, records_clerk, location
):
    request = _request(
        patient, records_clerk, requester_kind="provider", requester_name="Dr. Lee",
        requester_organization="Lakeside Cardiology", basis="treatment",
        purpose="Continuing care", delivery_method="fax", requester_fax="(217) 555-0199",
    )  # fmt: skip
    services.roi_identity_check(
        request=request, method="letterhead", detail="NPI checked in NPPES", passed=True
    )
    services.roi_prepare_packet(request=request)

    disclosure = services.roi_release(request=request)

    assert disclosure.basis == "treatment"
    assert not disclosure.in_accounting  # TPO is recorded but not accounted
    fax = FaxOutboxItem.objects.get()
    assert fax.to_number == "+12175550199"
    assert fax.sha256 == request.packet_sha256


def test_a_packet_by_email_goes_through_the_mail_backend(patient, records_clerk, location):
    request = _request(patient, records_clerk, delivery_method="email")
    _verify(request, records_clerk)
    _authorise(request, records_clerk)
    services.roi_prepare_packet(request=request)

    services.roi_release(request=request)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dbrooks@brookshale.example"]
    name, content, kind = message.attachments[0]
    assert (name, kind) == ("records.pdf", "application/pdf")
    assert files.sha256_of(content) == request.packet_sha256


def test_a_release_after_the_due_date_is_flagged_late(patient, records_clerk, location, on):
    on(date(2026, 11, 3))
    request = _request(patient, records_clerk)
    _verify(request, records_clerk)
    _authorise(request, records_clerk)
    services.roi_prepare_packet(request=request)
    on(date(2026, 12, 3))  # due 12/02

    disclosure = services.roi_release(request=request)

    assert disclosure.late


def test_one_extension_with_a_reason_moves_the_due_date(patient, records_clerk, location, on):
    on(date(2026, 11, 20))
    request = _request(patient, records_clerk)

    services.roi_extend(request=request, new_due_on=date(2027, 1, 1), reason="Records off site")

    assert request.effective_due_on == date(2027, 1, 1)
    with pytest.raises(ValidationError, match="only one extension"):
        services.roi_extend(request=request, new_due_on=date(2027, 1, 2), reason="Again")


def test_an_extension_is_at_most_30_days(patient, records_clerk, location, on):
    on(date(2026, 11, 20))
    request = _request(patient, records_clerk)

    with pytest.raises(ValidationError, match="at most 30 days"):
        services.roi_extend(request=request, new_due_on=date(2027, 1, 5), reason="Busy")


def test_changing_the_scope_needs_the_packet_prepared_again(patient, records_clerk, location):
    request = _request(patient, records_clerk)
    _verify(request, records_clerk)
    _authorise(request, records_clerk)
    services.roi_prepare_packet(request=request)

    services.roi_update_scope(request=request, fields={"sections": ["demographics"]})

    with pytest.raises(ReleaseRefused, match="Prepare the release packet"):
        services.roi_release(request=request)


def test_a_tampered_packet_is_not_released(patient, records_clerk, location):
    request = _request(patient, records_clerk)
    _verify(request, records_clerk)
    _authorise(request, records_clerk)
    services.roi_prepare_packet(request=request)
    with open(request.packet.path, "ab") as handle:
        handle.write(b"%extra")

    from medoffice.records.errors import DocumentIntegrityError

    with pytest.raises(DocumentIntegrityError):
        services.roi_release(request=request)
    assert Disclosure.objects.count() == 0


def test_disclosures_cannot_be_changed_or_deleted(patient, records_clerk, location):
    disclosure = services.disclosure_record(
        patient=patient, recipient_name="State health department", description="Immunizations",
        purpose="Public health reporting", basis="authorization", delivery_method="mail",
    )  # fmt: skip

    with pytest.raises(DisclosureImmutableError):
        disclosure.save()
    with pytest.raises(DisclosureImmutableError):
        disclosure.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Disclosure.objects.filter(pk=disclosure.pk).update(purpose="changed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT purpose FROM records_disclosure WHERE id = %s", [disclosure.pk])
        assert cursor.fetchone()[0] == "Public health reporting"


def test_a_closed_request_takes_no_more_steps(patient, records_clerk, location):
    request = _request(patient, records_clerk)
    services.roi_close(request=request, status="denied", reason="Not the patient's records")

    with pytest.raises(ValidationError, match="denied already"):
        _verify(request, records_clerk)
    assert request.due_on - request.received_on == timedelta(days=30)
