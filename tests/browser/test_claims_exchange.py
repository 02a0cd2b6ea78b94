# ruff: noqa: F811 - pytest fixtures imported by name
"""The biller's exchange loop in a real browser: send the day's claims to the (simulated)
clearinghouse's folder, load its 999 and 277CA, find the rejected claim in the rejection
queue with the field to fix, fix it on the patient's insurance, resend, and see it accepted."""

from datetime import date

import pytest
from playwright.sync_api import expect

from medoffice.billing.models import Claim, ClearinghouseConnection, ExchangeFile
from medoffice.patients import services as patient_services
from tests.billing.conftest import claims_office, line  # noqa: F401 - claims_office: a fixture


@pytest.mark.browser
def test_biller_sends_loads_answers_fixes_a_rejection_and_resends(
    page, login, biller, signed, claims_office, practice, make_patient, payer, freeze, tmp_path
):
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    ClearinghouseConnection.objects.create(
        practice=practice, name="Test clearinghouse", sender_id="MEDOFFICE01",
        receiver_id="CLEARHOUSE", receiver_name="Test Clearinghouse",
        contact_name="Billing office", contact_phone="(217) 555-0100",
        outbox_dir=str(outbox), inbox_dir=str(inbox),
        simulate_responses=True, simulate_member_id_pattern=r"W\d{8}",
    )  # fmt: skip
    other = make_patient(first_name="Mary", last_name="Jones")
    wrong = patient_services.coverage_add(
        patient=other,
        fields={"payer": payer, "member_id": "W123", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    signed(lines=[line("99213")])
    signed(lines=[line("99214")], patient_=other)
    freeze(None)  # the day's visits are signed; the biller works on the real clock

    login(biller)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.locator("#send-claims").click()
    expect(page.locator(".messages")).to_contain_text("2 claim(s) sent")
    assert len(list(outbox.glob("837P-*.x12"))) == 1  # one batch file in the outbox
    expect(page.locator("#claims")).to_contain_text("Sent")
    page.snap("sent")

    # The clearinghouse answers in the inbox: a 999 for the batch and a 277CA per claim.
    page.locator("#check-responses").click()
    expect(page.locator(".messages")).to_contain_text("277CA")
    statuses = dict(Claim.objects.values_list("patient__last_name", "status"))
    assert statuses == {"Jones": "rejected", **{k: "accepted_ch" for k in statuses if k != "Jones"}}
    received = ExchangeFile.objects.filter(direction="received")
    assert set(received.values_list("transaction", flat=True)) == {"999", "277"}  # ST01
    expect(page.locator(".messages")).to_contain_text("1 claim(s) rejected")
    row = page.locator("#claims tr", has_text="Jones")
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("member id")
    page.snap("answers-loaded")

    # The rejection queue names the claim, why, and the screen to fix it on.
    page.locator("#work-queues").click()
    row = page.locator("tr", has_text="Jones")
    expect(row).to_contain_text("Rejected: information is invalid")
    expect(row).to_contain_text("member ID")
    page.snap("rejection-queue")
    row.get_by_role("link", name="Patient's insurance").click()
    page.get_by_label("Member ID").fill("W12345678")
    page.get_by_role("button", name="Save insurance").click()
    wrong.refresh_from_db()
    assert wrong.member_id == "W12345678"

    # Saved, the biller is back on the claim: resend it; the next answer accepts it.
    expect(page.locator(".messages")).to_contain_text("Insurance saved.")
    expect(page.locator("h1")).to_contain_text("Rejected")
    page.locator("#resend").click()
    expect(page.locator(".messages")).to_contain_text("Sent again")
    expect(page.locator("#claim-status")).to_contain_text("Sent")
    expect(page.locator("#claim-reason")).to_have_count(0)  # the rejection's reason is gone
    page.get_by_role("link", name="All claims").click()
    page.locator("#check-responses").click()
    expect(page.locator(".messages")).to_contain_text("1 accepted, 0 rejected")
    row = page.locator("#claims tr", has_text="Jones")
    expect(row).to_contain_text("Accepted by clearinghouse")
    expect(row).not_to_contain_text("Rejected")
    assert Claim.objects.get(patient=other).status == "accepted_ch"
    page.snap("resent-accepted")
