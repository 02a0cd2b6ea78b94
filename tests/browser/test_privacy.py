"""Issue 8 in a real browser: a clinician enrols an authenticator, signs in with a code,
is signed out after the idle time-out (the configurable setting, shortened), signs in again
with a code, breaks the glass with a reason; the privacy officer sees the task and the
access, with what was done under it, on the review list. Then the privacy officer's screens."""

import base64
import time
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from medoffice.clinical import services as clinical
from medoffice.core.models import SealedTOTPDevice as TOTPDevice
from medoffice.core.roles import Role
from medoffice.privacy import services as privacy
from tests.browser.conftest import next_code, totp_code
from tests.clock import office_today
from tests.conftest import PASSWORD


def _password(page, user):
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _sensitive_note(patient, provider, author):
    note = clinical.note_start(
        patient=patient, provider=provider, author=author, sensitivity="behavioural"
    )
    clinical.note_save_draft(
        note=note, sections={"subjective": "Low mood for months.", "plan": "Therapy referral."}
    )
    return clinical.note_sign(note=note, signed_by=author)


def test_mfa_idle_timeout_break_the_glass_and_the_privacy_officers_review(
    page, browser, server, make_user, patient, provider, privacy_officer, settings
):
    author = make_user(Role.CLINICIAN, username="dr_author")
    note = _sensitive_note(patient, provider, author)
    doctor = make_user(Role.CLINICIAN, username="dr_glass")

    # Enrol: the first sign-in leads to the authenticator set-up.
    _password(page, doctor)
    page.wait_for_url("**/login/authenticator/**")
    page.snap("enrol")
    device = TOTPDevice(key=base64.b32decode(page.inner_text("#totp-secret")).hex())
    page.fill("#id_code", totp_code(device))
    page.click("button[type=submit]")
    page.click("text=I have saved them")
    page.wait_for_url(lambda url: "/login/" not in url)

    # Idle time-out: the setting shortened to 2 s; the next page after 3 s is the sign-in.
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 2
    time.sleep(3)
    page.goto(f"/patients/{patient.public_id}/")
    page.wait_for_url("**/login/**")
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 15 * 60

    # Sign in again: password, then a code.
    device = TOTPDevice.objects.get(user=doctor)
    _password(page, doctor)
    page.wait_for_url("**/login/verify/**")
    page.fill("#id_code", next_code(device))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    # The sensitive note is outside the doctor's scope: 404, until the glass is broken.
    # (Asked through the page's own cookies, not loaded: a 404 page load logs a console error.)
    assert page.request.get(f"/chart/notes/{note.public_id}/").status == 404
    page.goto(f"/patients/{patient.public_id}/chart/")
    page.get_by_role("link", name="Emergency access").click()
    page.fill("#id_reason", "too short")
    page.get_by_role("button", name="Open the chart").click()
    expect(page.locator("form.card")).to_contain_text("at least 10 characters")
    page.fill("#id_reason", "Unresponsive in the waiting room, history needed")
    page.get_by_role("button", name="Open the chart").click()
    page.wait_for_url(lambda url: "/emergency/" not in url)
    response = page.goto(f"/chart/notes/{note.public_id}/")
    assert response.status == 200
    expect(page.locator("body")).to_contain_text("Low mood for months.")
    expect(page.locator("body")).to_contain_text("EMERGENCY ACCESS")
    page.snap("emergency-note")

    # The privacy officer, in another browser: the task, then the review list.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    officer = context.new_page()
    try:
        officer_device = TOTPDevice.objects.create(
            user=privacy_officer, name="phone", confirmed=True
        )
        _password(officer, privacy_officer)
        officer.wait_for_url("**/login/verify/**")
        officer.fill("#id_code", next_code(officer_device))
        officer.click("button[type=submit]")
        officer.wait_for_url(lambda url: "/login/" not in url)
        officer.goto("/tasks/")
        task = officer.get_by_role("link", name="Review an emergency access by dr_glass")
        expect(task).to_be_visible()
        task.click()
        grants = officer.locator("#grants")
        expect(grants).to_contain_text("dr_glass")
        expect(grants).to_contain_text("Unresponsive in the waiting room, history needed")
        expect(grants).to_contain_text("2 flagged actions")  # the chart, then the note
        officer.screenshot(path=str(_artifact("privacy-officer-review-list")), full_page=True)
        grants.get_by_placeholder("Comment").fill("Confirmed with the ER log")
        grants.get_by_role("button", name="Reviewed").click()
        expect(officer.locator("#grants")).to_contain_text("reviewed")
        officer.goto("/tasks/")
        expect(officer.locator("#tasks")).not_to_contain_text("dr_glass")
    finally:
        context.close()


def _artifact(label):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"test_privacy--{label}.png"


def test_privacy_officer_screens(page, login, privacy_officer, make_user, patient, practice):
    """Each screen of the program renders cleanly (no console error, no CSP violation) with
    data in it; wrong input shows field errors."""
    manager = make_user(Role.OFFICE_MANAGER, username="manager")
    previous = privacy.assessment_start(practice=practice, user=privacy_officer, year=2025)
    answer = previous.answers.get(question_key="encryption")
    privacy.answer_save(answer=answer, user=privacy_officer, status="partial", likelihood=4,
                        impact=5, finding="Backups on a USB disk, unencrypted",
                        remediation="Encrypt the backup disk", owner=manager,
                        due_on=office_today() + timedelta(days=30))  # fmt: skip
    current = privacy.assessment_start(practice=practice, user=privacy_officer, year=2026)
    incident = privacy.incident_report(
        practice=practice, user=privacy_officer, title="Shared password",
        description="A password on a sticky note", discovered_at=timezone.now(),
        subject_user=manager, window_start=timezone.now() - timedelta(days=3),
        window_end=timezone.now(),
    )  # fmt: skip

    login(privacy_officer)
    page.get_by_role("link", name="Privacy").first.click()
    expect(page.locator("h1")).to_have_text("Privacy program")
    page.snap("home")
    page.goto(f"/privacy/risk/{current.public_id}/")
    expect(page.locator("#q-encryption")).to_contain_text("20 high")
    page.snap("assessment")
    page.locator("#q-encryption").get_by_role("link", name="Answer").click()
    page.select_option("#id_status", "missing")
    page.fill("#id_remediation", "Encrypt the disk")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#errors-owner")).to_contain_text("needs an owner")
    page.snap("answer-errors")
    page.goto(f"/privacy/incidents/{incident.public_id}/")
    page.get_by_role("button", name="List from the audit trail").click()
    expect(page.locator("#deadline")).to_contain_text("60 days after discovery")
    page.snap("incident")
    page.goto("/privacy/workforce/")
    expect(page.locator("#workforce")).to_contain_text("never trained")
    page.snap("workforce")
    page.goto("/privacy/associates/new/")
    page.fill("#id_vendor", "Cloud Fax")
    page.fill("#id_services", "Fax")
    page.fill("#id_phi_shared", "Faxed records")
    page.fill("#id_signed_on", "2025-01-01")
    page.fill("#id_expires_on", (office_today() + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#associates")).to_contain_text("renew")
    page.snap("associates")
