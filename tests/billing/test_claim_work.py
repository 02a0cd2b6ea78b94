"""The billers' work queues: rejections, denials, claims without an answer, filing deadlines,
and appeals; as each role sees them."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pdfplumber
import pytest
from django.urls import reverse

from medoffice.billing import claim_work
from medoffice.billing.models import (
    Appeal,
    Claim,
    ClearinghouseConnection,
    PayerRules,
)
from medoffice.billing.states import ClaimStatus
from medoffice.core.roles import Role
from tests.billing.claimwork import claim_for, deny
from tests.billing.conftest import CHICAGO, DOS

S = ClaimStatus


def queue(name):
    return reverse("billing:claim-queue", args=[name])


def work(claim):
    return reverse("billing:claim-work", args=[claim.public_id])


@pytest.fixture
def rejected(signed):
    claim = claim_for(signed(), S.REJECTED)
    claim_work.finding_from_status(claim=claim, category="A7", status="562", entity="82")
    return claim


@pytest.fixture
def denied(signed):
    claim = claim_for(signed(), S.DENIED)
    deny(claim, ("CO", "50", "125.00"), remarks=["N115"], day=DOS + timedelta(days=30))
    return claim


def _text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- rejections


def test_a_rejection_shows_the_reason_in_plain_words_and_the_field_to_fix(
    rejected, biller, client_for
):
    page = client_for(biller).get(queue("rejections"))

    assert page.status_code == 200
    html = _text(page)
    assert "A National Provider Identifier (NPI) is missing or invalid" in html
    assert "about the rendering provider" in html
    assert "Configuration: Providers" in html
    assert work(rejected) in html


def test_a_rejection_whose_code_is_only_in_the_reason_text_is_still_explained(
    signed, biller, client_for
):
    claim = claim_for(signed(), S.REJECTED)
    Claim.objects.filter(pk=claim.pk).update(status_reason="277CA A6:164:IL")

    html = _text(client_for(biller).get(queue("rejections")))

    assert "The member (contract) number is missing or invalid" in html
    assert reverse("patients:coverage-edit", args=[claim.coverage.public_id]) in html


def test_fixing_and_resending_sends_the_claim_again_and_closes_its_findings(
    rejected, biller, client_for, practice, tmp_path, claims_office
):
    ClearinghouseConnection.objects.create(
        practice=practice, name="Clearinghouse", sender_id="RIVERSIDE01",
        receiver_id="CLEARHOUSE", receiver_name="Clear House", contact_phone="(217) 555-0100",
        outbox_dir=str(tmp_path / "outbox"), inbox_dir=str(tmp_path / "inbox"),
    )  # fmt: skip
    Claim.objects.filter(pk=rejected.pk).update(status_reason="Rejected by the clearinghouse")
    response = client_for(biller).post(reverse("billing:claim-resend", args=[rejected.public_id]))

    assert response.status_code == 302
    rejected.refresh_from_db()
    assert rejected.status == S.SENT
    assert rejected.status_reason == ""  # the rejection's reason went with the rejection
    assert len(list((tmp_path / "outbox").iterdir())) == 1
    assert rejected.events.filter(from_status=S.REJECTED, to_status=S.SCRUBBED).exists()
    assert client_for(biller).get(queue("rejections")).context["rows"] == []


def test_a_claim_that_is_not_rejected_is_not_resent(denied, biller, client_for):
    client = client_for(biller)
    response = client.post(reverse("billing:claim-resend", args=[denied.public_id]), follow=True)

    assert "only a rejected or unsent claim is sent again" in _text(response)
    denied.refresh_from_db()
    assert denied.status == S.DENIED


# ---------------------------------------------------------------- denials


def test_a_denial_explains_each_code_with_its_remarks_and_the_appeal_deadline(
    denied, biller, client_for
):
    PayerRules.objects.create(payer=denied.payer, appeal_days=60)
    page = client_for(biller).get(queue("denials"))

    html = _text(page)
    assert "CO-50" in html
    assert "Not medically necessary" in html
    assert "N115" in html
    assert "local coverage determination" in html
    [row] = page.context["rows"]
    assert row.appeal_by == DOS + timedelta(days=90)
    assert [e.kind for _, e in row.actionable] == ["appeal"]


def test_the_claim_page_shows_who_pays_what_for_every_adjustment(signed, biller, client_for):
    claim = claim_for(signed(), S.PARTIALLY_PAID)
    deny(claim, ("CO", "45", "20.00"), ("PR", "2", "21.00"), paid=Decimal("84.00"))

    html = _text(client_for(biller).get(work(claim)))

    assert "Above the fee schedule (contractual write-off)" in html
    assert "must not be billed to the patient" in html
    assert "Coinsurance" in html
    assert "Patient owes it" in html


# ---------------------------------------------------------------- no answer, deadlines


def test_claims_without_an_answer_after_the_payers_follow_up_days_are_listed(
    signed, biller, client_for, freeze
):
    old = claim_for(signed(), S.ACCEPTED_PAYER)
    recent = claim_for(signed(day=DOS + timedelta(days=20)), S.SENT)
    freeze(datetime.combine(DOS + timedelta(days=35), time(9), tzinfo=CHICAGO))

    rows = client_for(biller).get(queue("no-response")).context["rows"]

    assert [r.claim.pk for r in rows] == [old.pk]
    assert rows[0].days_waiting >= 30
    assert rows[0].inquiry_due
    PayerRules.objects.create(payer=old.payer, follow_up_days=14)
    rows = client_for(biller).get(queue("no-response")).context["rows"]
    assert {r.claim.pk for r in rows} == {old.pk, recent.pk}


def test_filing_deadlines_list_unfiled_claims_by_days_left(
    signed, payer, biller, client_for, freeze
):
    PayerRules.objects.create(payer=payer, timely_filing_days=90)
    late = claim_for(signed(), S.REJECTED)
    soon = claim_for(signed(day=DOS + timedelta(days=20)), S.DRAFT)
    far = claim_for(signed(day=DOS + timedelta(days=80)), S.DRAFT)
    freeze(datetime.combine(DOS + timedelta(days=95), time(9), tzinfo=CHICAGO))

    page = client_for(biller).get(queue("deadlines"))

    rows = page.context["rows"]
    assert [(r.claim.pk, r.days_left) for r in rows] == [(late.pk, -5), (soon.pk, 15)]
    assert far.pk not in {r.claim.pk for r in rows}
    assert "(late)" in _text(page)
    wider = client_for(biller).get(queue("deadlines") + "?within=120").context["rows"]
    assert far.pk in {r.claim.pk for r in wider}


# ---------------------------------------------------------------- appeals


def test_an_appeal_is_drafted_from_the_template_filed_and_tracked_to_its_outcome(
    denied, biller, client_for, freeze
):
    client = client_for(biller)
    response = client.post(reverse("billing:appeal-start", args=[denied.public_id]))

    appeal = Appeal.objects.get(claim=denied)
    assert response.url == reverse("billing:appeal-detail", args=[appeal.public_id])
    assert appeal.template == "medical_necessity"
    assert appeal.reasons == "CO-50"
    assert appeal.amount_disputed == Decimal("125.00")
    assert "PAYER-0001" in appeal.body
    assert "John Smith" in appeal.body
    assert "E11.9" in appeal.body
    assert "CO-50 (not medically necessary)" in appeal.body
    assert appeal.deadline == DOS + timedelta(days=30 + 120)

    letter = client.get(reverse("billing:appeal-letter-pdf", args=[appeal.public_id]))
    with pdfplumber.open(BytesIO(letter.content)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Appeal: medical necessity" in text
    assert "W12345678" in text
    assert "CO-50" in text

    update = reverse("billing:appeal-update", args=[appeal.public_id, "file"])
    client.post(update, {"filed_on": "2026-04-10", "method": "fax", "reference": "AP-77"})
    denied.refresh_from_db()
    appeal.refresh_from_db()
    assert (appeal.status, denied.status) == ("filed", S.APPEALED)

    decide = reverse("billing:appeal-update", args=[appeal.public_id, "decide"])
    client.post(decide, {"outcome": "upheld", "decided_on": "2026-05-01"})
    denied.refresh_from_db()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, denied.status) == ("decided", "upheld", S.DENIED)
    assert appeal.amount_recovered == Decimal("0.00")

    # A second-level appeal follows; it is the claim's level 2.
    client.post(reverse("billing:appeal-start", args=[denied.public_id]))
    assert Appeal.objects.filter(claim=denied).order_by("level").last().level == 2


def test_an_overturned_appeal_waits_for_the_payment(denied, biller, freeze):
    draft = Appeal.objects.create(
        claim=denied, template="general", subject="s", body="b", amount_disputed="125.00",
        created_by=biller, created_at=denied.created_at, updated_at=denied.created_at,
    )  # fmt: skip
    claim_work.appeal_file(appeal=draft, filed_on=date(2026, 4, 10), method="mail")
    claim_work.appeal_decide(
        appeal=draft, outcome="overturned", decided_on=date(2026, 5, 1),
        amount_recovered=Decimal("125.00"),
    )  # fmt: skip

    denied.refresh_from_db()
    assert denied.status == S.PENDING
    assert draft.amount_recovered == Decimal("125.00")
    with pytest.raises(claim_work.AppealStateError):
        claim_work.appeal_decide(
            appeal=draft, outcome="upheld", decided_on=date(2026, 5, 2), amount_recovered=None
        )


def test_a_claim_has_one_open_appeal_at_a_time(denied, biller):
    claim_work.appeal_create(
        claim=denied, template="general", subject="s", body="b", reasons="CO-50",
        amount_disputed=Decimal("1.00"), by=biller,
    )  # fmt: skip
    with pytest.raises(claim_work.AppealStateError, match="open appeal"):
        claim_work.appeal_create(
            claim=denied, template="general", subject="s", body="b", reasons="CO-50",
            amount_disputed=Decimal("1.00"), by=biller,
        )  # fmt: skip


# ---------------------------------------------------------------- notes, assignment, close


def test_notes_assignment_and_closing_are_kept_on_the_claim(denied, biller, client_for, make_user):
    colleague = make_user(Role.BILLER, username="kim")
    client = client_for(biller)
    client.post(reverse("billing:claim-note", args=[denied.public_id]), {"text": "Called Aetna"})
    client.post(
        reverse("billing:claim-assign", args=[denied.public_id]),
        {"assigned_to": "kim", "follow_up_on": "2026-04-15"},
    )
    client.post(reverse("billing:claim-close", args=[denied.public_id]), {"reason": "write off"})

    denied.refresh_from_db()
    assert denied.notes.get().text == "Called Aetna"
    assert denied.work.assigned_to == colleague
    assert denied.work.follow_up_on == date(2026, 4, 15)
    assert denied.status == S.CLOSED
    assert denied.events.last().note == "closed: write off"


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MEDICAL_ASSISTANT, Role.CODER,
                                  Role.CLINICIAN, Role.OFFICE_MANAGER])  # fmt: skip
def test_only_billers_see_the_queues_and_work_claims(role, denied, make_user, client_for):
    client = client_for(make_user(role))

    for name in ("rejections", "denials", "no-response", "deadlines", "appeals"):
        assert client.get(queue(name)).status_code == 403, name
    assert client.get(work(denied)).status_code == 403
    assert client.post(reverse("billing:appeal-start", args=[denied.public_id])).status_code == 403
    assert (
        client.get(reverse("billing:claim-cms1500-pdf", args=[denied.public_id])).status_code == 403
    )
    denied.refresh_from_db()
    assert denied.status == S.DENIED
    assert not Appeal.objects.exists()


def test_another_practices_claim_is_absent(denied, make_user, client_for, other_practice):
    outsider = make_user(Role.BILLER, practice_=other_practice)
    client = client_for(outsider)

    assert client.get(work(denied)).status_code == 404
    assert (
        client.get(reverse("billing:claim-cms1500-pdf", args=[denied.public_id])).status_code == 404
    )
    assert client.get(queue("denials")).context["rows"] == []


def test_an_unknown_queue_is_not_found(biller, client_for, db):
    assert client_for(biller).get(queue("everything")).status_code == 404
