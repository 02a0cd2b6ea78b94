"""The Communications tab: the front desk sees what went out, what came back, and why not."""

from datetime import timedelta

from django.urls import reverse

from medoffice.messaging.services import reminders_send_due
from tests.messaging.conftest import BOOKED_AT, VISIT


def test_front_desk_sees_a_reminder_not_sent_for_lack_of_consent(
    freeze, book, rooms, make_patient, front_desk, client_for
):
    freeze(BOOKED_AT)
    patient = make_patient()
    book(patient, VISIT, override=True)
    freeze(VISIT - timedelta(hours=72))
    reminders_send_due()

    url = reverse("messaging:message-list", args=[patient.public_id])

    response = client_for(front_desk).get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not sent" in page
    assert "no consent to texts" in page
    assert "Fri 03/05/2027 9:00 AM" in page  # the visit, in the office's time


def test_the_tab_is_audited_as_a_read_of_the_patients_messages(
    visit, front_desk, client_for, audit_mark, audit_since
):
    client = client_for(front_desk)  # signing in is audited too: before the mark
    mark = audit_mark()

    client.get(reverse("messaging:message-list", args=[visit.patient.public_id]))

    (event,) = audit_since(mark)
    assert (event.action, event.category, event.object_type) == (
        "read",
        "messages",
        "messaging.message",
    )
    assert event.patient_id == str(visit.patient.public_id)


def test_a_coder_may_not_read_messages(visit, make_user, client_for):
    coder = client_for(make_user("coder"))

    response = coder.get(reverse("messaging:message-list", args=[visit.patient.public_id]))

    assert response.status_code == 403
