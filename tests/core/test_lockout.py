"""AC-09 throttling: the 6th failure in the window is locked, by username and address together;
an unknown username and a wrong password get the same answer; the lockout is audited."""

import re

from django.conf import settings
from django.urls import reverse

from medoffice.core.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD
from tests.core.conftest import new_client

LIMIT = settings.AXES_FAILURE_LIMIT


def _attempt(username, password, *, ip="192.0.2.10"):
    return new_client().post(
        reverse("core:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _comparable(response, username) -> str:
    body = response.content.decode().replace(username, "USERNAME")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r"'{\"X-CSRFToken\": \"[^\"]+\"}'", "", body)
    return re.sub(r'nonce="[^"]+"', "", body)


def test_settings_lock_by_username_and_address_after_five_failures():
    assert LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_unknown_user_and_wrong_password_get_the_same_answer(front_desk):
    unknown = _attempt("nobody-here", "wrong-password-123")
    wrong = _attempt(front_desk.username, "wrong-password-123")

    assert unknown.status_code == wrong.status_code == 200
    assert _comparable(unknown, "nobody-here") == _comparable(wrong, front_desk.username)


def test_sixth_failure_is_locked_and_audited(front_desk):
    for _ in range(LIMIT - 1):
        assert _attempt(front_desk.username, "wrong-password-123").status_code == 200

    locked = _attempt(front_desk.username, "wrong-password-123")
    after = _attempt(front_desk.username, PASSWORD)  # even the right password, from there

    assert locked.status_code == after.status_code == 429
    assert "Too many failed sign-ins" in after.content.decode()
    event = AuditEvent.objects.filter(category="security", outcome="denied").last()
    assert event.action == AuditAction.LOGIN_FAILED
    assert event.username == front_desk.username
    assert event.client_ip == "192.0.2.10"
    assert "locked" in event.detail


def test_lockout_does_not_lock_the_user_out_from_another_address(front_desk):
    for _ in range(LIMIT):
        _attempt(front_desk.username, "wrong-password-123")

    elsewhere = _attempt(front_desk.username, PASSWORD, ip="192.0.2.99")

    assert elsewhere.status_code == 302


def test_lockout_of_one_user_leaves_colleagues_at_the_same_address_alone(front_desk, biller):
    for _ in range(LIMIT):
        _attempt(front_desk.username, "wrong-password-123")

    assert _attempt(biller.username, PASSWORD).status_code == 302


def test_unknown_usernames_lock_the_same_way(db):
    answers = [_attempt("ghost", "wrong-password-123").status_code for _ in range(LIMIT + 1)]

    assert answers == [200] * (LIMIT - 1) + [429, 429]
