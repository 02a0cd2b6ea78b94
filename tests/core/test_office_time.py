"""Pages show time on the user's office clock, not the server's (the test site runs on
New York time; the test office is in Chicago)."""

from datetime import UTC, datetime

from django.urls import reverse

from medoffice.scheduling.outside import outside_visit_add

# 18:30 UTC on 10 March 2026 (after the US change to summer time on the 8th).
SCHEDULED = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)


def _outside_page(client, patient) -> str:
    response = client.get(reverse("scheduling:outside-list", args=[patient.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def _mri(patient, provider):
    outside_visit_add(
        patient=patient,
        fields={"kind": "imaging", "service": "MRI left knee", "facility": "Valley Imaging",
                "ordered_by": provider, "status": "scheduled", "scheduled_at": SCHEDULED},
    )  # fmt: skip


def test_a_chicago_office_sees_chicago_time(patient, provider, make_user, client_for):
    _mri(patient, provider)
    page = _outside_page(client_for(make_user("front_desk")), patient)
    assert "03/10/2026 1:30 PM" in page  # not 2:30 PM, New York's
    assert "2:30 PM" not in page


def test_a_user_working_at_another_zone_sees_that_zone(
    patient, provider, practice, make_user, client_for
):
    phoenix = practice.locations.create(name="Desert clinic", time_zone="America/Phoenix")
    user = make_user("front_desk")
    user.staff.locations.add(phoenix)
    _mri(patient, provider)
    page = _outside_page(client_for(user), patient)
    assert "03/10/2026 11:30 AM" in page  # Arizona keeps standard time all year
