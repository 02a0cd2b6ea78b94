"""AC-07 second factor: a password-only session reaches no PHI route; TOTP codes are single-use;
recovery codes are stored hashed and each works once. AC-06: a new authenticator ends the
user's other sessions."""

import base64
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.urls import reverse

from medoffice.core import mfa
from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import (
    AuditAction,
    RecoveryCode,
    RecoveryCodeDevice,
    SealedTOTPDevice,
)
from medoffice.core.models import SealedTOTPDevice as TOTPDevice
from medoffice.core.sealing import SealedCharField
from tests.conftest import PASSWORD
from tests.core.conftest import enrolled_device, new_client, sign_in, totp_now
from tests.core.routes import ROUTES

HOME = "/"


def _password_only(user):
    client = new_client()
    response = client.post(reverse("core:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _enrol(client) -> tuple[str, list[str]]:
    """Go through enrolment as a person would: read the key off the page, type a code."""
    page = client.get(reverse("core:mfa-enrol")).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7=]+)<', page).group(1)
    key_hex = base64.b32decode(secret).hex()
    device = TOTPDevice(key=key_hex)
    response = client.post(reverse("core:mfa-enrol"), {"code": totp_now(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f-]{14})</code>", response.content.decode())
    return key_hex, codes


def test_password_only_session_reaches_no_route(world, front_desk):
    enrolled_device(front_desk)
    client = _password_only(front_desk)
    leaks = []
    for route in ROUTES:
        response = route.call(client, world)
        if route.api or route.fhir:
            if response.status_code not in (401, 403):
                leaks.append((route.id, response.status_code))
        elif response.status_code != 302 or not response["Location"].startswith(
            reverse("core:mfa-verify")
        ):
            leaks.append((route.id, response.status_code, response.get("Location")))

    assert leaks == []
    assert client.get("/admin/").status_code == 302


def test_user_without_an_authenticator_is_sent_to_enrolment(front_desk):
    client = _password_only(front_desk)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == "/login/authenticator/?next=%2F"


def test_enrolment_shows_an_inline_svg_qr_code_and_the_key(front_desk):
    client = _password_only(front_desk)

    response = client.get(reverse("core:mfa-enrol"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>")[0]
    assert re.search(r'id="totp-secret">[A-Z2-7]{32}<', body)
    assert not TOTPDevice.objects.filter(user=front_desk).exists()  # nothing stored by a GET


def test_enrolment_gives_ten_codes_stored_only_as_digests(front_desk, audit_mark, audit_since):
    client = _password_only(front_desk)
    mark = audit_mark()

    key_hex, codes = _enrol(client)

    assert len(codes) == 10 == len(set(codes))
    assert client.get(HOME).status_code == 200
    device = TOTPDevice.objects.get(user=front_desk)
    assert device.confirmed
    # AC-08: the secret is sealed at rest, and opens to the one the phone scanned.
    assert device.key.startswith("mo1$")
    assert key_hex not in device.key
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key.hex() == key_hex
    stored = list(RecoveryCode.objects.filter(device__user=front_desk))
    assert len(stored) == 10
    for code in codes:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                # Sealed fields hold ciphertext only (test_sealing.py); no lookup runs on them.
                if isinstance(field, models.CharField | models.TextField) and not isinstance(
                    field, SealedCharField
                ):
                    lookup = {f"{field.attname}__icontains": code.replace("-", "")}
                    assert not model._base_manager.filter(**lookup).exists(), model
    assert {mfa.recovery_code_digest(c) for c in codes} == {r.digest for r in stored}
    actions = [(e.action, e.detail.split(";")[0]) for e in audit_since(mark)]
    assert (AuditAction.PRIVILEGE_CHANGE, "second factor enrolled") in actions


def test_the_enrolment_code_cannot_sign_in_again(front_desk):
    client = _password_only(front_desk)
    key_hex, _ = _enrol(client)
    code = totp_now(TOTPDevice(key=key_hex))

    other = _password_only(front_desk)
    response = other.post(reverse("core:mfa-verify"), {"code": code})

    assert response.status_code == 422


def test_a_password_only_session_cannot_replace_an_existing_authenticator(front_desk):
    enrolled_device(front_desk)
    client = _password_only(front_desk)

    response = client.get(reverse("core:mfa-enrol"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:mfa-verify"))


def test_a_code_signs_in_once_and_a_replay_is_refused(front_desk, audit_mark, audit_since):
    device = enrolled_device(front_desk)
    code = totp_now(device)
    first = _password_only(front_desk)
    assert first.post(reverse("core:mfa-verify"), {"code": code}).status_code == 302
    assert first.get(HOME).status_code == 200

    second = _password_only(front_desk)
    mark = audit_mark()
    response = second.post(reverse("core:mfa-verify"), {"code": code})

    assert response.status_code == 422
    assert "not valid" in response.content.decode()
    assert second.get(HOME).status_code == 302
    (event,) = audit_since(mark)
    assert (event.action, event.outcome) == (AuditAction.LOGIN_FAILED, "failure")
    assert code not in event.detail


def test_a_wrong_code_is_refused(front_desk):
    device = enrolled_device(front_desk)
    client = _password_only(front_desk)
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("core:mfa-verify"), {"code": wrong})

    assert response.status_code == 422
    assert client.get(HOME).status_code == 302


def test_each_recovery_code_works_once(front_desk):
    key_hex, codes = _enrol(_password_only(front_desk))

    client = _password_only(front_desk)
    response = client.post(reverse("core:mfa-recovery"), {"code": codes[3].upper()})
    assert response.status_code == 200
    assert 'id="codes-left">9<' in response.content.decode()
    assert client.get(HOME).status_code == 200

    again = _password_only(front_desk)
    assert again.post(reverse("core:mfa-recovery"), {"code": codes[3]}).status_code == 422
    assert again.get(HOME).status_code == 302
    # A refusal slows the next try down (1 s, then doubling): wait that out.
    RecoveryCodeDevice.objects.update(throttling_failure_timestamp=None)
    assert again.post(reverse("core:mfa-recovery"), {"code": codes[4]}).status_code == 200


def test_another_users_recovery_code_does_not_work(front_desk, biller):
    _, codes = _enrol(_password_only(front_desk))
    enrolled_device(biller)

    client = _password_only(biller)

    assert client.post(reverse("core:mfa-recovery"), {"code": codes[0]}).status_code == 422


@pytest.mark.parametrize("name", ["core:mfa-verify", "core:mfa-recovery", "core:mfa-enrol"])
def test_second_factor_pages_send_an_anonymous_caller_to_sign_in(name, db):
    response = new_client().get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_api_token_needs_no_second_factor(biller, patient):
    raw = api_token_issue(user=biller)
    client = _password_only(biller)  # a half-finished browser session does not get in the way

    response = client.get(
        reverse("api:patient-detail", args=[patient.public_id]),
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200


def test_a_new_authenticator_ends_the_users_other_sessions(front_desk):
    other = sign_in(front_desk)
    other_key = other.cookies[settings.SESSION_COOKIE_NAME].value
    current = sign_in(front_desk)

    _enrol(current)

    assert not Session.objects.filter(session_key=other_key).exists()
    assert other.get(HOME).status_code == 302
    assert current.get(HOME).status_code == 200


def test_reset_removes_the_factors_and_ends_every_session(front_desk):
    client = sign_in(front_desk)
    mfa.recovery_codes_issue(user=front_desk)

    assert mfa.mfa_reset(user=front_desk) == 1

    assert client.get(HOME).status_code == 302
    assert mfa.totp_device_for(front_desk) is None
    assert mfa.recovery_device_for(front_desk) is None
