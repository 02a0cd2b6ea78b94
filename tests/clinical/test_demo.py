"""`medoffice demo` gives the patients booked in the next days realistic charts."""

from django.urls import reverse

from medoffice.clinical.demo import load_demo_chart
from medoffice.clinical.models import Dictation, Note, Result
from medoffice.core.models import StaffProfile
from medoffice.core.testing import force_login_verified
from medoffice.patients.synthetic import load_demo
from medoffice.scheduling.demo import load_demo_schedule


def test_demo_charts_are_made_once_and_open_for_the_clinician(db, client):
    practice = load_demo(patients=120)["practice"]
    load_demo_schedule(practice=practice, seed=5, days=3)

    first = load_demo_chart(practice=practice, seed=3, patients=6)
    again = load_demo_chart(practice=practice, seed=3, patients=6)

    assert first == {"created": True, "charts": 6}
    assert again == {"created": False}
    assert Note.objects.filter(status="signed").count() == 7  # one each, and a sensitive one
    assert Note.objects.filter(status="draft").count() == 1
    assert Result.objects.exists()
    assert Dictation.objects.get().status == "queued"
    clinician = StaffProfile.objects.get(practice=practice, role="clinician").user
    force_login_verified(client, clinician)
    patient = Note.objects.first().patient
    page = client.get(reverse("clinical:chart", args=[patient.public_id]))
    assert page.status_code == 200
    assert "Latest vitals" in page.content.decode()
