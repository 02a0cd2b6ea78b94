"""Keyboard help of app.js, and pages that run clean under the CSP (no console errors)."""

import re

from playwright.sync_api import expect


def test_slash_focuses_search_and_escape_clears_results(page, login, front_desk, make_patient):
    smith = make_patient()
    login(front_desk)
    expect(page.locator("#q")).not_to_be_focused()

    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#q")).to_have_value("")  # the "/" itself is not typed

    page.keyboard.type("smi")
    result = page.locator("#search-results a.result")
    expect(result).to_have_count(1)
    expect(result).to_contain_text(f"MRN {smith.mrn}")

    # Arrow keys walk the results; Escape empties them and returns to the box.
    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#search-results")).to_be_empty()
    expect(page.locator("#q")).to_be_focused()

    # Typing "/" inside a field types it; it does not jump to search.
    page.goto("/patients/new/")
    page.click("#id_address1")
    page.keyboard.type("1/2 Main")
    expect(page.locator("#id_address1")).to_have_value("1/2 Main")
    expect(page.locator("#id_address1")).to_be_focused()


def test_pages_have_no_console_errors_or_csp_violations(page, login, front_desk, make_patient):
    patient = make_patient()
    login(front_desk)
    expect(page.get_by_role("heading", name=re.compile("Good day"))).to_be_visible()
    # The scripts really ran (a blocked script would also leave a console error).
    assert page.evaluate("typeof window.htmx") == "object"

    page.keyboard.press("/")
    page.keyboard.type("smith")
    expect(page.locator("#search-results a.result")).to_have_count(1)

    response = page.goto(f"/patients/{patient.public_id}/")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.locator(".patient-head")).to_contain_text(patient.mrn)
    tabs = page.get_by_role("navigation", name="Patient record")
    tabs.get_by_role("link", name="Insurance").click()
    expect(page.locator("#tab-panel")).to_contain_text("No insurance on file")
    tabs.get_by_role("link", name="Consents").click()
    expect(page.locator("#tab-panel")).to_contain_text("Consents and signed forms")

    page.goto("/patients/new/")
    page.select_option("#id_state", "IL")
    page.fill("#id_zip_code", "10001")
    page.locator("#id_zip_code").blur()
    expect(page.locator("#errors-zip_code")).to_contain_text("is not in IL")

    assert list(page.problems) == []

    # The detector works: an inline script without the nonce is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.append(s); }"
    )
    assert page.evaluate("window.injected") is None
    for _ in range(20):  # the violation event is queued; give it a moment
        if any("CSP violation: script-src" in p for p in page.problems):
            break
        page.wait_for_timeout(50)
    assert any("CSP violation: script-src" in p for p in page.problems), page.problems
    page.problems.clear()
