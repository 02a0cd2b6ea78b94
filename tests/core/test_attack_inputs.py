"""Bad input from issue 8 not covered elsewhere, and what the logs may hold.

- A forged session cookie signs nobody in and is not adopted (no session fixation).
- AU-05: CR/LF in what is logged cannot forge a log line.
- AC-08/"no PHI in logs": a representative day (failed and good sign-ins with the second
  factor, registering a patient with an SSN, insurance with a member id, search, reading,
  an API token, refusals, a 404, a bad form) leaves no name, birth date, member id, SSN,
  TOTP secret or code, password, API token or session id in any log record, at any level.

Covered in other files: a CSRF-less POST (test_headers.py), a path-traversal file name
(tests/patients/test_uploads.py, tests/records/test_documents.py), a replayed TOTP code
(test_mfa.py), a restore from a damaged backup (test_backup.py).
"""

import base64
import io
import logging
import re
import secrets

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from medoffice.core.api_auth import api_token_issue
from medoffice.core.logs import SingleLineFormatter, one_line
from medoffice.patients.models import Coverage, Patient
from tests.conftest import PASSWORD
from tests.core.conftest import enrolled_device, new_client, sign_in, totp_now

# --- Forged session cookies ---


FORGED = [
    secrets.token_hex(16),  # a key that was never issued
    "a" * 32,
    "../../etc/passwd",
    "' OR '1'='1",
    "x" * 4096,
]


@pytest.mark.parametrize("forged", FORGED, ids=["random", "pattern", "path", "sql", "long"])
def test_a_forged_session_cookie_reaches_nothing_and_is_not_adopted(forged, patient):
    client = new_client()
    client.cookies[settings.SESSION_COOKIE_NAME] = forged

    page = client.get(reverse("patients:patient-detail", args=[patient.public_id]))
    api = client.get(reverse("api:patient-detail", args=[patient.public_id]))

    assert page.status_code == 302
    assert page["Location"].startswith("/login/?next=")
    assert api.status_code in (401, 403)
    assert api["Content-Type"] == "application/problem+json"
    assert not Session.objects.filter(session_key=forged[:40]).exists()
    # Signing in after it gives a session key of the server's choosing.
    # (The login page is public; the key it sets, if any, is not the forged one.)
    login = client.get(reverse("core:login"))
    cookie = login.cookies.get(settings.SESSION_COOKIE_NAME)
    assert cookie is None or cookie.value != forged


def test_the_session_key_of_an_ended_session_is_refused(front_desk):
    client = sign_in(front_desk)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("core:logout"))

    thief = new_client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen

    assert thief.get("/").status_code == 302


def test_a_session_key_with_one_character_changed_is_refused(front_desk):
    client = sign_in(front_desk)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    altered = key[:-1] + ("a" if key[-1] != "a" else "b")

    thief = new_client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = altered

    assert thief.get("/").status_code == 302


# --- AU-05: log injection ---


def _record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("medoffice.test", logging.WARNING, __file__, 1, msg, args, exc_info)


FORGERY = "x.edi\r\n2026-01-01 09:00:00,000 INFO medoffice.core login ok user=admin"


def test_cr_and_lf_in_a_logged_value_stay_on_the_records_line():
    formatter = SingleLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")

    line = formatter.format(_record("clearinghouse file %s quarantined", FORGERY))

    assert "\n" not in line
    assert "\r" not in line
    assert "x.edi\\r\\n2026-01-01 09:00:00,000 INFO" in line


@pytest.mark.parametrize("control", ["\n", "\r", "\x0b", "\x0c", "\x1b[2J", "\x85", "\u2028"])
def test_every_line_breaking_or_control_character_is_escaped(control):
    escaped = one_line(f"a{control}b")

    assert escaped.startswith("a\\")
    assert escaped.endswith("b")
    assert len(escaped.splitlines()) == 1


def test_a_traceback_keeps_its_lines_but_none_can_pass_for_a_record():
    formatter = SingleLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        raise ValueError(FORGERY)
    except ValueError:
        import sys

        text = formatter.format(_record("failed on %s", FORGERY, exc_info=sys.exc_info()))

    first, *rest = text.split("\n")
    assert rest, "the traceback was dropped"
    assert all(line.startswith("    ") for line in rest)
    assert "\r" not in text


def test_the_configured_log_format_is_the_single_line_one():
    formatter = settings.LOGGING["formatters"]["plain"]

    assert formatter["()"] == "medoffice.core.logs.SingleLineFormatter"


