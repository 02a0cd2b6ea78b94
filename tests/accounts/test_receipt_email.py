"""The front desk e-mails a payment's receipt (PDF) to the patient from the account page:
over SMTP to a real aiosmtpd server on loopback; refused without an address, without a
consent to e-mail in force, or when the mail server is down; audited as a disclosure."""

from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

from django.urls import reverse

from medoffice.accounts import paper, services
from medoffice.core.models import AuditEvent
from medoffice.patients import services as patient_services
from tests.messaging.test_transports import smtp_server  # noqa: F401 - aiosmtpd on loopback

DAY = date(2026, 3, 2)


def _sent_audits():
    return AuditEvent.objects.filter(action="export", category="accounts").order_by("id")


def test_front_desk_e_mails_the_receipt_after_address_and_consent_are_checked(
    patient,
    location,
    make_visit,
    front_desk,
    clinician,
    client_for,
    at_desk,
    smtp_server,  # noqa: F811
    settings,
):
    at_desk(DAY)
    make_visit(patient, date(2026, 1, 5), [("99213", "30.00")])
    payment = services.desk_payment_take(
        patient=patient, amount="25", method="cash", location=location, by=front_desk
    )
    client = client_for(front_desk)
    account = reverse("accounts:patient-account", args=[patient.public_id])
    send = reverse("accounts:receipt-send", args=[payment.public_id])
    assert "E-mail receipt" in client.get(account).content.decode()

    patient.email = ""
    patient.save()
    no_address = client.post(send)
    assert no_address.status_code == 422
    assert "no e-mail address on file" in no_address.content.decode()

    patient.email = "jane.doe@example.org"
    patient.save()
    no_consent = client.post(send)
    assert no_consent.status_code == 422
    assert "no consent to e-mail in force" in no_consent.content.decode()
    assert smtp_server.envelopes == []
    assert not _sent_audits().exists()

    consent = patient_services.consent_record(
        patient=patient, kind="email", signed_on=DAY - timedelta(days=30)
    )
    done = client.post(send, follow=True)
    assert done.status_code == 200
    number = paper.receipt_number(payment)
    assert f"Receipt {number} e-mailed to jane.doe@example.org." in done.content.decode()
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["jane.doe@example.org"]
    received = message_from_bytes(envelope.content, policy=default_policy)
    assert received["Subject"] == "Your payment receipt from Riverside Test Practice"
    (pdf,) = [p for p in received.walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"receipt-{number}.pdf"
    assert pdf.get_payload(decode=True).startswith(b"%PDF")
    (audit,) = _sent_audits()
    assert (audit.outcome, audit.object_id) == ("success", str(payment.public_id))
    assert audit.patient_id == str(patient.public_id)
    assert audit.username == front_desk.username

    # A revoked consent stops the next one; a clinician cannot send at all.
    patient_services.consent_revoke(consent=consent, revoked_on=DAY)
    assert client.post(send).status_code == 422
    assert client_for(clinician).post(send).status_code == 403
    assert len(smtp_server.envelopes) == 1


def test_a_mail_server_that_does_not_answer_is_a_clear_error_and_audited(
    patient,
    location,
    make_visit,
    front_desk,
    client_for,
    at_desk,
    smtp_server,  # noqa: F811
    settings,
):
    at_desk(DAY)
    make_visit(patient, date(2026, 1, 5), [("99213", "30.00")])
    payment = services.desk_payment_take(
        patient=patient, amount="10", method="cash", location=location, by=front_desk
    )
    patient.email = "jane.doe@example.org"
    patient.save()
    patient_services.consent_record(patient=patient, kind="email", signed_on=DAY)
    settings.EMAIL_PORT = 9  # discard: nothing listens on loopback
    settings.EMAIL_TIMEOUT = 5
    refused = client_for(front_desk).post(
        reverse("accounts:receipt-send", args=[payment.public_id])
    )
    assert refused.status_code == 422
    assert "the mail server refused it or did not answer" in refused.content.decode()
    (audit,) = _sent_audits()
    assert audit.outcome == "failure"
