"""A claim printed on the CMS-1500: its facts in their boxes; the paper payers' print run."""

from io import BytesIO

import pdfplumber
import pytest
from django.urls import reverse

from medoffice.billing.models import PayerRules
from medoffice.billing.states import ClaimStatus
from medoffice.formats.pdf.cms1500 import BOXES
from tests.billing.claimwork import claim_for
from tests.billing.conftest import line

S = ClaimStatus


def _boxes_of(pdf: bytes, page: int = 0) -> dict[str, set[str]]:
    with pdfplumber.open(BytesIO(pdf)) as document:
        sheet = document.pages[page]
        found: dict[str, set[str]] = {}
        for word in sheet.extract_words():
            x = (word["x0"] + word["x1"]) / 2
            y = sheet.height - (word["top"] + word["bottom"]) / 2
            for box in BOXES.values():
                x0, y0, x1, y1 = box.rect()
                if x0 <= x <= x1 and y0 <= y <= y1:
                    found.setdefault(word["text"], set()).add(box.number)
        return found


def test_print_cms1500_puts_the_claims_facts_in_their_boxes(signed, biller, client_for, practice):
    encounter = signed(diagnoses=("E11.9", "I10"), lines=[line("99214", modifiers=["25"]),
                                                          line("93000", pointers=[2])])  # fmt: skip
    claim = claim_for(encounter, S.SCRUBBED)

    response = client_for(biller).get(reverse("billing:claim-cms1500-pdf", args=[claim.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    boxes = _boxes_of(response.content)
    assert "1a" in boxes["W12345678"]
    assert "2" in boxes["SMITH,"]
    assert "21" in boxes["E119"]
    assert "21" in boxes["I10"]
    assert "24D" in boxes["99214"]
    assert "24D" in boxes["25"]
    assert "24E" in boxes["B"]
    assert "26" in boxes[claim.patient_control_number]
    assert "33" in boxes[practice.group_npi]
    assert "24J" in boxes[claim.provider.npi]


def test_plain_paper_draws_the_form(signed, biller, client_for):
    claim = claim_for(signed(), S.SCRUBBED)
    url = reverse("billing:claim-cms1500-pdf", args=[claim.public_id]) + "?form=plain"

    pdf = client_for(biller).get(url).content

    with pdfplumber.open(BytesIO(pdf)) as document:
        text = document.pages[0].extract_text()
    assert "HEALTH INSURANCE CLAIM FORM" in text
    assert "PATIENT'S NAME" in text


def test_the_paper_payers_claims_print_in_one_run_then_are_marked_mailed(
    signed, payer, biller, client_for
):
    PayerRules.objects.create(payer=payer, paper_claims=True)
    ready = [claim_for(signed(), S.SCRUBBED), claim_for(signed(), S.QUEUED)]
    draft = claim_for(signed(), S.DRAFT)
    client = client_for(biller)

    pdf = client.get(reverse("billing:paper-claims")).content

    with pdfplumber.open(BytesIO(pdf)) as document:
        assert len(document.pages) == 2
        text = " ".join(p.extract_text() for p in document.pages)
    for claim in ready:
        assert claim.patient_control_number in text
    assert draft.patient_control_number not in text

    client.post(reverse("billing:paper-claims-mailed"))
    for claim in ready:
        claim.refresh_from_db()
        assert claim.status == S.SENT
        assert claim.sent_at is not None
        assert claim.events.last().note == "mailed on the CMS-1500 paper form"
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


@pytest.mark.parametrize("role", ["front_desk", "coder", "clinician"])
def test_only_billers_print_claims(role, signed, make_user, client_for):
    claim = claim_for(signed(), S.SCRUBBED)
    client = client_for(make_user(role))

    assert (
        client.get(reverse("billing:claim-cms1500-pdf", args=[claim.public_id])).status_code == 403
    )
    assert client.get(reverse("billing:paper-claims")).status_code == 403
    assert client.post(reverse("billing:paper-claims-mailed")).status_code == 403
