"""Registration through the web form: the shortest path a front desk takes."""

from django.urls import reverse


def test_front_desk_registers_a_patient_and_lands_on_the_chart(front_desk, client_for):
    client = client_for(front_desk)
    response = client.post(
        reverse("patients:patient-register"),
        {
            "first_name": "Maria",
            "last_name": "Garcia",
            "dob": "1975-06-30",
            "sex_at_birth": "F",
            "gender_identity": "female",
            "address1": "5 Elm St",
            "city": "Springfield",
            "state": "IL",
            "zip_code": "62702",
            "mobile_phone": "217-555-0199",
            "preferred_language": "es",
            "preferred_contact_method": "sms",
            "guarantor_relationship": "self",
            "consent_sms": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"Garcia, Maria" in page.content
    assert b"(217) 555-0199" in page.content
