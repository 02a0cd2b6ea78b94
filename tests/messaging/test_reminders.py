"""The reminder sweep on a frozen clock: which visits are reminded, when, how, and only once."""

from datetime import time, timedelta

import pytest

from medoffice.messaging.models import ReminderPolicy, SmsOptOut
from medoffice.messaging.services import reminders_send_due
from medoffice.patients.services import consent_revoke
from medoffice.scheduling.services import (
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from tests.messaging.conftest import VISIT, reminders


@pytest.fixture
def sweep(freeze):
    def at(instant):
        freeze(instant)
        return reminders_send_due()

    return at


def test_nothing_is_sent_before_the_first_offset(visit, sweep, texts):
    assert sweep(VISIT - timedelta(hours=72, minutes=1)) == {}
    assert texts() == []
    assert reminders() == []


def test_sends_a_text_at_72_hours_and_another_at_24(visit, sweep, texts):
    sweep(VISIT - timedelta(hours=72))
    sweep(VISIT - timedelta(hours=48))
    sweep(VISIT - timedelta(hours=24))

    sent = reminders()
    assert [(m.offset_minutes, m.channel, m.status) for m in sent] == [
        (72 * 60, "sms", "sent"),
        (24 * 60, "sms", "sent"),
    ]
    assert [to for to, _ in texts()] == ["+12175550142", "+12175550142"]


def test_the_text_says_when_in_the_office_time_and_how_to_answer(visit, sweep, texts):
    visit.reason = "Chest pain follow-up"
    visit.save()

    sweep(VISIT - timedelta(hours=24))

    ((_, body),) = texts()
    assert "Fri, Mar 5 at 9:00 AM CST" in body  # 15:00 UTC in Chicago
    assert "Reply C to confirm or N to cancel" in body
    assert "John" in body
    assert "Chest" not in body  # minimum necessary: never the reason for the visit
    assert "Office visit" not in body
    assert "Nguyen" not in body


def test_running_the_sweep_twice_sends_once(visit, sweep, texts):
    assert sweep(VISIT - timedelta(hours=70)) == {"sent": 1}
    assert sweep(VISIT - timedelta(hours=70)) == {}
    assert sweep(VISIT - timedelta(hours=69)) == {}

    assert len(texts()) == 1


def test_a_missed_reminder_is_sent_late_but_only_the_nearest_one(visit, sweep, texts):
    # The worker was down from before 72 h until 20 h before the visit.
    sweep(VISIT - timedelta(hours=20))

    assert [m.offset_minutes for m in reminders()] == [24 * 60]
    assert len(texts()) == 1


def test_a_visit_booked_inside_the_window_is_not_reminded_for_it(
    freeze, book, rooms, reachable, sweep, texts
):
    freeze(VISIT - timedelta(hours=30))
    book(reachable(), VISIT, override=True)

    sweep(VISIT - timedelta(hours=29))  # 72 h passed before the booking: no reminder for it
    sweep(VISIT - timedelta(hours=24))

    assert [m.offset_minutes for m in reminders()] == [24 * 60]


def test_a_started_visit_is_not_reminded(visit, sweep):
    assert sweep(VISIT + timedelta(minutes=1)) == {}


def test_cancelled_and_no_show_visits_get_no_reminders(
    visit, sweep, book, reachable, texts, freeze
):
    appointment_cancel(appointment=visit, reason="Patient called")
    other = book(reachable(first_name="Ann", mobile_phone="(217) 555-0199"), VISIT, override=True)
    freeze(VISIT + timedelta(minutes=30))  # a no-show is only known once the time has passed
    appointment_set_status(appointment=other, status="noshow")

    assert sweep(VISIT - timedelta(hours=24)) == {}
    assert texts() == []


def test_a_rescheduled_visit_is_reminded_again_for_its_new_time(visit, sweep, freeze, texts):
    sweep(VISIT - timedelta(hours=24))
    new_time = VISIT + timedelta(days=7)
    freeze(VISIT - timedelta(hours=23))
    appointment_reschedule(appointment=visit, starts_at=new_time, override=True)

    sweep(new_time - timedelta(hours=72))
    sweep(new_time - timedelta(hours=24))

    assert [(m.appointment_starts_at, m.offset_minutes) for m in reminders()] == [
        (VISIT, 24 * 60),
        (new_time, 72 * 60),
        (new_time, 24 * 60),
    ]
    assert "Fri, Mar 12 at 9:00 AM CST" in texts()[-1][1]


def test_without_consent_nothing_is_sent_and_the_reason_is_recorded(
    freeze, book, rooms, make_patient, sweep, texts
):
    freeze(VISIT - timedelta(days=5))
    book(make_patient(email="x@example.org"), VISIT, override=True)

    assert sweep(VISIT - timedelta(hours=72)) == {"skipped": 1}
    assert sweep(VISIT - timedelta(hours=71)) == {}  # recorded once, not every minute

    (skipped,) = reminders()
    assert (skipped.channel, skipped.status) == ("none", "skipped")
    assert skipped.note == "not sent: text: no consent to texts; e-mail: no consent to e-mail"
    assert texts() == []


def test_a_revoked_text_consent_falls_back_to_e_mail(visit, sweep, texts, mailoutbox):
    consent = visit.patient.consents.get(kind="sms")
    consent_revoke(consent=consent, revoked_on=(VISIT - timedelta(days=4)).date())

    sweep(VISIT - timedelta(hours=72))

    (reminder,) = reminders()
    assert (reminder.channel, reminder.address) == ("email", "john.smith@example.org")
    assert texts() == []
    assert len(mailoutbox) == 1


def test_the_preferred_channel_wins_when_both_are_consented(visit, sweep, texts, mailoutbox):
    visit.patient.preferred_contact_method = "email"
    visit.patient.save()

    sweep(VISIT - timedelta(hours=72))

    assert reminders()[0].channel == "email"
    assert texts() == []


def test_no_mobile_number_means_no_text(freeze, book, rooms, reachable, sweep, texts):
    freeze(VISIT - timedelta(days=5))
    book(reachable(mobile_phone="", home_phone="(217) 555-0142"), VISIT, override=True)

    sweep(VISIT - timedelta(hours=72))

    assert reminders()[0].channel == "email"


def test_a_number_that_replied_stop_gets_no_text(visit, sweep, texts):
    SmsOptOut.objects.create(phone="+12175550142", keyword="STOP")
    visit.patient.email = ""
    visit.patient.save()

    sweep(VISIT - timedelta(hours=72))

    assert reminders()[0].note == (
        "not sent: text: the number replied STOP; e-mail: no e-mail address"
    )


def test_texts_wait_for_the_end_of_quiet_hours(visit, sweep, texts):
    # 72 h before 9:00 Friday is 9:00 Tuesday; make the quiet hours cover it.
    ReminderPolicy.objects.create(
        practice=visit.location.practice, quiet_start=time(8, 0), quiet_end=time(10, 0)
    )

    assert sweep(VISIT - timedelta(hours=72)) == {"held": 1}
    assert sweep(VISIT - timedelta(hours=71)) == {"sent": 1}  # 10:00 Chicago


def test_offsets_come_from_the_practice_policy(visit, sweep, texts):
    ReminderPolicy.objects.create(practice=visit.location.practice, offsets="48, 1")

    sweep(VISIT - timedelta(hours=72))
    sweep(VISIT - timedelta(hours=48))
    sweep(VISIT - timedelta(hours=1))  # 8:00 in Chicago, the end of the quiet hours

    assert [m.offset_minutes for m in reminders()] == [48 * 60, 1 * 60]


def test_a_practice_that_turned_reminders_off_sends_none(visit, sweep, texts):
    ReminderPolicy.objects.create(practice=visit.location.practice, is_active=False)

    assert sweep(VISIT - timedelta(hours=24)) == {}


def test_a_gateway_failure_is_recorded_for_staff_and_not_retried(visit, sweep, monkeypatch):
    from medoffice.messaging import services
    from medoffice.messaging.sms import SmsSendError

    class Broken:
        def send_sms(self, to, body):
            raise SmsSendError("Twilio refused the message (HTTP 400, error 21211)")

    monkeypatch.setattr(services, "sms_gateway", lambda: Broken())

    assert sweep(VISIT - timedelta(hours=72)) == {"failed": 1}
    assert sweep(VISIT - timedelta(hours=71)) == {}  # at most once: staff call the patient
    (failed,) = reminders()
    assert failed.needs_attention
    assert "21211" in failed.note
