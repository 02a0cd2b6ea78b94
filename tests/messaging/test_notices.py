"""Booked, moved, cancelled: the patient hears of it once, with the calendar kept in step."""

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from medoffice.formats.ical import parse_invite
from medoffice.messaging.models import Message, ReminderPolicy
from medoffice.messaging.replies import PATIENT_TEXT_CANCEL_REASON
from medoffice.scheduling.models import AppointmentType
from medoffice.scheduling.services import appointment_cancel, appointment_reschedule
from tests.messaging.conftest import BOOKED_AT, VISIT

pytestmark = pytest.mark.usefixtures("immediate_tasks")


@pytest.fixture
def by_email(freeze, reachable, rooms, location):
    freeze(BOOKED_AT)
    location.phone = "(217) 555-0100"
    location.save()
    return reachable(preferred_contact_method="email")


def invite_of(email_message):
    raw = message_from_bytes(email_message.message().as_bytes(), policy=default_policy)
    (part,) = [p for p in raw.walk() if p.get_content_type() == "text/calendar"]
    return part, parse_invite(part.get_payload(decode=True))


def notices():
    return list(Message.objects.exclude(purpose="reminder").order_by("created_at", "id"))


def test_a_booking_sends_an_e_mail_with_a_calendar_invitation(
    by_email, book, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(by_email, VISIT, override=True)

    (email,) = mailoutbox
    assert email.to == ["john.smith@example.org"]
    assert email.subject == "Your visit on Fri, Mar 5 at 9:00 AM CST is booked"
    part, invite = invite_of(email)
    assert part.get_param("method") == "REQUEST"
    assert invite.uid == f"{visit.public_id}@localhost"
    assert (invite.starts_at, invite.ends_at) == (visit.starts_at, visit.ends_at)
    assert invite.time_zone == "America/Chicago"
    assert invite.sequence == 0
    assert invite.summary == "Visit at Riverside Test Practice"
    assert invite.location == "Main, 100 Main St, Springfield, IL 62701"
    ((purpose, status, sequence),) = [(m.purpose, m.status, m.ics_sequence) for m in notices()]
    assert (purpose, status, sequence) == ("booked", "sent", 0)


def test_a_move_and_a_cancellation_update_the_same_calendar_entry(
    by_email, book, freeze, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(by_email, VISIT, override=True, reason="Depression follow-up")
    new_time = VISIT + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(appointment=visit, starts_at=new_time, override=True)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=visit, reason="Feeling better")

    booked, moved, cancelled = (invite_of(m) for m in mailoutbox)
    assert moved[1].uid == cancelled[1].uid == booked[1].uid
    assert [i.sequence for _, i in (booked, moved, cancelled)] == [0, 1, 2]
    assert moved[1].starts_at == new_time
    assert (cancelled[0].get_param("method"), cancelled[1].method) == ("CANCEL", "CANCEL")
    for email in mailoutbox:
        assert "Depression" not in email.message().as_string()


def test_a_telehealth_visit_carries_its_join_link(
    by_email, book, practice, mailoutbox, django_capture_on_commit_callbacks
):
    video = AppointmentType.objects.create(
        practice=practice, name="Video visit", duration_minutes=20, modality="telehealth"
    )
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(by_email, VISIT, type_=video, override=True)

    assert visit.telehealth_url.startswith("https://video.example.org/medoffice/")
    (email,) = mailoutbox
    assert visit.telehealth_url in email.body
    _, invite = invite_of(email)
    assert invite.url == visit.telehealth_url
    assert invite.location == "Video visit"


def test_two_telehealth_visits_get_different_links(by_email, book, practice, reachable):
    video = AppointmentType.objects.create(
        practice=practice, name="Video visit", duration_minutes=20, modality="telehealth"
    )
    first = book(by_email, VISIT, type_=video, override=True)
    second = book(reachable(first_name="Ann"), VISIT + timedelta(hours=1), type_=video,
                  override=True)  # fmt: skip

    assert first.telehealth_url != second.telehealth_url


def test_a_patient_who_prefers_texts_gets_the_booking_by_text(
    freeze, reachable, rooms, book, texts, django_capture_on_commit_callbacks
):
    freeze(BOOKED_AT)
    with django_capture_on_commit_callbacks(execute=True):
        book(reachable(), VISIT, override=True)

    ((to, body),) = texts()
    assert to == "+12175550142"
    assert body.endswith("your visit at Main on Fri, Mar 5 at 9:00 AM CST is booked.")


def test_a_cancellation_by_text_is_not_announced_twice_by_text(
    freeze, reachable, rooms, book, texts, django_capture_on_commit_callbacks
):
    freeze(BOOKED_AT)
    visit = book(reachable(), VISIT, override=True)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=visit, reason=PATIENT_TEXT_CANCEL_REASON)

    assert texts() == []


def test_without_consent_the_front_desk_sees_why_nobody_was_told(
    freeze, make_patient, rooms, book, mailoutbox, django_capture_on_commit_callbacks
):
    freeze(BOOKED_AT)
    with django_capture_on_commit_callbacks(execute=True):
        book(make_patient(), VISIT, override=True)

    (skipped,) = notices()
    assert skipped.status == "skipped"
    assert skipped.note == "not sent: text: no consent to texts; e-mail: no e-mail address"
    assert mailoutbox == []


def test_a_practice_can_turn_booking_notices_off(
    by_email, book, practice, mailoutbox, django_capture_on_commit_callbacks
):
    ReminderPolicy.objects.create(practice=practice, booking_notices=False)
    with django_capture_on_commit_callbacks(execute=True):
        book(by_email, VISIT, override=True)

    assert mailoutbox == []
    assert notices() == []


def test_a_queue_that_cannot_be_written_does_not_undo_the_booking(
    by_email, book, monkeypatch, django_capture_on_commit_callbacks
):
    from medoffice.messaging import tasks

    class Unqueueable:
        def enqueue(self, *args):
            raise RuntimeError("database is locked")

    monkeypatch.setattr(tasks, "send_appointment_notice", Unqueueable())
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(by_email, VISIT, override=True)

    assert visit.pk is not None
