"""Headless Chromium (Debian's, never a downloaded one) against pytest-django's live_server.

Every test under tests/browser/ is marked `browser`: the Makefile runs them with
`pytest -m browser` (SQLite, no xdist) and the main runs leave them out.
"""

import os
import re
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
HERE = Path(__file__).resolve().parent
# Short waits: everything is local; a slow step is a bug worth seeing.
TIMEOUT_MS = 5_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the tests of this folder `browser` (before -m selects), and skip them without
    Chromium."""
    missing = None
    if not CHROMIUM.exists():
        missing = pytest.mark.skip(reason=f"browser tests need Debian's chromium at {CHROMIUM}")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(missing)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; without this the
    # ORM refuses calls from the test body (SynchronousOnlyOperation). Set only while the
    # browser lives, so a mixed run (`pytest` without -m) keeps Django's check elsewhere.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                # launch() gives every session a fresh, temporary user-data dir.
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def server(transactional_db, live_server) -> str:
    """The live server's base URL. Asks for `transactional_db` by name so the project's
    override (audit triggers on SQLite) wraps the flush."""
    return live_server.url


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


# An invalid form POST re-renders the page with status 422, by design; Chromium logs
# that document load as an error. (htmx requests that fail log their own htmx error.)
EXPECTED_422 = "Failed to load resource: the server responded with a status of 422"


class ConsoleProblems(list):
    """Console errors, page errors and CSP violations seen by a page."""

    def record(self, kind: str, text: str) -> None:
        self.append(f"{kind}: {text}")


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    context.set_default_timeout(TIMEOUT_MS)
    # Init scripts run outside the page's CSP, so this listener sees every violation.
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = ConsoleProblems()

    def on_console(msg) -> None:
        if msg.text.startswith(EXPECTED_422):
            return
        if msg.type == "error" or "Content Security Policy" in msg.text:
            problems.record(f"console.{msg.type}", msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.record("pageerror", str(exc)))
    page.problems = problems
    page.snap = lambda label: _screenshot(page, request, label)
    yield page
    try:
        _screenshot(page, request, "final")
    finally:
        context.close()
    # Every flow, not only the console test, must run clean under the CSP.
    assert list(problems) == [], "browser console errors or CSP violations"


def _screenshot(page, request, label: str) -> None:
    """test-artifacts/browser/<test>--<label>.png (gitignored), for humans to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{request.node.name}--{label}")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """What the user's authenticator app shows (for `steps_ahead` 30-second steps on)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def next_code(device) -> str:
    """A code not used yet: a second sign-in within 30 s takes the next step's code."""
    device.refresh_from_db()
    ahead = max(0, device.last_t + 1 - int(time.time()) // device.step)
    return totp_code(device, steps_ahead=ahead)


@pytest.fixture
def login(page):
    """login(user) signs in through the form and the second step (AC-07) with a code from
    the user's authenticator (one is set up for the user if it has none) and lands on the
    home page."""
    from medoffice.core.models import SealedTOTPDevice as TOTPDevice

    def sign_in(user, password: str = PASSWORD):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/login/verify/**")
        page.fill("#id_code", next_code(device))
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return sign_in
