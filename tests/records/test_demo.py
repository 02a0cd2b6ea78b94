"""`medoffice demo` gives the charted patients documents, a log, requests, referrals and a
transfer; made once; every file is real and verifies."""

from django.urls import reverse

from medoffice.clinical.demo import load_demo_chart
from medoffice.core.models import StaffProfile
from medoffice.core.testing import force_login_verified
from medoffice.patients.synthetic import load_demo
from medoffice.records.demo import load_demo_records
from medoffice.records.files import read_verified
from medoffice.records.models import (
    Communication,
    Disclosure,
    Document,
    RecordTransfer,
    Referral,
    RoiRequest,
)
from medoffice.scheduling.demo import load_demo_schedule


def test_demo_records_are_made_once_and_open_for_the_records_clerk(db, client):
    practice = load_demo(patients=60)["practice"]
    load_demo_schedule(practice=practice, seed=5, days=2)
    load_demo_chart(practice=practice, seed=3, patients=3)

    first = load_demo_records(practice=practice, patients=2)
    again = load_demo_records(practice=practice, patients=2)

    assert first == {"created": True, "patients": 2}
    assert again == {"created": False}
    assert Document.objects.count() == 6
    for document in Document.objects.all():
        assert read_verified(document.file, document.sha256)
    questions = Communication.objects.filter(topic="clinical")
    assert questions.filter(answered_at__isnull=True).count() == 2  # waiting in the inbox
    assert questions.filter(answered_at__isnull=False).count() == 2
    assert set(RoiRequest.objects.values_list("status", flat=True)) == {"open", "released"}
    disclosures = Disclosure.objects.order_by("id")
    assert [d.roi_request_id is not None for d in disclosures] == [True, False]  # then a referral
    assert all(d.recipient_name.startswith("Dr. Priya Shah") for d in disclosures)
    assert set(Referral.objects.values_list("direction", "status")) == {
        ("out", "sent"),
        ("in", "received"),
    }
    assert RecordTransfer.objects.get().status == "prepared"
    clerk = StaffProfile.objects.get(practice=practice, role="records").user
    force_login_verified(client, clerk)
    patient = RoiRequest.objects.first().patient
    page = client.get(reverse("records:release-list", args=[patient.public_id]))
    assert page.status_code == 200
    assert "Dana Brooks" in page.content.decode()
