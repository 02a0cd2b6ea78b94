"""Transcription in a real browser: a medical assistant plays the dictation, skips forward
and back with the buttons and the Alt keys (the server answers byte ranges, so the player
can seek), takes a term from the practice's lexicon with Tab, and sends the transcript to
the clinician; the turnaround is recorded."""

import time

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from medoffice.clinical import services
from medoffice.clinical.models import Dictation, LexiconTerm
from medoffice.core.roles import Role
from tests.clinical.factories import wav_bytes

PLAYER = "document.getElementById('dictation-audio')"


def _wait_until(page, condition: str, *, seconds: float = 20) -> None:
    """Poll `condition` in the page (page.wait_for_function evaluates strings with eval,
    which our Content-Security-Policy rightly refuses)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {condition}")
        page.wait_for_timeout(100)


def _at(seconds: int) -> str:
    return f"Math.abs({PLAYER}.currentTime - {seconds}) < 0.5"


def test_assistant_transcribes_with_playback_keys_and_term_autocomplete(
    page, login, make_user, clinician, provider, patient, practice
):
    provider.user = clinician
    provider.save(update_fields=["user"])
    LexiconTerm.objects.create(practice=practice, term="Essential tremor follow-up")
    dictation = services.dictation_upload(
        patient=patient, provider=provider, uploaded_by=clinician,
        upload=SimpleUploadedFile("visit.wav", wav_bytes(seconds=30), content_type="audio/wav"),
    )  # fmt: skip

    login(make_user(Role.MEDICAL_ASSISTANT, username="ma_lopez"))
    page.goto("/chart/transcription/")
    page.get_by_role("link", name="Open").first.click()
    page.locator("#dictation-audio").wait_for(state="attached")  # the next page has loaded
    _wait_until(page, f"{PLAYER}.readyState >= 1 && {PLAYER}.duration > 20")

    page.get_by_role("button", name="Forward 5 s").click()
    page.get_by_role("button", name="Forward 5 s").click()
    _wait_until(page, _at(10))
    box = page.locator("#id_transcript")
    box.click()
    page.keyboard.press("Alt+j")
    _wait_until(page, _at(5))
    page.keyboard.press("Alt+l")
    _wait_until(page, _at(10))

    box.press_sequentially("S: Here for ess")
    expect(page.locator("#term-list li").first).to_have_text("Essential tremor follow-up")
    box.press("Tab")
    expect(box).to_have_value("S: Here for Essential tremor follow-up")
    box.press_sequentially("\nA: Stable.\nP: Continue propranolol.")
    page.get_by_label("Send to the clinician for review").check()
    page.snap("transcribed")
    page.get_by_role("button", name="Save").click()

    dictation = Dictation.objects.get(pk=dictation.pk)
    assert dictation.status == "transcribed"
    assert dictation.transcript.startswith("S: Here for Essential tremor follow-up")
    assert dictation.turnaround is not None
