"""The chart in a real browser: a clinician writes a visit note, signs it, finds it locked,
and adds an addendum that shows under it; a second tab's stale edit is refused with the
addendum box offered."""

from playwright.sync_api import expect

from medoffice.clinical.models import Note


def test_clinician_signs_a_note_then_adds_an_addendum(page, login, clinician, provider, patient):
    provider.user = clinician
    provider.save(update_fields=["user"])

    login(clinician)
    page.goto(f"/patients/{patient.public_id}/")
    page.get_by_role("navigation", name="Patient record").get_by_role("link", name="Chart").click()
    expect(page.locator("#h-notes")).to_contain_text("Visit notes")
    page.get_by_role("button", name="New visit note").click()
    expect(page.locator("h1")).to_contain_text("Visit note")
    page.fill("#id_subjective", "Sore throat for 2 days, no fever.")
    page.fill("#id_objective", "Pharynx red, no exudate.")
    page.fill("#id_assessment", "Viral pharyngitis.")
    page.fill("#id_plan", "Salt-water gargles; return if worse.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".message")).to_contain_text("Draft saved")
    stale_url = page.url

    page.get_by_role("button", name="Sign note").click()
    expect(page.locator("#note-status")).to_have_text("Signed")
    expect(page.locator("#note-form")).to_have_count(0)
    page.snap("signed")

    page.fill("#id_text", "Rapid strep came back negative.")
    page.fill("#id_reason", "Test result")
    page.get_by_role("button", name="Sign addendum").click()
    expect(page.locator("#addenda")).to_contain_text("Rapid strep came back negative.")

    note = Note.objects.get(patient=patient)
    assert note.status == "signed"
    assert note.addenda.get().text == "Rapid strep came back negative."
    assert stale_url.endswith(f"/chart/notes/{note.public_id}/")
