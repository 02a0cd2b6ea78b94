"""AC-07 in the browser: enrol an authenticator from the page, sign in with a code, a wrong
code refused, a recovery code works once."""

import base64

from medoffice.core.models import SealedTOTPDevice as TOTPDevice
from tests.browser.conftest import next_code, totp_code
from tests.conftest import PASSWORD


def _password(page, user):
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _sign_out(page):
    page.click("text=Sign out")
    page.wait_for_url("**/login/**")


def test_enrol_sign_in_with_a_code_and_with_a_recovery_code_once(page, front_desk):
    # First sign-in: no authenticator yet, so the password leads to enrolment.
    _password(page, front_desk)
    page.wait_for_url("**/login/authenticator/**")
    assert page.locator(".qr svg").count() == 1
    page.snap("enrol")
    secret = page.inner_text("#totp-secret")  # what the phone would read from the QR code
    device = TOTPDevice(key=base64.b32decode(secret).hex())
    page.fill("#id_code", totp_code(device))
    page.click("button[type=submit]")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    page.snap("recovery-codes")
    page.click("text=I have saved them")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert page.locator("h1").inner_text().startswith("Good day")
    _sign_out(page)

    # A wrong code is refused, the right one signs in.
    device = TOTPDevice.objects.get(user=front_desk)
    _password(page, front_desk)
    page.wait_for_url("**/login/verify/**")
    wrong = f"{(int(next_code(device)) + 500_000) % 1_000_000:06d}"
    page.fill("#id_code", wrong)
    page.click("button[type=submit]")
    assert "not valid" in page.inner_text("#errors-code")
    page.goto("/")
    assert "/login/verify/" in page.url
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # wait out the slow-down after a wrong code
    device.save()
    page.fill("#id_code", next_code(device))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    _sign_out(page)

    # A recovery code works once.
    for attempt in ("first", "again"):
        _password(page, front_desk)
        page.wait_for_url("**/login/verify/**")
        page.click("text=Use a recovery code")
        page.fill("#id_code", codes[0])
        page.click("button[type=submit]")
        if attempt == "first":
            assert page.inner_text("#codes-left") == "9"
            page.click("text=Continue")
            page.wait_for_url(lambda url: "/login/" not in url)
            _sign_out(page)
        else:
            assert "already used" in page.inner_text("#errors-code")
            page.goto("/")
            assert "/login/" in page.url
