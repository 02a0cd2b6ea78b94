"""In a real browser: the front desk takes a payment larger than the balance (the rest is
kept as a flagged credit), asks for its refund and closes the day with a difference
flagged; an office manager (not the one who asked) approves the refund."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from medoffice.accounts.models import DayClose, RefundRequest
from tests.accounts.conftest import make_visit  # noqa: F401 - visits with charges


def test_desk_takes_a_payment_closes_the_day_and_a_manager_approves_the_refund(
    page,
    login,
    front_desk,
    make_user,
    patient,
    make_visit,  # noqa: F811 - imported fixture
):
    make_visit(patient, date(2026, 1, 5), [("99213", "30.00")])
    login(front_desk)
    page.goto(f"/accounts/patients/{patient.public_id}/")
    expect(page.locator("#account-summary")).to_contain_text("$30.00")
    page.get_by_role("link", name="Take a payment").click()
    page.fill("#id_amount", "50.00")
    page.select_option("#id_method", "cash")
    page.get_by_role("button", name="Take the payment").click()
    expect(page.locator(".messages")).to_contain_text("Overpayment: $20.00")
    expect(page.locator("#account-summary")).to_contain_text("Credit on account")
    expect(page.locator("#account-ledger")).to_contain_text("Patient payment")
    page.snap("account-after-overpayment")

    refund = page.locator("#refund-form")
    refund.locator("#refund_amount").fill("25.00")  # more than the credit: refused
    refund.locator("#refund_method").select_option("check")
    refund.locator("#refund_reason").fill("paid twice")
    refund.get_by_role("button", name="Ask for the refund").click()
    expect(page.locator("body")).to_contain_text("credit is $20.00")
    page.locator("#refund-form #refund_amount").fill("20.00")
    page.get_by_role("button", name="Ask for the refund").click()
    expect(page.locator("#account-refunds")).to_contain_text("Waiting for approval")

    page.get_by_role("link", name="Close the day").click()
    expect(page.locator("#drawer-totals")).to_contain_text("Cash $50.00")
    page.fill("#id_cash", "45.00")
    page.get_by_role("button", name="Close the drawer").click()
    expect(page.locator("#close-differences")).to_contain_text(
        "Cash: counted $45.00, posted $50.00 (short $5.00)"
    )
    page.snap("day-close-with-difference")
    assert DayClose.objects.get().differences

    page.get_by_role("button", name="Sign out").click()
    login(make_user("office_manager"))
    page.get_by_role("link", name="Refunds", exact=True).click()
    row = page.locator("#refunds-waiting tr", has_text="paid twice")
    row.locator("input[name=reference]").fill("CHK 501")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator("#refunds-decided")).to_contain_text("Approved and paid")
    page.snap("refund-approved")
    asked = RefundRequest.objects.get()
    assert asked.payment.amount == Decimal("-20.00")
    assert asked.decided_by != asked.requested_by
