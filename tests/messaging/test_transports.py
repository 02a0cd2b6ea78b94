"""Real transports on loopback: an SMTP server (aiosmtpd) and a stand-in for Twilio's API."""

import base64
import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import icalendar
import pytest
from aiosmtpd.controller import Controller

from medoffice.messaging.models import Message
from medoffice.messaging.services import reminders_send_due
from medoffice.messaging.sms import OutboxGateway, SmsSendError, TwilioGateway
from tests.messaging.conftest import VISIT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "reminders@riverside.example.org"
    settings.CALENDAR_UID_DOMAIN = "riverside.example.org"
    yield handler
    controller.stop()


def test_an_e_mail_reminder_arrives_over_smtp_with_the_visit_in_its_invitation(
    visit, freeze, smtp_server
):
    visit.patient.preferred_contact_method = "email"
    visit.patient.save()
    freeze(VISIT - timedelta(hours=24))

    assert reminders_send_due() == {"sent": 1}

    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["john.smith@example.org"]
    received = message_from_bytes(envelope.content, policy=default_policy)
    assert received["Subject"] == "Reminder: your visit on Fri, Mar 5 at 9:00 AM CST"
    assert received["From"] == "reminders@riverside.example.org"
    text = received.get_body(preferencelist=("plain",)).get_content()
    assert "When:  Fri, Mar 5 at 9:00 AM CST" in text
    assert "Where: Main, 100 Main St, Springfield, IL 62701" in text
    (part,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "visit.ics"
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == visit.starts_at
    assert event["DTEND"].dt == visit.ends_at
    assert str(event["DTSTART"].dt.tzinfo) == "America/Chicago"
    assert str(event["UID"]) == f"{visit.public_id}@riverside.example.org"
    assert str(event["SUMMARY"]) == "Visit at Riverside Test Practice"
    assert "100 Main St" in str(event["LOCATION"])
    assert calendar.get_missing_tzids() == set()  # the VTIMEZONE travels with it
    (message,) = Message.objects.filter(purpose="reminder")
    assert message.provider_message_id == received["Message-ID"]


def test_an_smtp_server_that_is_down_marks_the_reminder_failed(visit, freeze, settings):
    visit.patient.preferred_contact_method = "email"
    visit.patient.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    freeze(VISIT - timedelta(hours=24))

    assert reminders_send_due() == {"failed": 1}
    assert Message.objects.get(purpose="reminder").needs_attention


# --- Twilio's REST API, played by a loopback HTTP server ---


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list = []
    answer = (201, {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).requests.append(
            {
                "path": self.path,
                "authorization": self.headers["Authorization"],
                "content_type": self.headers["Content-Type"],
                "form": parse_qs(self.rfile.read(length).decode()),
            }
        )
        status, body = type(self).answer
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # keep numbers out of the test output
        pass


@pytest.fixture
def fake_twilio():
    FakeTwilio.requests = []
    FakeTwilio.answer = (201, {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", FakeTwilio
    server.shutdown()
    server.server_close()


def gateway(base_url):
    return TwilioGateway(
        account_sid="AC0000", auth_token="secret-token", from_number="+12175550100",
        base_url=base_url,
    )  # fmt: skip


def test_twilio_backend_posts_the_documented_request(fake_twilio):
    base_url, server = fake_twilio

    sid = gateway(base_url).send_sms("+12175550142", "Riverside: a reminder")

    assert sid == "SM0123456789abcdef0123456789abcdef"
    (request,) = server.requests
    assert request["path"] == "/2010-04-01/Accounts/AC0000/Messages.json"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(b"AC0000:secret-token").decode()
    assert request["authorization"] == f"Basic {expected}"
    assert request["form"] == {
        "To": ["+12175550142"], "From": ["+12175550100"], "Body": ["Riverside: a reminder"],
    }  # fmt: skip


def test_twilio_refusal_names_its_error_code(fake_twilio):
    base_url, server = fake_twilio
    server.answer = (400, {"code": 21211, "message": "The 'To' number is not valid."})

    with pytest.raises(SmsSendError) as refused:
        gateway(base_url).send_sms("+12175550142", "x")

    assert refused.value.code == "21211"
    assert "HTTP 400, error 21211" in str(refused.value)


def test_twilio_unreachable_is_a_send_error():
    with pytest.raises(SmsSendError) as refused:
        gateway(f"http://127.0.0.1:{free_port()}").send_sms("+12175550142", "x")

    assert refused.value.code == "unreachable"


def test_reminders_go_through_twilio_when_it_is_configured(visit, freeze, settings, fake_twilio):
    base_url, server = fake_twilio
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC0000", "secret-token"
    settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_BASE = "+12175550100", base_url
    freeze(VISIT - timedelta(hours=24))

    assert reminders_send_due() == {"sent": 1}

    (request,) = server.requests
    assert request["form"]["To"] == ["+12175550142"]
    message = Message.objects.get(purpose="reminder")
    assert message.provider_message_id == "SM0123456789abcdef0123456789abcdef"


def test_outbox_backend_keeps_the_text_and_marks_it_sent(db, texts):
    provider_id = OutboxGateway().send_sms("+12175550142", "hello")

    assert provider_id.startswith("outbox-")
    assert texts() == [("+12175550142", "hello")]
