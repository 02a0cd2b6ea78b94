"""Replies by text: confirm, cancel, STOP, strangers, ambiguity, bad input, bad signatures."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.timezone import localdate as today

from medoffice.core.models import AuditEvent
from medoffice.messaging.models import Message, SmsOptOut
from medoffice.messaging.rules import Channel
from medoffice.messaging.selectors import policy_for, reach_for
from medoffice.messaging.services import reminders_send_due
from medoffice.messaging.sms import twilio_signature
from medoffice.scheduling.models import Appointment
from tests.core.conftest import new_client
from tests.messaging.conftest import VISIT

TOKEN = "a-shared-webhook-secret"
URL = "/hooks/sms/"


@pytest.fixture(autouse=True)
def outbox_webhook(settings, immediate_tasks):
    """Our answers are queued for the worker; here they run at once."""
    settings.SMS_BACKEND = "outbox"
    settings.SMS_WEBHOOK_TOKEN = TOKEN


@pytest.fixture
def reminded(visit, freeze):
    """The visit, reminded by text 24 h before; the clock now an hour later."""
    freeze(VISIT - timedelta(hours=24))
    reminders_send_due()
    freeze(VISIT - timedelta(hours=23))
    return visit


def reply(body, *, sender="(217) 555-0142", sid="SM1", token=TOKEN, **fields):
    data = {"From": sender, "Body": body, "MessageSid": sid, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return new_client().post(URL, data, HTTP_X_MEDOFFICE_WEBHOOK_TOKEN=token)


def inbound():
    return list(Message.objects.filter(direction="in").order_by("created_at", "id"))


def answers():
    return list(Message.objects.filter(purpose="acknowledgement").values_list("status", "body"))


def test_route_is_where_the_docs_say():
    assert reverse("messaging:sms-inbound") == URL


@pytest.mark.parametrize("word", ["C", "y", "Yes", "CONFIRM", " c. "])
def test_a_yes_confirms_the_reminded_visit(reminded, word, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = reply(word)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    visit = Appointment.objects.get(pk=reminded.pk)
    assert visit.confirmed_via == "sms"
    assert visit.confirmed_at is not None
    (message,) = inbound()
    assert (message.status, message.appointment_id, message.note) == (
        "handled",
        visit.pk,
        "visit confirmed by text",
    )
    assert message.in_reply_to.purpose == "reminder"
    ((status, body),) = answers()
    assert status == "sent"  # the worker's task ran (immediately here) and texted back
    assert "is confirmed" in body


@pytest.mark.parametrize("word", ["N", "no", "CANCEL"])
def test_a_no_cancels_the_visit_with_the_reason_given(reminded, word):
    reply(word)

    visit = Appointment.objects.get(pk=reminded.pk)
    assert visit.status == "cancelled"
    assert visit.cancel_reason == "Cancelled by patient by text message"
    assert inbound()[0].note == "visit cancelled by text"


def test_changes_made_by_a_reply_are_audited_as_the_gateway(reminded):
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = reply("C")

    (event,) = AuditEvent.objects.filter(id__gt=mark)
    assert (event.username, event.user_id) == ("sms-gateway", None)
    assert event.detail == "confirmed via sms"
    assert event.patient_id == str(reminded.patient.public_id)
    assert event.request_id == response["X-Request-ID"]
    assert event.client_ip == "127.0.0.1"


def test_the_same_reply_posted_twice_is_acted_on_once(reminded):
    reply("N", sid="SMdup")
    second = reply("N", sid="SMdup")

    assert second.status_code == 200
    assert len(inbound()) == 1


def test_stop_opts_the_number_out_and_revokes_the_text_consent(reminded):
    response = reply("STOP")

    assert response.status_code == 200
    assert SmsOptOut.objects.filter(phone="+12175550142").exists()
    consent = reminded.patient.consents.get(kind="sms")
    assert consent.revoked_on is not None
    assert answers() == []  # the carrier confirms STOP; we send nothing more
    sms, email = reach_for(reminded.patient, policy_for(reminded.location.practice), today())
    assert sms.refusal(Channel.SMS) == "no consent to texts"
    assert email.refusal(Channel.EMAIL) == ""  # later messages go by e-mail


def test_an_unknown_number_changes_nothing_and_is_recorded_as_unmatched(reminded):
    response = reply("C", sender="(312) 555-0199")

    assert response.status_code == 200
    (message,) = inbound()
    assert (message.status, message.note, message.patient) == ("unmatched", "unknown number", None)
    assert Appointment.objects.get(pk=reminded.pk).confirmed_at is None


def test_a_known_patient_with_no_open_question_is_flagged_for_staff(visit, freeze):
    freeze(VISIT - timedelta(hours=30))  # no reminder sent yet

    reply("running 10 minutes late")

    (message,) = inbound()
    assert (message.status, message.needs_attention) == ("unmatched", True)
    assert message.patient == visit.patient


def test_a_number_shared_by_two_reminded_patients_is_left_to_staff(
    reminded, book, reachable, freeze
):
    freeze(VISIT - timedelta(days=5))
    sibling = book(reachable(first_name="Amy"), VISIT + timedelta(hours=1), override=True)
    freeze(VISIT + timedelta(hours=1) - timedelta(hours=24))
    reminders_send_due()

    reply("N")

    (message,) = inbound()
    assert (message.status, message.needs_attention) == ("ambiguous", True)
    for appointment in (reminded, sibling):
        assert Appointment.objects.get(pk=appointment.pk).status == "booked"


def test_a_reply_that_is_not_a_keyword_is_flagged_and_answered(reminded):
    reply("No, but I will be late")

    (message,) = inbound()
    assert (message.status, message.needs_attention) == ("not_understood", True)
    assert Appointment.objects.get(pk=reminded.pk).status == "booked"
    assert "did not understand" in answers()[0][1]


def test_a_yes_after_the_visit_was_cancelled_changes_nothing(reminded):
    from medoffice.scheduling.services import appointment_cancel

    appointment_cancel(appointment=reminded, reason="Office closed")

    reply("C")

    (message,) = inbound()
    assert message.needs_attention
    assert message.note == "visit is cancelled: nothing changed"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"From": None}, "From"), ({"Body": None}, "Body"), ({"From": "not a phone"}, "From")],
)
def test_malformed_posts_get_a_400_problem_and_record_nothing(reminded, fields, field):
    response = reply("C", **fields)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert inbound() == []


def test_a_wrong_or_missing_token_is_refused(reminded, settings):
    assert reply("C", token="guess").status_code == 403
    settings.SMS_WEBHOOK_TOKEN = ""  # no secret configured: the webhook is closed
    assert reply("C", token="").status_code == 403
    assert inbound() == []


def test_only_post_is_allowed(db):
    assert new_client().get(URL).status_code == 405


# --- Twilio's signature ---


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token"
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_FROM_NUMBER = "+12175550100"
    return settings


def _signed_post(data, *, token="twilio-auth-token", url="http://testserver/hooks/sms/"):
    signature = twilio_signature(token, url, {k: [v] for k, v in data.items()})
    return new_client().post(URL, data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_correctly_signed_twilio_post_is_acted_on(reminded, twilio):
    data = {"From": "+12175550142", "Body": "C", "MessageSid": "SM9", "To": "+12175550100"}

    assert _signed_post(data).status_code == 200
    assert Appointment.objects.get(pk=reminded.pk).confirmed_at is not None


def test_a_bad_twilio_signature_is_refused_with_403(reminded, twilio):
    data = {"From": "+12175550142", "Body": "N", "MessageSid": "SM9"}

    assert _signed_post(data, token="someone-elses-token").status_code == 403
    tampered = new_client().post(
        URL,
        {**data, "Body": "N"},
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(
            "twilio-auth-token", "http://testserver/hooks/sms/", {"From": ["+12175550142"],
                                                                  "Body": ["C"]}
        ),
    )  # fmt: skip
    assert tampered.status_code == 403
    assert Appointment.objects.get(pk=reminded.pk).status == "booked"
    assert inbound() == []


def test_the_configured_public_url_is_what_the_signature_covers(reminded, twilio):
    twilio.SMS_WEBHOOK_URL = "https://office.example.org/hooks/sms/"
    data = {"From": "+12175550142", "Body": "C", "MessageSid": "SM10"}

    assert _signed_post(data, url="https://office.example.org/hooks/sms/").status_code == 200
    assert _signed_post({**data, "MessageSid": "SM11"}).status_code == 403


def test_twilio_signature_matches_twilios_published_vectors():
    # The example of Twilio's request-validation documentation and client libraries.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    }
    repeated = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234", "1234"]}

    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_reply_posted_twice_at_once_returns_the_record_of_the_one_that_won(db, monkeypatch):
    from django.db import IntegrityError

    from medoffice.messaging import services

    def lose_the_race(**kwargs):
        # The other request commits its record first; this one's insert then fails.
        Message.objects.create(direction="in", channel="sms", purpose="reply",
                               status="handled", provider_message_id="SMrace")  # fmt: skip
        raise IntegrityError("message_inbound_once")

    monkeypatch.setattr(services, "_sms_reply_act", lose_the_race)

    winner = services.sms_reply_receive(
        number="+12175550142", body="C", provider_message_id="SMrace"
    )

    assert (winner.provider_message_id, winner.status) == ("SMrace", "handled")
