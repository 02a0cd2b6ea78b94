"""Consents and signed forms: dates that make sense, revocation, who may record them."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from medoffice.core.models import AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.models import Consent, ConsentKind
from tests.clock import office_today


def _today() -> date:
    return office_today()


def test_recording_a_consent_saves_it_and_audits_it(patient, audit_mark):
    mark = audit_mark()
    consent = services.consent_record(
        patient=patient,
        kind=ConsentKind.FINANCIAL_POLICY,
        signed_on=date(2024, 3, 1),
        signed_by="Rosa Smith (mother)",
        expires_on=date(2025, 3, 1),
    )
    consent.refresh_from_db()
    assert consent.patient == patient
    assert (consent.signed_on, consent.expires_on) == (date(2024, 3, 1), date(2025, 3, 1))
    event = AuditEvent.objects.get(id__gt=mark)
    assert (event.action, event.category) == (AuditAction.CREATE, "consents")
    assert event.object_id == str(consent.public_id)


def test_a_signing_date_in_the_future_is_refused(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.consent_record(
            patient=patient, kind=ConsentKind.TREATMENT, signed_on=_today() + timedelta(days=1)
        )
    assert excinfo.value.message_dict == {"signed_on": ["The signing date is in the future."]}
    assert not Consent.objects.exists()


def test_a_consent_signed_today_is_accepted(patient):
    consent = services.consent_record(patient=patient, kind=ConsentKind.SMS, signed_on=_today())
    assert consent.is_in_force_on(_today())


def test_an_expiry_before_the_signing_is_refused(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.consent_record(
            patient=patient,
            kind=ConsentKind.TELEHEALTH,
            signed_on=date(2024, 3, 1),
            expires_on=date(2024, 2, 29),
        )
    assert excinfo.value.message_dict == {"expires_on": ["Expires before it was signed."]}
    assert not Consent.objects.exists()


def test_an_unknown_kind_is_refused(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.consent_record(patient=patient, kind="marketing", signed_on=date(2024, 1, 1))
    assert "kind" in excinfo.value.message_dict


def test_revoking_ends_the_consent_from_that_day(patient, audit_mark):
    consent = services.consent_record(
        patient=patient, kind=ConsentKind.SMS, signed_on=date(2024, 1, 10)
    )
    mark = audit_mark()
    services.consent_revoke(consent=consent, revoked_on=date(2024, 5, 1))
    consent.refresh_from_db()
    assert consent.revoked_on == date(2024, 5, 1)
    assert consent.is_in_force_on(date(2024, 4, 30))
    assert not consent.is_in_force_on(date(2024, 5, 1))
    event = AuditEvent.objects.get(id__gt=mark)
    assert (event.action, event.detail) == (AuditAction.UPDATE, "revoked")


def test_revoking_before_the_signing_is_refused(patient):
    consent = services.consent_record(
        patient=patient, kind=ConsentKind.SMS, signed_on=date(2024, 1, 10)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.consent_revoke(consent=consent, revoked_on=date(2024, 1, 9))
    assert "revoked_on" in excinfo.value.message_dict
    assert Consent.objects.get(pk=consent.pk).revoked_on is None


def test_in_force_respects_signing_and_expiry_dates(patient):
    consent = services.consent_record(
        patient=patient,
        kind=ConsentKind.TREATMENT,
        signed_on=date(2024, 1, 1),
        expires_on=date(2024, 12, 31),
    )
    assert not consent.is_in_force_on(date(2023, 12, 31))
    assert consent.is_in_force_on(date(2024, 1, 1))
    assert consent.is_in_force_on(date(2024, 12, 31))
    assert not consent.is_in_force_on(date(2025, 1, 1))


# --- web -------------------------------------------------------------------------------------


def _errors_near(html: str, field: str) -> str:
    match = re.search(rf'<div id="errors-{field}">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field}"
    return match.group(1)


def test_front_desk_records_a_signed_form_on_the_web(front_desk, client_for, patient):
    client = client_for(front_desk)
    response = client.post(
        reverse("patients:consent-add", args=[patient.public_id]),
        {"kind": "privacy_notice", "signed_on": "2024-02-03", "signed_by": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:consent-list", args=[patient.public_id])
    consent = Consent.objects.get(patient=patient)
    assert (consent.kind, consent.signed_on) == ("privacy_notice", date(2024, 2, 3))
    page = client.get(response["Location"]).content.decode()
    assert "Notice of privacy practices acknowledged" in page
    assert "02/03/2024" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"signed_on": "2999-01-01"}, "signed_on", "in the future"),
        ({"signed_on": "2024-02-30"}, "signed_on", "valid date"),
        ({"expires_on": "2024-01-01"}, "expires_on", "Expires before it was signed."),
        ({"kind": "marketing"}, "kind", "Select a valid choice"),
    ],
)
def test_the_consent_form_shows_errors_under_their_fields(
    front_desk, client_for, patient, data, field, message
):
    response = client_for(front_desk).post(
        reverse("patients:consent-add", args=[patient.public_id]),
        {"kind": "treatment", "signed_on": "2024-02-03", **data},
    )
    assert response.status_code == 422
    assert message in _errors_near(response.content.decode(), field)
    assert not Consent.objects.exists()


def test_the_consents_tab_marks_revoked_forms(front_desk, client_for, patient):
    consent = services.consent_record(
        patient=patient, kind=ConsentKind.EMAIL, signed_on=date(2024, 1, 10)
    )
    services.consent_revoke(consent=consent, revoked_on=date(2024, 6, 1))
    page = client_for(front_desk).get(reverse("patients:consent-list", args=[patient.public_id]))
    assert "revoked 06/01/2024" in page.content.decode()


def test_who_may_see_and_record_consents(
    biller, clinician, administrator, outsider, client_for, patient
):
    tab = reverse("patients:consent-list", args=[patient.public_id])
    add = reverse("patients:consent-add", args=[patient.public_id])
    form = {"kind": "treatment", "signed_on": "2024-02-03"}
    assert client_for(biller).get(tab).status_code == 200
    assert client_for(clinician).get(tab).status_code == 200
    assert client_for(biller).post(add, form).status_code == 403
    assert client_for(clinician).post(add, form).status_code == 403
    assert client_for(administrator).get(tab).status_code == 403
    assert client_for(outsider).get(tab).status_code == 404
    assert client_for(outsider).post(add, form).status_code == 404
    assert not Consent.objects.exists()


def test_front_desk_revokes_a_consent_from_the_consents_tab(front_desk, client_for, patient):
    consent = services.consent_record(patient=patient, kind=ConsentKind.SMS, signed_on=_today())
    client = client_for(front_desk)
    tab = client.get(reverse("patients:consent-list", args=[patient.public_id]))
    revoke_url = reverse("patients:consent-revoke", args=[consent.public_id])
    assert revoke_url in tab.content.decode()
    assert client.get(revoke_url).status_code == 405
    response = client.post(revoke_url)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == _today()


def test_roles_without_change_consent_cannot_revoke(biller, outsider, client_for, patient):
    consent = services.consent_record(patient=patient, kind=ConsentKind.SMS, signed_on=_today())
    revoke_url = reverse("patients:consent-revoke", args=[consent.public_id])
    assert client_for(biller).post(revoke_url).status_code == 403
    assert client_for(outsider).post(revoke_url).status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_on is None
