"""Registration through the web form: the shortest path a front desk takes."""

from django.urls import reverse

from tests.patients.conftest import registration_form


def test_front_desk_registers_a_patient_and_lands_on_the_chart(front_desk, client_for):
    client = client_for(front_desk)
    response = client.post(
        reverse("patients:patient-register"),
        registration_form(consent_sms="on"),
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"Garcia, Maria" in page.content
    assert b"(217) 555-0199" in page.content
