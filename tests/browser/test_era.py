"""ERA posting in a real browser: a biller uploads a payer's 835, reads it in plain words, sees
the denied claim land in the denial queue and the paid claim's copay move to the patient."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from medoffice.payments.models import Party
from medoffice.payments.selectors import line_summary
from tests.payments.remitted import claim_payment, era_bytes, line, service


@pytest.mark.browser
def test_biller_posts_an_era_denial_to_the_queue_remainder_to_the_patient(
    page, login, biller, sent, tmp_path
):
    paid_claim = sent([line("99213")])
    denied_claim = sent([line("99214")])
    (visit,) = paid_claim.lines.all()
    (other,) = denied_claim.lines.all()
    data = era_bytes(
        [
            claim_payment(
                paid_claim, [service(visit, "80.00", ("CO", "45", "25.00"), ("PR", "3", "20.00"))]
            ),  # fmt: skip
            claim_payment(
                denied_claim,
                [service(other, "0", ("CO", "50", "185.00"), remarks=("N115",))],
                status="4",
            ),  # fmt: skip
        ],
        trace="CHK55501",
    )
    path = tmp_path / "acme-remit.835"
    path.write_bytes(data)

    login(biller)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Remittances").click()
    page.get_by_label("835 file").set_input_files(str(path))
    page.get_by_role("button", name="Import and post").click()
    expect(page.locator("h1")).to_contain_text("ERA acme-remit.835")
    expect(page.locator(f"#claim-{denied_claim.patient_control_number}")).to_contain_text(
        "Not medically necessary"
    )
    expect(page.locator(f"#claim-{paid_claim.patient_control_number}")).to_contain_text(
        "$20.00 to the patient"
    )
    page.snap("era-viewer")

    # The same file again: nothing posted twice, and the page says so.
    page.get_by_role("link", name="All remittances").click()
    page.get_by_label("835 file").set_input_files(str(path))
    page.get_by_role("button", name="Import and post").click()
    expect(page.locator(".messages")).to_contain_text("already posted")

    page.goto(reverse("billing:claim-queue", args=["denials"]))
    expect(page.locator("main")).to_contain_text("Denials 1")
    expect(page.locator("main")).to_contain_text("$185.00")
    page.snap("denial-queue")
    assert line_summary(visit.charge_id).by_party == {(Party.PATIENT, None): 20}
