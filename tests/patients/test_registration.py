"""Registration: every bad input is a clear field error on every channel and nothing is saved."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from medoffice.core.identifiers import luhn_check_digit, mrn_from_number
from medoffice.core.models import AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.models import Consent, ConsentKind, MrnCounter, Patient
from tests.clock import office_today
from tests.patients.conftest import registration_form, registration_json, service_fields

EXISTING_MRN = "AB-1234"


def _today() -> date:
    return office_today()


# Each bad input: (case, field, Python value for the service, text for web and API, message).
BAD_INPUTS = [
    ("future dob", "dob", lambda: _today() + timedelta(days=1), None, "in the future"),
    ("dob in 1800", "dob", lambda: date(1800, 1, 1), None, "more than 125 years ago"),
    ("impossible dob", "dob", lambda: "1980-02-30", "1980-02-30", "date"),
    ("malformed mobile", "mobile_phone", lambda: "555-01", "555-01", "not a valid phone number"),
    ("letters as phone", "home_phone", lambda: "call me", "call me", "not a valid phone number"),
    (
        "malformed emergency phone",
        "emergency_contact_phone",
        lambda: "12345",
        "12345",
        "not a valid phone number",
    ),
    ("zip of another state", "zip_code", lambda: "10001", "10001", "ZIP code 10001 is not in IL"),
    ("malformed zip", "zip_code", lambda: "6270", "6270", "5 digits"),
    ("zip with letters", "zip_code", lambda: "6270A", "6270A", "5 digits"),
    ("duplicate mrn", "mrn", lambda: EXISTING_MRN, EXISTING_MRN, "belongs to another patient"),
    (
        "duplicate mrn in lower case",
        "mrn",
        lambda: EXISTING_MRN.lower(),
        EXISTING_MRN.lower(),
        "belongs to another patient",
    ),
    ("malformed e-mail", "email", lambda: "maria@", "maria@", "valid email"),
]
CASE_IDS = [case[0] for case in BAD_INPUTS]


def _as_text(python_value, text):
    if text is not None:
        return text
    value = python_value()
    return value.isoformat() if isinstance(value, date) else value


@pytest.fixture
def existing(make_patient):
    """A patient whose hand-typed MRN the bad inputs try to reuse."""
    return make_patient(
        first_name="Ann", last_name="Lee", dob=date(1950, 1, 1), mrn=EXISTING_MRN, mobile_phone=""
    )


@pytest.fixture
def nothing_saved(existing, audit_mark):
    """Asserts, after the test body ran, that no patient, consent or create row appeared."""
    before = (Patient.objects.count(), Consent.objects.count())
    mark = audit_mark()

    def check():
        assert (Patient.objects.count(), Consent.objects.count()) == before
        assert not AuditEvent.objects.filter(id__gt=mark, action=AuditAction.CREATE).exists()

    return check


def _errors_near(html: str, field: str) -> str:
    """The text of the error block that sits under `field` on the page."""
    match = re.search(rf'<div id="errors-{field}">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field}"
    return match.group(1)


@pytest.mark.parametrize(
    ("case", "field", "python_value", "text", "message"), BAD_INPUTS, ids=CASE_IDS
)
def test_service_refuses_bad_input_with_a_field_error_and_saves_nothing(
    practice, nothing_saved, case, field, python_value, text, message
):
    with pytest.raises(ValidationError) as excinfo:
        services.patient_register(
            practice=practice,
            fields=service_fields(**{field: python_value()}),
            consents=[{"kind": ConsentKind.PRIVACY_NOTICE, "signed_on": _today()}],
        )
    errors = excinfo.value.message_dict
    assert field in errors, errors
    assert any(message.lower() in m.lower() for m in errors[field]), errors[field]
    nothing_saved()


@pytest.mark.parametrize(
    ("case", "field", "python_value", "text", "message"), BAD_INPUTS, ids=CASE_IDS
)
def test_web_form_shows_the_error_under_the_field_and_saves_nothing(
    front_desk, client_for, nothing_saved, case, field, python_value, text, message
):
    response = client_for(front_desk).post(
        reverse("patients:patient-register"),
        registration_form(
            **{field: _as_text(python_value, text)}, privacy_notice="on", consent_sms="on"
        ),
    )
    assert response.status_code == 422
    near = _errors_near(response.content.decode(), field)
    assert message.lower() in near.lower(), near
    assert 'role="alert"' in near
    nothing_saved()


@pytest.mark.parametrize(
    ("case", "field", "python_value", "text", "message"), BAD_INPUTS, ids=CASE_IDS
)
def test_api_answers_400_problem_json_with_the_field_error_and_saves_nothing(
    front_desk, client_for, nothing_saved, case, field, python_value, text, message
):
    response = client_for(front_desk).post(
        "/api/patients/",
        json.dumps(registration_json(**{field: _as_text(python_value, text)})),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert field in body["errors"], body
    assert any(message.lower() in m.lower() for m in body["errors"][field]), body
    nothing_saved()


def test_the_future_is_judged_by_the_offices_calendar_not_utc(practice, monkeypatch):
    # 03:00 UTC on March 10 is still the evening of March 9 in New York.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2024, 3, 10, 3, 0, tzinfo=UTC))
    assert timezone.localdate() == date(2024, 3, 9)
    with pytest.raises(ValidationError) as excinfo:
        services.patient_register(practice=practice, fields=service_fields(dob=date(2024, 3, 10)))
    assert "in the future" in excinfo.value.message_dict["dob"][0]
    born_today = services.patient_register(
        practice=practice, fields=service_fields(dob=date(2024, 3, 9))
    )
    assert born_today.dob == date(2024, 3, 9)


def test_several_bad_fields_are_all_reported_at_once(practice, nothing_saved):
    with pytest.raises(ValidationError) as excinfo:
        services.patient_register(
            practice=practice,
            fields=service_fields(
                dob=_today() + timedelta(days=3),
                mobile_phone="12",
                zip_code="10001",
                email="x@",
                first_name="",
            ),
        )
    assert {"dob", "mobile_phone", "zip_code", "email", "first_name"} <= set(
        excinfo.value.message_dict
    )
    nothing_saved()


def test_a_required_field_left_out_is_a_field_error(practice, nothing_saved):
    fields = service_fields()
    del fields["last_name"]
    with pytest.raises(ValidationError) as excinfo:
        services.patient_register(practice=practice, fields=fields)
    assert "last_name" in excinfo.value.message_dict
    nothing_saved()


def test_valid_edge_values_are_accepted(practice):
    patient = services.patient_register(
        practice=practice,
        fields=service_fields(
            dob=_today(),  # born today
            zip_code="62702-1234",
            mobile_phone="+1 217 555 0199",
            home_phone="(312) 555-0100",
            email="maria.garcia@example.org",
        ),
    )
    patient.refresh_from_db()
    assert patient.dob == _today()
    assert patient.mobile_phone == "+12175550199"
    assert patient.home_phone == "+13125550100"
    assert patient.zip_code == "62702-1234"


def test_registration_stores_every_part_of_the_issue(practice, provider, location):
    patient = services.patient_register(
        practice=practice,
        fields=service_fields(
            preferred_name="Mari",
            previous_last_name="Lopez",
            gender_identity="non-binary",
            pronouns="they/them",
            preferred_language="es",
            needs_interpreter=True,
            preferred_contact_method="email",
            email="maria@example.org",
            emergency_contact_name="Jose Garcia",
            emergency_contact_relationship="brother",
            emergency_contact_phone="217-555-0111",
            guarantor_relationship="parent",
            guarantor_name="Rosa Garcia",
            guarantor_dob=date(1950, 2, 2),
            guarantor_phone="217 555 0112",
            primary_care_provider=provider,
            home_location=location,
        ),
    )
    patient.refresh_from_db()
    assert patient.display_name == 'Garcia, Maria "Mari"'
    assert patient.emergency_contact_phone == "+12175550111"
    assert patient.guarantor_phone == "+12175550112"
    assert patient.primary_care_provider == provider
    assert patient.home_location == location
    assert (patient.search_last, patient.search_first) == ("garcia", "maria")


# --- MRNs ------------------------------------------------------------------------------------


def _mrn_is_valid(mrn: str) -> bool:
    return len(mrn) == 8 and mrn.isdigit() and luhn_check_digit(mrn[:-1]) == int(mrn[-1])


def test_assigned_mrns_are_sequential_eight_digits_with_a_valid_check_digit(practice):
    names = ["Ann", "Bea", "Cy", "Di"]
    mrns = [
        services.patient_register(
            practice=practice,
            fields=service_fields(first_name=n, last_name=f"{n}son", mobile_phone=""),
        ).mrn
        for n in names
    ]
    assert mrns == [mrn_from_number(i) for i in range(1, 5)]
    assert all(_mrn_is_valid(m) for m in mrns)
    assert len(set(mrns)) == len(mrns)


def test_each_practice_numbers_its_own_mrns(practice, other_practice, make_patient):
    ours = make_patient()
    theirs = make_patient(other_practice)
    assert ours.mrn == theirs.mrn == mrn_from_number(1)


def test_a_refused_registration_does_not_use_up_an_mrn(practice):
    with pytest.raises(ValidationError):
        services.patient_register(practice=practice, fields=service_fields(zip_code="10001"))
    patient = services.patient_register(practice=practice, fields=service_fields())
    assert patient.mrn == mrn_from_number(1)


def test_a_hand_typed_mrn_is_stored_upper_case(practice):
    patient = services.patient_register(practice=practice, fields=service_fields(mrn=" zx-77 "))
    assert patient.mrn == "ZX-77"


def test_a_hand_typed_mrn_that_the_counter_reaches_later_is_skipped(practice, make_patient):
    make_patient(first_name="Ann", last_name="Lee", mrn=mrn_from_number(2), mobile_phone="")
    first = make_patient(first_name="Bea", last_name="Bo", mobile_phone="")
    second = make_patient(first_name="Cy", last_name="Cole", mobile_phone="")
    assert first.mrn == mrn_from_number(1)
    assert second.mrn == mrn_from_number(3)
    assert MrnCounter.objects.get(practice=practice).next_number == 4


def test_the_database_refuses_a_second_row_with_the_same_mrn(practice, make_patient):
    patient = make_patient()
    clone = Patient(
        practice=practice,
        mrn=patient.mrn,
        first_name="X",
        last_name="Y",
        dob=date(1990, 1, 1),
        sex_at_birth="U",
        address1="1 A St",
        city="Springfield",
        state="IL",
        zip_code="62701",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_a_racing_registration_with_the_same_mrn_becomes_a_field_error(
    practice, make_patient, monkeypatch, audit_mark
):
    make_patient(mrn="RACE-1")
    # The other clerk's row commits between our check and our insert: the check sees nothing.
    checked = services.patient_field_errors

    def check_before_the_other_commit(**kwargs):
        errors = checked(**kwargs)
        errors.pop("mrn", None)
        return errors

    monkeypatch.setattr(services, "patient_field_errors", check_before_the_other_commit)
    before = Patient.objects.count()
    mark = audit_mark()
    with pytest.raises(ValidationError) as excinfo:
        services.patient_register(
            practice=practice,
            fields=service_fields(mrn="race-1"),
            consents=[{"kind": ConsentKind.PRIVACY_NOTICE, "signed_on": _today()}],
        )
    assert excinfo.value.message_dict == {"mrn": ["MRN RACE-1 belongs to another patient."]}
    assert Patient.objects.count() == before
    assert not AuditEvent.objects.filter(id__gt=mark, action=AuditAction.CREATE).exists()


def test_web_form_accepts_a_new_mrn_typed_in_lower_case(front_desk, client_for):
    response = client_for(front_desk).post(
        reverse("patients:patient-register"), registration_form(mrn="zx-77")
    )
    assert response.status_code == 302
    assert Patient.objects.get(first_name="Maria").mrn == "ZX-77"


def test_registration_consent_boxes_record_consents_signed_today(front_desk, client_for):
    response = client_for(front_desk).post(
        reverse("patients:patient-register"),
        registration_form(privacy_notice="on", financial_policy="on", consent_email="on"),
    )
    assert response.status_code == 302
    patient = Patient.objects.get(first_name="Maria")
    consents = {c.kind: c for c in patient.consents.all()}
    assert set(consents) == {
        ConsentKind.PRIVACY_NOTICE,
        ConsentKind.FINANCIAL_POLICY,
        ConsentKind.EMAIL,
    }
    assert {c.signed_on for c in consents.values()} == {_today()}
    assert {c.signed_by for c in consents.values()} == {""}


def test_the_registration_page_needs_the_add_patient_permission(
    biller, clinician, administrator, client_for
):
    for user in (biller, clinician, administrator):
        client = client_for(user)
        assert client.get(reverse("patients:patient-register")).status_code == 403
        response = client.post(reverse("patients:patient-register"), registration_form())
        assert response.status_code == 403
    assert not Patient.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("patients:patient-register"))
    assert response.status_code == 302
    assert "/login" in response["Location"]


# --- inline validation while typing ----------------------------------------------------------


def _validate(client, data):
    return client.post(
        reverse("patients:patient-register"),
        {**data, "_validate": "1"},
        headers={"HX-Request": "true"},
    )


def _fragments(html: str) -> dict[str, str]:
    pattern = r'<div id="errors-(\w+)" hx-swap-oob="true">(.*?)</div>'
    return dict(re.findall(pattern, html, re.S))


def test_inline_validation_returns_oob_errors_for_exactly_the_filled_fields(
    front_desk, client_for, audit_mark
):
    client = client_for(front_desk)
    mark = audit_mark()
    response = _validate(
        client,
        {"mobile_phone": "555-01", "state": "IL", "zip_code": "10001", "first_name": "Maria"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    fragments = _fragments(html)
    assert set(fragments) == {"mobile_phone", "state", "zip_code", "first_name"}
    assert "not a valid phone number" in fragments["mobile_phone"]
    assert "ZIP code 10001 is not in IL" in fragments["zip_code"]
    assert fragments["state"] == ""
    assert fragments["first_name"] == ""
    assert "required" not in html  # empty fields are not scolded while the user types
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(id__gt=mark).exists()


def test_inline_validation_clears_errors_once_the_values_are_fixed(front_desk, client_for):
    fragments = _fragments(
        _validate(
            client_for(front_desk),
            {"mobile_phone": "(217) 555-0199", "state": "IL", "zip_code": "62702"},
        ).content.decode()
    )
    assert fragments == {"mobile_phone": "", "state": "", "zip_code": ""}


def test_inline_validation_flags_a_taken_mrn_and_a_future_dob(front_desk, client_for, existing):
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    fragments = _fragments(
        _validate(client_for(front_desk), {"mrn": EXISTING_MRN, "dob": tomorrow}).content.decode()
    )
    assert "belongs to another patient" in fragments["mrn"]
    assert "in the future" in fragments["dob"]


def test_inline_validation_never_saves_even_a_complete_valid_form(front_desk, client_for):
    response = _validate(client_for(front_desk), registration_form(privacy_notice="on"))
    assert response.status_code == 200
    assert not Patient.objects.exists()
    assert not Consent.objects.exists()
    assert 'class="error"' not in response.content.decode()
