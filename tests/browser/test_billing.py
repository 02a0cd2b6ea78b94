"""Charge capture in a real browser: the clinician opens today's checked-in video visit, ticks
services and diagnoses on the superbill (one found with the search box) and signs; the coder
finds it in the queue with a claim-check warning, adds modifier 95 as a correction, and the
encounter is clean."""

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from medoffice.billing.models import Charge, Encounter
from medoffice.core.roles import Role
from medoffice.scheduling.front_desk import visit_check_in
from medoffice.scheduling.models import Appointment, AppointmentType
from tests.billing.conftest import (  # noqa: F401 - fixtures
    CHICAGO,
    DOS,
    code_sets,
    coverage,
    fee_schedule,
    superbill_template,
)


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/login/" in url)


@pytest.mark.usefixtures("code_sets", "fee_schedule", "coverage", "superbill_template")
def test_superbill_signed_then_corrected_by_the_coder_until_clean(
    page, login, clinician, make_user, patient, provider, location, freeze
):
    provider.user = clinician
    provider.save(update_fields=["user"])
    freeze(datetime.combine(DOS, time(9, 20), tzinfo=CHICAGO))
    kind = AppointmentType.objects.create(
        practice=location.practice, name="Video visit", duration_minutes=20,
        modality="telehealth",
    )  # fmt: skip
    starts = datetime.combine(DOS, time(9, 30), tzinfo=CHICAGO)
    visit = Appointment.objects.create(
        patient=patient, appointment_type=kind, provider=provider, location=location,
        starts_at=starts, ends_at=starts + timedelta(minutes=20), place_of_service="10",
    )  # fmt: skip
    visit_check_in(appointment=visit, demographics_verified=True, insurance_verified=True)
    encounter = Encounter.objects.get(appointment=visit)  # opened by the check-in
    assert (encounter.status, encounter.place_of_service) == ("open", "10")

    # The clinician: today's encounters, the superbill, boxes ticked, one code searched for.
    login(clinician)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Encounters").click()
    row = page.locator("#encounters tr", has_text="Smith, John")
    row.get_by_role("link", name="Superbill").click()
    expect(page.locator("h1")).to_contain_text("Superbill")
    page.check("#svc-99214")
    page.check("#dx-E119")
    page.check("#dx-I10")
    page.fill("#dx-q", "hyperlipidemia")
    page.locator("#dx-results #dx-E785").check()
    expect(page.locator("#other-dx")).to_contain_text("E78.5")
    page.fill("#dx-q", "class 1")  # a new search does not lose the code picked
    expect(page.locator("#dx-results")).to_contain_text("E66.811")
    page.get_by_role("button", name="Save superbill").click()
    expect(page.locator(".message")).to_contain_text("Superbill saved")
    expect(page.locator("#lines")).to_contain_text("99214")
    expect(page.locator("#lines")).to_contain_text("ABC")  # points at the three diagnoses
    page.snap("superbill-saved")
    page.get_by_role("button", name="Sign the superbill").click()
    expect(page.locator(".message")).to_contain_text("Signed")
    expect(page.locator("#encounter-status")).to_contain_text("Signed")
    expect(page.locator("#scrubber")).to_contain_text("modifier 95")
    assert list(Charge.objects.values_list("code", "amount")) == [("99214", 185)]
    _sign_out(page)

    # The coder: the queue shows the warning; the correction adds modifier 95.
    coder = make_user(Role.CODER)
    login(coder)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Coding queue").click()
    expect(page.locator("#count-clean")).to_have_text("0")
    row = page.locator("#queue tbody tr", has_text="Smith, John")
    expect(row).to_contain_text("usually needs modifier 95")
    page.snap("queue-warning")
    row.get_by_role("link", name="Open").click()
    page.fill("#mod-99214", "95")
    page.fill("#id_reason", "Video visit: modifier 95")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator(".message")).to_contain_text("Corrected: version 2")
    expect(page.locator("#scrubber")).to_contain_text("Nothing to fix")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Coding queue").click()
    expect(page.locator("#count-clean")).to_have_text("1")
    expect(page.locator("#queue tbody tr", has_text="Smith, John")).to_contain_text("clean")
    page.snap("queue-clean")

    encounter.refresh_from_db()
    assert (encounter.status, encounter.version) == ("amended", 2)
    assert encounter.lines.get(retired_in_version__isnull=True).modifiers == ("95",)
