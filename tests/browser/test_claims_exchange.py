"""The biller's exchange loop in a real browser: send the day's claims, get the simulated
clearinghouse's 999 and 277CA back, find the rejected claim in the rejection queue with the
field to fix, fix it on the patient's insurance, resend, and see it accepted."""

from datetime import date

import pytest
from playwright.sync_api import expect

from medoffice.billing.models import Claim, ClearinghouseConnection
from medoffice.patients import services as patient_services
from tests.billing.conftest import (  # noqa: F401 - fixtures
    claims_office,
    code_sets,
    coverage,
    fee_schedule,
    superbill_template,
)


@pytest.mark.usefixtures(
    "code_sets", "fee_schedule", "coverage", "superbill_template", "claims_office"
)
def test_biller_sends_gets_answers_fixes_a_rejection_and_resends(
    page, login, biller, signed, practice, make_patient, payer, tmp_path
):
    ClearinghouseConnection.objects.create(
        practice=practice, name="Test clearinghouse", sender_id="MEDOFFICE01",
        receiver_id="CLEARHOUSE", receiver_name="Test Clearinghouse",
        contact_name="Billing office", contact_phone="(217) 555-0100",
        outbox_dir=str(tmp_path / "outbox"), inbox_dir=str(tmp_path / "inbox"),
        simulate_responses=True, simulate_member_id_pattern=r"W\d{8}",
    )  # fmt: skip
    other = make_patient(first_name="Mary", last_name="Jones")
    wrong = patient_services.coverage_add(
        patient=other,
        fields={"payer": payer, "member_id": "W123", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    signed()
    signed(patient_=other)

    login(biller)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/billing/claims/")
    page.locator("#send-claims").click()
    expect(page.locator(".message").first).to_contain_text("sent")
    page.get_by_role("button", name="Check for responses").first.click()
    expect(page.locator(".message").first).to_contain_text("277CA")
    statuses = sorted(Claim.objects.values_list("status", flat=True))
    assert statuses == ["accepted_ch", "rejected"]

    # The rejection queue: Mary Jones's claim, the reason and the screen to fix it on.
    page.goto(page.url.split("/billing/")[0] + "/billing/claims/work/rejections/")
    row = page.locator("tr", has_text="Jones")
    expect(row).to_contain_text("insurance")
    page.snap("rejection-queue")
    row.get_by_role("link", name="insurance").first.click()
    page.fill("#id_member_id", "W12345678")
    page.get_by_role("button", name="Save").click()
    wrong.refresh_from_db()
    assert wrong.member_id == "W12345678"

    claim = Claim.objects.get(status="rejected")
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2]
              + f"/billing/claims/{claim.public_id}/work/")  # fmt: skip
    page.locator("#resend").click()
    expect(page.locator(".message").first).to_contain_text("sent")
    page.get_by_role("button", name="Check for responses").first.click()
    claim.refresh_from_db()
    assert claim.status == "accepted_ch"
    page.snap("resent-accepted")
