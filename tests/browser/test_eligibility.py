"""The front desk checks eligibility on a visit in a real browser, sees the benefits in
words, and collects the copay the payer named at check-in."""

from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import expect

from medoffice.eligibility.models import EligibilityCheck
from medoffice.patients import services as patient_services
from medoffice.scheduling.models import CheckIn
from tests.scheduling.conftest import (  # noqa: F401 - the office to book in
    book,
    next_weekday_at,
    office,
    rooms,
    second_provider,
    visit_type,
    weekday_mornings,
)


def test_front_desk_checks_eligibility_then_collects_the_payers_copay_at_check_in(
    page,
    login,
    front_desk,
    patient,
    payer,
    office,  # noqa: F811 - imported fixture
    book,  # noqa: F811 - imported fixture
    freeze,
):
    coverage = patient_services.coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W1234567", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1), "copay": Decimal("30.00"),
                "plan_name": "Choice POS II"},
    )  # fmt: skip
    visit = book(patient, next_weekday_at(9, 0))
    freeze(visit.starts_at - timedelta(minutes=15))
    login(front_desk)

    page.goto(f"/schedule/appointments/{visit.public_id}/")
    section = page.locator("section.eligibility")
    expect(section).to_contain_text("Not checked for this visit yet")
    section.get_by_role("button", name="Check eligibility now").click()

    expect(page.locator(".message")).to_contain_text("The payer says the coverage is active.")
    expect(section).to_contain_text("Active coverage")
    expect(section).to_contain_text("$30.00 in network")
    expect(section).to_contain_text("left to meet")
    page.snap("visit-with-eligibility")
    assert EligibilityCheck.objects.get().requested_by == front_desk

    # The patient's card on file says $20 now; the payer's answer of today still rules.
    patient_services.coverage_update(coverage=coverage, fields={"copay": Decimal("20.00")})
    page.get_by_role("link", name="Check in").click()
    expect(page.locator(".copay-due")).to_contain_text("Due today: $30.00")
    expect(page.locator(".copay-source")).to_contain_text("eligibility answer of")
    page.check("#id_demographics_verified")
    page.check("#id_insurance_verified")
    for box in page.locator("input[name=consents_signed]").all():
        box.check()
    page.fill("#id_copay_collected", "30.00")
    page.select_option("#id_copay_method", "card")
    page.fill("#id_copay_reference", "APPR 3318")
    page.snap("check-in-copay")
    page.get_by_role("button", name="Check in", exact=True).click()

    expect(page.locator(".message")).to_contain_text("is checked in")
    record = CheckIn.objects.get(appointment=visit)
    assert (record.copay_due, record.snapshot["copay"]["source"]) == (
        Decimal("30.00"),
        "eligibility",
    )
