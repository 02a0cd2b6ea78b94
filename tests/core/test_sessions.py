"""AC-05 idle time-out and absolute lifetime; AC-06 new session id at login, logout ends it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from medoffice.core.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
from tests.conftest import PASSWORD
from tests.core.conftest import enrolled_device, new_client, sign_in, totp_now

IDLE = settings.SESSION_IDLE_TIMEOUT_SECONDS
ABSOLUTE = settings.SESSION_ABSOLUTE_LIFETIME_SECONDS
HOME = "/"


def test_defaults_are_fifteen_minutes_idle_and_twelve_hours_absolute():
    assert IDLE == 15 * 60
    assert ABSOLUTE == 12 * 3600


def _login(user):
    return sign_in(user)


def _key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _session_exists(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def _age_session(client, *, idle: float, since_login: float) -> str:
    """Move the stored login and last-seen instants into the past; return the session key."""
    session = client.session
    now = timezone.now().timestamp()
    session[SESSION_LOGIN_AT] = now - since_login
    session[SESSION_LAST_SEEN] = now - idle
    session.save()
    return session.session_key


def _assert_sent_to_login(response, path=HOME):
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_login_records_when_the_session_started(front_desk):
    client = _login(front_desk)

    session = client.session
    assert abs(session[SESSION_LOGIN_AT] - timezone.now().timestamp()) < 60
    assert session[SESSION_LAST_SEEN] >= session[SESSION_LOGIN_AT]


def test_session_survives_just_under_the_idle_timeout(front_desk):
    client = _login(front_desk)
    _age_session(client, idle=IDLE - 1, since_login=IDLE - 1)

    assert client.get(HOME).status_code == 200


def test_idle_timeout_sends_to_login_and_deletes_the_server_session(front_desk):
    client = _login(front_desk)
    key = _age_session(client, idle=IDLE + 1, since_login=IDLE + 1)

    _assert_sent_to_login(client.get(HOME))

    assert not _session_exists(key)
    _assert_sent_to_login(client.get(HOME))


def test_activity_keeps_the_session_until_the_absolute_lifetime(front_desk):
    client = _login(front_desk)
    _age_session(client, idle=60, since_login=ABSOLUTE - 1)

    assert client.get(HOME).status_code == 200


def test_absolute_lifetime_ends_an_active_session(front_desk):
    client = _login(front_desk)
    key = _age_session(client, idle=0, since_login=ABSOLUTE + 1)

    _assert_sent_to_login(client.get(HOME))

    assert not _session_exists(key)


def test_expired_api_session_gets_401_problem(front_desk, patient):
    client = _login(front_desk)
    _age_session(client, idle=IDLE + 1, since_login=IDLE + 1)

    response = client.get(reverse("api:patient-detail", args=[patient.public_id]))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


class Clock:
    """django.utils.timezone.now, advanced by hand (the framework's clock, not ours)."""

    def __init__(self):
        self.now = timezone.now()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock.now):
        yield clock


def test_clock_idle_timeout_leaves_no_usable_session(front_desk, clock):
    client = _login(front_desk)
    key = _key(client)
    clock.advance(IDLE - 1)
    assert client.get(HOME).status_code == 200

    clock.advance(IDLE + 1)

    _assert_sent_to_login(client.get(HOME))
    assert not Session.objects.filter(session_key=key, expire_date__gt=clock.now).exists()
    assert SessionStore(session_key=key).load() == {}


def test_clock_absolute_lifetime_ends_a_session_in_constant_use(front_desk, clock):
    client = _login(front_desk)
    key = _key(client)
    step = IDLE - 60
    elapsed = 0
    while elapsed + step < ABSOLUTE:
        clock.advance(step)
        elapsed += step
        assert client.get(HOME).status_code == 200, f"signed out after {elapsed} s"
    assert _session_exists(key)

    clock.advance(ABSOLUTE - elapsed + 1)

    _assert_sent_to_login(client.get(HOME))
    assert not _session_exists(key)


def test_login_issues_a_new_session_id(front_desk):
    device = enrolled_device(front_desk)
    client = new_client()
    anonymous = SessionStore()
    anonymous["seen"] = True
    anonymous.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous.session_key

    response = client.post(
        reverse("core:login"), {"username": front_desk.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    password_only = _key(client)
    assert password_only != anonymous.session_key
    assert not _session_exists(anonymous.session_key)
    # The second factor raises the session's worth: it gets a new id again.
    response = client.post(reverse("core:mfa-verify"), {"code": totp_now(device)})
    assert response.status_code == 302
    assert _key(client) not in (anonymous.session_key, password_only)
    assert not _session_exists(password_only)
    assert client.get(HOME).status_code == 200


def test_logout_ends_the_server_session_and_clears_the_browser(front_desk):
    client = _login(front_desk)
    key = _key(client)

    response = client.post(reverse("core:logout"))

    assert response.status_code == 302
    clear = response["Clear-Site-Data"]
    for part in ('"cache"', '"cookies"', '"storage"'):
        assert part in clear
    assert not _session_exists(key)
    replay = new_client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    _assert_sent_to_login(replay.get(HOME))


def test_logout_by_get_changes_nothing(front_desk):
    client = _login(front_desk)
    key = _key(client)

    response = client.get(reverse("core:logout"))

    assert response.status_code == 405
    assert _session_exists(key)
    assert client.get(HOME).status_code == 200


# --- AC-06: events that end sessions; the old cookie is replayed after each ---


def _replay(key: str):
    replay = new_client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    return replay.get(HOME)


def test_password_change_ends_the_users_other_sessions(front_desk):
    other = _login(front_desk)
    other_key = _key(other)
    front_desk.set_password("a-new-long-passphrase-2026")
    front_desk.save()

    _assert_sent_to_login(_replay(other_key))
    assert not _session_exists(other_key)


def test_deactivating_a_user_ends_all_their_sessions(front_desk, biller):
    first, second, colleague = _login(front_desk), _login(front_desk), _login(biller)
    keys = [_key(first), _key(second)]

    front_desk.is_active = False
    front_desk.save()

    for key in keys:
        assert not _session_exists(key)
        _assert_sent_to_login(_replay(key))
    assert colleague.get(HOME).status_code == 200


def test_administrator_ends_a_users_sessions_from_the_admin(front_desk, make_user, audit_mark):
    from medoffice.core.models import AuditEvent
    from medoffice.core.roles import Role

    victim = _login(front_desk)
    key = _key(victim)
    admin = make_user(Role.ADMINISTRATOR)
    admin_client = _login(admin)
    mark = audit_mark()

    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "end_sessions", "_selected_action": [front_desk.pk]},
    )

    assert response.status_code == 302
    assert not _session_exists(key)
    _assert_sent_to_login(_replay(key))
    assert admin_client.get(HOME).status_code == 200
    event = AuditEvent.objects.filter(id__gt=mark, object_id=str(front_desk.pk)).get()
    assert event.detail == "sessions ended by an administrator: 1"
