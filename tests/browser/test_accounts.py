"""The front desk collects a copay by card at check-in, in a real browser, and opens the
receipt from the visit panel; a statement for the patient is produced and read."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from playwright.sync_api import expect
from pypdf import PdfReader

from medoffice.accounts import statements
from medoffice.patients import services as patient_services
from medoffice.payments import ledger
from medoffice.payments.models import Payment
from tests.accounts.conftest import make_visit  # noqa: F401 - visits with charges
from tests.scheduling.conftest import (  # noqa: F401 - the office to book in
    book,
    next_weekday_at,
    office,
    rooms,
    second_provider,
    visit_type,
    weekday_mornings,
)


def test_front_desk_collects_a_copay_with_a_receipt_and_a_statement_is_produced(
    page,
    login,
    front_desk,
    patient,
    payer,
    office,  # noqa: F811 - imported fixture
    book,  # noqa: F811 - imported fixture
    freeze,
    make_user,
    make_visit,  # noqa: F811 - imported fixture
):
    patient_services.coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W1234567", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1), "copay": Decimal("30.00")},
    )  # fmt: skip
    visit = book(patient, next_weekday_at(9, 0))
    freeze(visit.starts_at - timedelta(minutes=15))
    login(front_desk)
    page.goto(f"/schedule/appointments/{visit.public_id}/check-in/")
    page.check("#id_demographics_verified")
    for box in page.locator("input[name=consents_signed]").all():
        box.check()
    page.fill("#id_copay_collected", "30.00")
    page.select_option("#id_copay_method", "card")
    page.fill("#id_copay_reference", "4111 1111 1111 1111")  # a card number: refused
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("body")).to_contain_text("looks like a card number")
    assert not Payment.objects.exists()
    page.fill("#id_copay_reference", "APPR 3318")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator(".message")).to_contain_text("is checked in")

    page.goto(f"/schedule/appointments/{visit.public_id}/")
    section = page.locator("section.account-section")
    expect(section).to_contain_text("Credit on account")
    expect(section).to_contain_text("$30.00")
    page.snap("visit-account-section")
    link = section.get_by_role("link", name="Receipt (PDF)")
    receipt = page.request.get(link.get_attribute("href"))
    assert receipt.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(receipt.body())).pages)
    assert "APPR 3318" in text
    assert "$30.00" in text

    # A visit the patient owes for: the statement says what and why, and how to pay.
    make_visit(patient, date(2026, 1, 5), [("99213", "95.00")])
    account = ledger.account_for(patient)
    statement = statements.statement_issue(account=account, by=make_user("biller"))
    response = page.request.get(f"/accounts/statements/{statement.public_id}.pdf")
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert "You owe" in text
    assert "$65.00" in text  # $95.00 less the $30.00 copay credit
    assert "How to pay" in text
