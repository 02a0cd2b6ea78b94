"""Booking through the REST API: what the request names (type, provider, location) is found
in the practice's kept set-up, and a change to any of them is seen by the next request."""

import json
from datetime import datetime

import pytest
from django.test import Client

from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import Location, Provider
from medoffice.scheduling.models import Appointment, AppointmentType
from tests.scheduling.conftest import CHICAGO, next_weekday_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(front_desk):
    headers = {"Authorization": f"Bearer {api_token_issue(user=front_desk)}"}
    client = Client()

    def send(body: dict):
        response = client.post(
            "/api/appointments/", json.dumps(body), content_type="application/json",
            headers=headers,
        )  # fmt: skip
        return response.status_code, response.json()

    return send


def _body(patient, visit_type, provider, location, starts_at) -> dict:
    return {
        "patient": str(patient.public_id),
        "appointment_type": str(visit_type.public_id),
        "provider": provider.npi,
        "location": str(location.public_id),
        "starts_at": starts_at.isoformat(),
    }


def test_a_booking_names_its_room_and_holds_the_time(
    office, rooms, visit_type, provider, patients, post
):
    (patient,) = patients(1)
    status, answer = post(_body(patient, visit_type, provider, office, next_weekday_at(9)))
    assert status == 201
    assert (answer["room"], answer["provider"], answer["status"]) == (
        rooms[0].name,
        provider.npi,
        "booked",
    )
    assert Appointment.objects.get(public_id=answer["id"]).holds.count() > 0


def test_what_another_practice_owns_is_not_found(
    office, visit_type, provider, patients, post, other_practice
):
    (patient,) = patients(1)
    theirs = {
        "appointment_type": AppointmentType.objects.create(
            practice=other_practice, name="Theirs", duration_minutes=20
        ),
        "location": Location.objects.create(practice=other_practice, name="Their office"),
        "provider": Provider.objects.create(
            practice=other_practice, first_name="Ann", last_name="Other", npi="1245319599"
        ),
    }
    for field, item in theirs.items():
        body = _body(patient, visit_type, provider, office, next_weekday_at(9))
        body[field] = item.npi if field == "provider" else str(item.public_id)
        status, answer = post(body)
        assert status == 400, field
        assert field in json.dumps(answer)
    assert not Appointment.objects.exists()


def test_a_provider_made_inactive_is_refused_on_the_next_request(
    office, visit_type, provider, patients, post
):
    first, second = patients(2)
    assert post(_body(first, visit_type, provider, office, next_weekday_at(9)))[0] == 201
    Provider.objects.filter(pk=provider.pk).update(is_active=False)  # no signals
    status, answer = post(_body(second, visit_type, provider, office, next_weekday_at(10)))
    assert status == 400
    assert "not active" in json.dumps(answer)


@pytest.fixture
def get(front_desk):
    headers = {"Authorization": f"Bearer {api_token_issue(user=front_desk)}"}
    client = Client()

    def send(query: str):
        response = client.get(f"/api/slots/?{query}", headers=headers)
        return response.status_code, response.json()

    return send


def test_open_times_keep_to_the_patients_days(office, visit_type, get):
    status, slots = get(f"appointment_type={visit_type.public_id}&weekdays=1,3&limit=20")
    assert status == 200
    assert slots
    assert {
        datetime.fromisoformat(s["starts_at"]).astimezone(CHICAGO).weekday() for s in slots
    } <= {1, 3}
    assert get(f"appointment_type={visit_type.public_id}&weekdays=7")[0] == 400
    assert get(f"appointment_type={visit_type.public_id}&weekdays=mon")[0] == 400


def _drf_own(serializer_class):
    """The same serializer with DRF's own fields: copied and bound for every instance."""
    from rest_framework import serializers

    class Own(serializer_class):
        fields = serializers.Serializer.fields

    Own.__name__ = serializer_class.__name__
    return Own


def test_kept_fields_answer_and_refuse_as_drf_own_fields(
    office, rooms, visit_type, provider, patients, post
):
    from medoffice.scheduling.api import AppointmentSerializer, BookingSerializer

    first, second = patients(2)
    for patient, hour in ((first, 9), (second, 10)):  # the second answer reuses the fields
        status, answer = post(_body(patient, visit_type, provider, office, next_weekday_at(hour)))
        assert status == 201
        appointment = Appointment.objects.get(public_id=answer["id"])
        expected = _drf_own(AppointmentSerializer)(appointment).data
        assert answer == json.loads(json.dumps(expected, default=str))
        kept = AppointmentSerializer(appointment).data
        assert answer == json.loads(json.dumps(kept, default=str))
    bad = _body(first, visit_type, provider, office, next_weekday_at(11)) | {
        "starts_at": "tomorrow", "provider": "12345678901", "override": "maybe",
    }  # fmt: skip
    del bad["patient"]
    refusals = []
    for serializer_class in (BookingSerializer, _drf_own(BookingSerializer), BookingSerializer):
        data = serializer_class(data=bad)
        assert not data.is_valid()
        refusals.append(data.errors)
    assert set(refusals[0]) == {"patient", "starts_at", "provider", "override"}
    assert refusals[0] == refusals[1] == refusals[2]
    good = BookingSerializer(data=_body(first, visit_type, provider, office, next_weekday_at(11)))
    assert good.is_valid(), good.errors
    assert good.validated_data["reason"] == ""
    assert good.validated_data["override"] is False


def test_the_patient_is_found_only_in_the_users_practice(
    office, rooms, visit_type, provider, patients, make_patient, other_practice, post
):
    """The booking's patient lookup (compiled once: patients/access.py) keeps the scope."""
    from medoffice.patients.access import BOOKING_COLUMNS, patient_get_for_user

    (ours,) = patients(1)
    theirs = make_patient(other_practice, first_name="Zed", last_name="Elsewhere")
    for unknown in (theirs.public_id, "00000000-0000-4000-8000-000000000000"):
        body = _body(ours, visit_type, provider, office, next_weekday_at(9)) | {
            "patient": str(unknown)
        }
        status, _ = post(body)
        assert status == 404
    assert not Appointment.objects.exists()
    status, answer = post(_body(ours, visit_type, provider, office, next_weekday_at(9)))
    assert (status, answer["patient"]) == (201, str(ours.public_id))
    booked = Appointment.objects.get(public_id=answer["id"])
    assert booked.patient_id == ours.id
    user = booked.booked_by
    found = patient_get_for_user(
        user, ours.public_id, audit=False, related=False, only=BOOKING_COLUMNS
    )
    assert (found.pk, found.status, found.practice_id) == (ours.pk, ours.status, ours.practice_id)