@pytest.fixture
def log_file():
    """The root logger writing through the configured formatter into a string, at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SingleLineFormatter(settings.LOGGING["formatters"]["plain"]["format"]))
    root = logging.getLogger()
    quiet = {name: logging.getLogger(name).level for name in settings.LOGGING["loggers"]}
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def test_a_request_path_with_cr_lf_cannot_forge_a_line(log_file, front_desk, client_for):
    client = client_for(front_desk)

    client.get("/patients/%0d%0a2026-01-01%2009:00:00,000%20INFO%20forged/")

    lines = log_file.getvalue().splitlines()
    assert lines, "nothing was logged: the test would prove nothing"
    assert not any(line.startswith("2026-01-01 09:00:00,000 INFO forged") for line in lines)


# --- No PHI or secret in any log record ---


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def texts(self) -> list[str]:
        texts = []
        for record in self.records:
            texts.append(record.getMessage())
            if record.exc_info:
                texts.append(logging.Formatter().formatException(record.exc_info))
        return texts


@pytest.fixture
def capture():
    handler = Capture()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in [*settings.LOGGING["loggers"], ""]}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


NEW = {
    "first_name": "Philippa",
    "last_name": "Quenneville",
    "dob": "1961-02-17",
    "sex_at_birth": "F",
    "address1": "77 Larkspur Way",
    "city": "Springfield",
    "state": "IL",
    "zip_code": "62702",
    "mobile_phone": "217-555-0166",
    "gender_identity": "female",
    "preferred_language": "en",
    "preferred_contact_method": "phone",
    "guarantor_relationship": "self",
    "ssn": "524-71-3388",
}
MEMBER_ID = "QZV7730419"


def test_a_day_of_work_leaves_no_phi_or_secret_in_any_log_record(
    capture, front_desk, biller, payer, make_user
):
    secrets_seen: set[str] = set()

    # Sign-ins: a wrong password, then password and code through the real pages.
    device = enrolled_device(front_desk)
    wrong = "Wrong-horse-battery-staple-9"
    new_client().post(reverse("core:login"), {"username": front_desk.username, "password": wrong})
    client = sign_in(front_desk)
    device.refresh_from_db()
    secrets_seen |= {PASSWORD, wrong, device.key, base64.b32encode(device.bin_key).decode()}
    secrets_seen.add(client.cookies[settings.SESSION_COOKIE_NAME].value)

    # A replayed code is refused (and must not be logged either).
    code = totp_now(device)
    replay = new_client()
    replay.post(reverse("core:login"), {"username": front_desk.username, "password": PASSWORD})
    replay.post(reverse("core:mfa-verify"), {"code": code})
    replay.post(reverse("core:mfa-verify"), {"code": code})

    # Register (once with a bad field: a 422 with errors), then read, search, insure.
    bad = client.post(reverse("patients:patient-register"), {**NEW, "dob": "17/02/1961"})
    assert bad.status_code == 422
    done = client.post(reverse("patients:patient-register"), NEW)
    assert done.status_code == 302, done.content[:300]
    patient = Patient.objects.get(last_name=NEW["last_name"])
    assert (
        client.get(reverse("patients:patient-detail", args=[patient.public_id])).status_code == 200
    )
    client.post(reverse("patients:patient-search"), {"q": NEW["last_name"]})
    client.post(reverse("patients:patient-search"), {"q": "02/17/1961"})
    token = api_token_issue(user=front_desk)
    secrets_seen.add(token)
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    added = client.post(
        reverse("api:coverage-list", args=[patient.public_id]),
        {"payer": payer.payer_id, "member_id": MEMBER_ID, "order": 1, "relationship": "18",
         "effective_start": "2024-01-01"},
        **api,
    )  # fmt: skip
    assert added.status_code == 201, added.content
    assert Coverage.objects.get(patient=patient).member_id == MEMBER_ID
    client.post(reverse("api:patient-search"), {"q": MEMBER_ID}, **api)
    client.get(f"/patients/{patient.public_id}/ssn/")  # front desk may not: 403, audited
    client.get("/api/patients/00000000-0000-4000-8000-000000000000/", **api)  # 404
    new_client().get("/api/patients/", HTTP_AUTHORIZATION="Bearer mo_not-a-token")  # 401

    # The biller reveals the SSN (allowed, audited).
    revealed = make_user("biller", username="log_biller")
    assert sign_in(revealed).get(f"/api/patients/{patient.public_id}/ssn/").json() == {
        "ssn": NEW["ssn"]
    }

    phi = {
        NEW["first_name"], NEW["last_name"], NEW["address1"], "1961-02-17", "02/17/1961",
        "17/02/1961", NEW["ssn"], NEW["ssn"].replace("-", ""), MEMBER_ID, "2175550166",
    }  # fmt: skip
    texts = capture.texts()
    assert texts, "nothing was logged: the capture would prove nothing"
    found = sorted(
        (value, text[:120]) for text in texts for value in phi | secrets_seen if value in text
    )
    codes = [text[:120] for text in texts if re.search(rf"\b{code}\b", text)]
    assert found == []
    assert codes == []
