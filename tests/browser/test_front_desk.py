"""The front desk's day in a real browser: sign in, register (with the duplicate check),
find the patient again by a misspelled name, add insurance; inline and submit-time errors."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from medoffice.patients.models import Coverage, Patient
from tests.clock import office_today

EXISTING = {"first_name": "Robert", "last_name": "Johnson", "mobile_phone": "(217) 555-0101"}

NEW_PATIENT = {
    "#id_first_name": "Bob",
    "#id_last_name": "Jonson",
    "#id_dob": "1980-04-01",  # same DOB as the seeded Robert Johnson
    "#id_address1": "77 Birch Ave",
    "#id_city": "Springfield",
    "#id_zip_code": "62704",
    "#id_mobile_phone": "217-555-0177",
}
SELECTS = {"#id_sex_at_birth": "M", "#id_state": "IL"}


def fill_registration(page: Page, **overrides) -> None:
    for selector, value in {**NEW_PATIENT, **overrides}.items():
        if selector in SELECTS:
            continue
        page.fill(selector, value)
    for selector, value in SELECTS.items():
        page.select_option(selector, overrides.get(selector, value))


def submit_registration(page: Page) -> None:
    """Submit the form with a full page load (not the htmx inline check)."""
    with page.expect_navigation():
        page.click("#register-form button[type=submit]")


def open_registration(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register patient").click()
    expect(page.get_by_role("heading", name="Register a patient")).to_be_visible()


@pytest.fixture
def existing(make_patient) -> Patient:
    return make_patient(**EXISTING)


def test_register_despite_duplicate_then_find_by_typo_and_add_insurance(
    page, login, front_desk, existing, payer
):
    login(front_desk)
    expect(page).to_have_url(re.compile(r"/$"))
    open_registration(page)

    fill_registration(page)
    page.check("#id_privacy_notice")
    submit_registration(page)

    # The duplicate panel names the existing record; nothing was saved yet.
    panel = page.locator("section.candidates")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("This patient may already be registered")
    expect(panel).to_contain_text(existing.mrn)
    expect(panel).to_contain_text("Johnson, Robert")
    expect(panel).to_contain_text("same date of birth")
    assert Patient.objects.count() == 1
    # What was typed is kept.
    expect(page.locator("#id_first_name")).to_have_value("Bob")
    page.snap("duplicate-panel")

    page.check("#id_confirm_not_duplicate")
    submit_registration(page)

    expect(page.locator(".message")).to_contain_text("Registered")
    new = Patient.objects.exclude(pk=existing.pk).get()
    assert (new.first_name, new.last_name, new.dob) == ("Bob", "Jonson", date(1980, 4, 1))
    assert new.mrn != existing.mrn
    assert new.consents.filter(kind="privacy_notice").exists()
    expect(page).to_have_url(re.compile(rf"/{new.public_id}/$"))
    expect(page.locator(".patient-head")).to_contain_text(new.mrn)

    # Back home, then find the new patient by a misspelled name and the birth date.
    page.click("a.brand")
    page.locator("body").press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("bobb jonsen 4/1/1980")
    results = page.locator("#search-results a.result")
    expect(results.first).to_contain_text(f"MRN {new.mrn}")
    expect(page.locator("#search-results")).to_contain_text("matched by name and date of birth")
    page.snap("search-results")
    results.first.click()
    expect(page).to_have_url(re.compile(rf"/{new.public_id}/$"))
    expect(page.locator(".patient-head h1")).to_have_text("Jonson, Bob")

    # Insurance tab (htmx swap + pushed URL), then the add form.
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Insurance"
    ).click()
    expect(page).to_have_url(re.compile(rf"/{new.public_id}/insurance/$"))
    expect(page.locator("#tab-panel")).to_contain_text("No insurance on file")
    page.get_by_role("link", name="Add insurance").click()
    expect(page.get_by_role("heading", name=re.compile("Add insurance"))).to_be_visible()
    page.select_option("#id_payer", str(payer.pk))
    page.fill("#id_member_id", "W123456789")
    page.select_option("#id_order", "1")
    page.fill("#id_effective_start", "2025-01-01")
    page.snap("insurance-form")
    with page.expect_navigation():
        page.click("button:has-text('Save insurance')")

    expect(page).to_have_url(re.compile(rf"/{new.public_id}/insurance/$"))
    expect(page.locator(".message")).to_contain_text("Insurance added.")
    card = page.locator("#tab-panel section.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Primary · Aetna")
    expect(card).to_contain_text("W123456789")
    expect(card).to_contain_text("01/01/2025 – open")
    coverage = Coverage.objects.get(patient=new)
    assert (coverage.member_id, coverage.order, coverage.payer_id) == ("W123456789", 1, payer.pk)


def test_duplicate_warning_offers_the_existing_record(page, login, front_desk, existing):
    login(front_desk)
    open_registration(page)
    fill_registration(page)
    submit_registration(page)

    page.locator("section.candidates").get_by_role("link", name="Johnson, Robert").click()

    expect(page).to_have_url(re.compile(rf"/{existing.public_id}/$"))
    expect(page.locator(".patient-head")).to_contain_text(f"MRN {existing.mrn}")
    assert Patient.objects.count() == 1


def test_inline_validation_flags_a_zip_outside_the_state(page, login, front_desk):
    login(front_desk)
    open_registration(page)
    page.select_option("#id_state", "IL")
    page.fill("#id_zip_code", "10001")
    page.locator("#id_zip_code").blur()  # "change" -> htmx posts _validate

    expect(page.locator("#errors-zip_code")).to_have_text("ZIP code 10001 is not in IL.")
    # Only filled-in fields speak: no "required" noise on the empty ones.
    expect(page.locator("#errors-first_name")).to_be_empty()
    expect(page).to_have_url(re.compile(r"/patients/new/$"))

    page.fill("#id_zip_code", "62704")
    page.locator("#id_zip_code").blur()
    expect(page.locator("#errors-zip_code")).to_be_empty()
    assert Patient.objects.count() == 0


def test_future_birth_date_is_refused_and_nothing_is_saved(page, login, front_desk):
    login(front_desk)
    open_registration(page)
    future = (office_today() + timedelta(days=30)).isoformat()
    fill_registration(page, **{"#id_dob": future})
    submit_registration(page)

    expect(page.locator("#field-dob")).to_have_class(re.compile(r"\binvalid\b"))
    expect(page.locator("#errors-dob")).to_have_text("The date of birth is in the future.")
    expect(page.locator("section.candidates")).to_have_count(0)
    expect(page.locator("#id_dob")).to_have_value(future)
    assert Patient.objects.count() == 0
