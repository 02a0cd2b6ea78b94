"""AC-03/AC-08: the patient's SSN. Entered at registration (page or API), refused when it is
not a number the SSA issues, sealed at rest, shown masked (***-**-1234) to every role, and in
full only to a role holding reveal_patient_ssn, each reveal in the audit trail."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from medoffice.core.models import AuditEvent
from medoffice.core.roles import ROLE_PERMISSIONS, Role
from medoffice.core.us import ssn_masked, ssn_normalise
from medoffice.patients.models import Patient
from tests.patients.conftest import registration_form, registration_json

SSN = "219-09-9999"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("219-09-9999", SSN), ("219099999", SSN), (" 219 09 9999 ", SSN), ("", "")],
)
def test_an_ssn_is_kept_as_aaa_gg_ssss(typed, kept):
    assert ssn_normalise(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "000-12-3456",  # area 000
        "666-12-3456",  # area 666
        "900-12-3456",  # areas 900-999
        "999-12-3456",
        "123-00-4567",  # group 00
        "123-45-0000",  # serial 0000
        "12-345-6789",
        "1234567890",
        "123-45-678a",
        "123-45-67\n89",  # a line break inside
    ],
)
def test_numbers_the_ssa_never_issues_are_refused(typed):
    with pytest.raises(ValidationError):
        ssn_normalise(typed)


def test_the_mask_shows_the_last_four_digits_only():
    assert ssn_masked(SSN) == "***-**-9999"
    assert ssn_masked("") == ""


def _stored_ssn(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ssn FROM patients_patient WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_registration_page_takes_the_ssn_and_seals_it(front_desk, client_for):
    response = client_for(front_desk).post("/patients/new/", registration_form(ssn="219099999"))

    assert response.status_code == 302
    patient = Patient.objects.get(last_name="Garcia")
    assert patient.ssn == SSN
    stored = _stored_ssn(patient.pk)
    assert stored.startswith("mo1$")
    assert SSN not in stored
    assert "219099999" not in stored


def test_registration_page_refuses_a_bad_ssn_with_a_field_error(front_desk, client_for):
    response = client_for(front_desk).post("/patients/new/", registration_form(ssn="666-12-3456"))

    assert response.status_code == 422
    assert "Not an SSN the Social Security Administration issues." in response.content.decode()
    assert not Patient.objects.filter(last_name="Garcia").exists()


def test_api_registration_takes_the_ssn_and_answers_it_masked(front_desk, client_for):
    response = client_for(front_desk).post(
        "/api/patients/", registration_json(ssn=SSN), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["ssn"] == "***-**-9999"
    assert SSN not in response.content.decode()
    assert Patient.objects.get(public_id=response.json()["id"]).ssn == SSN


def test_api_refuses_a_bad_ssn_as_a_problem(front_desk, client_for):
    response = client_for(front_desk).post(
        "/api/patients/", registration_json(ssn="900-12-3456"), content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "ssn" in response.json()["errors"]


@pytest.fixture
def with_ssn(make_patient):
    return make_patient(ssn=SSN)


@pytest.mark.parametrize("role", Role, ids=lambda r: r.value)
def test_every_role_sees_the_ssn_masked_on_the_page_and_in_the_api(
    role, with_ssn, make_user, client_for
):
    client = client_for(make_user(role))
    may_view = "patients.view_patient" in ROLE_PERMISSIONS[role]

    page = client.get(f"/patients/{with_ssn.public_id}/")
    api = client.get(f"/api/patients/{with_ssn.public_id}/")

    assert SSN not in page.content.decode() + api.content.decode()
    if may_view:
        assert "***-**-9999" in page.content.decode()
        assert api.json()["ssn"] == "***-**-9999"
    else:
        assert (page.status_code, api.status_code) == (403, 403)


@pytest.mark.parametrize("role", Role, ids=lambda r: r.value)
def test_only_a_role_allowed_to_reveal_sees_the_full_ssn_and_each_reveal_is_audited(
    role, with_ssn, make_user, client_for
):
    client = client_for(make_user(role))
    allowed = "patients.reveal_patient_ssn" in ROLE_PERMISSIONS[role]
    before = AuditEvent.objects.filter(category="identifiers", outcome="success").count()

    page = client.get(f"/patients/{with_ssn.public_id}/ssn/")
    api = client.get(f"/api/patients/{with_ssn.public_id}/ssn/")

    reveals = AuditEvent.objects.filter(category="identifiers", outcome="success").count()
    if allowed:
        assert (page.status_code, api.status_code) == (200, 200)
        assert SSN in page.content.decode()
        assert api.json() == {"ssn": SSN}
        assert reveals - before == 2
        last = AuditEvent.objects.order_by("-id").first()
        assert last.patient_id == str(with_ssn.public_id)
        assert SSN not in last.detail
    else:
        assert (page.status_code, api.status_code) == (403, 403)
        assert SSN not in page.content.decode() + api.content.decode()
        assert reveals == before


def test_the_reveal_is_granted_to_billers_only():
    revealers = {r for r, held in ROLE_PERMISSIONS.items() if "patients.reveal_patient_ssn" in held}

    assert revealers == {Role.BILLER}


def test_the_edit_form_never_puts_the_ssn_back_into_the_page(with_ssn, front_desk, client_for):
    page = client_for(front_desk).get(f"/patients/{with_ssn.public_id}/edit/")

    assert page.status_code == 200
    assert SSN not in page.content.decode()
    assert "219099999" not in page.content.decode()
