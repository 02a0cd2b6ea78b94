"""The work-queue API: billers read the queues with the codes explained and move appeals on;
bad input gets a problem document; the front desk gets nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from medoffice.billing import claim_work
from medoffice.billing.models import Appeal
from medoffice.billing.states import ClaimStatus
from tests.billing.claimwork import claim_for, deny
from tests.billing.conftest import DOS

S = ClaimStatus


@pytest.fixture
def denied(signed):
    claim = claim_for(signed(), S.DENIED)
    deny(claim, ("CO", "16", "125.00"), remarks=["M76"], day=DOS + timedelta(days=30))
    return claim


def test_the_denials_queue_explains_each_code_and_names_the_field_to_fix(
    denied, biller, client_for
):
    rows = client_for(biller).get(reverse("api:claim-queue", args=["denials"])).json()

    [row] = rows
    assert row["claim"]["id"] == str(denied.public_id)
    [adjustment] = row["adjustments"]
    assert adjustment["code"] == "CO-16"
    assert adjustment["kind"] == "fix"
    assert adjustment["fix"]["key"] == "diagnoses"
    assert adjustment["remarks"][0]["code"] == "M76"


def test_rejections_come_with_their_reason_and_fix(signed, biller, client_for):
    claim = claim_for(signed(), S.REJECTED)
    claim_work.finding_from_status(claim=claim, category="A7", status="164", entity="IL")

    [row] = client_for(biller).get(reverse("api:claim-queue", args=["rejections"])).json()

    assert row["reasons"][0]["fix"]["key"] == "coverage"
    assert "member" in row["reasons"][0]["reason"]


def test_an_appeal_is_drafted_filed_and_decided_through_the_api(denied, biller, client_for):
    client = client_for(biller)
    made = client.post(reverse("api:claim-appeal-create", args=[denied.public_id]), {},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201
    appeal_url = reverse("api:appeal-detail", args=[made.json()["id"]])

    filed = client.post(appeal_url + "?step=file", {"filed_on": "2026-04-10", "method": "portal"},
                        content_type="application/json")  # fmt: skip
    decided = client.post(
        appeal_url + "?step=decide",
        {"outcome": "partial", "decided_on": "2026-05-01", "amount_recovered": "60.00"},
        content_type="application/json",
    )

    assert filed.json()["status"] == "filed"
    assert decided.json()["outcome"] == "partial"
    assert decided.json()["amount_recovered"] == "60.00"
    denied.refresh_from_db()
    assert denied.status == S.PENDING


@pytest.mark.parametrize(
    ("step", "body", "words"),
    [
        ("decide", {"outcome": "upheld", "decided_on": "2026-05-01"}, "Only a filed appeal"),
        ("file", {"filed_on": "2026-04-10"}, "method"),
        ("jump", {}, "step"),
        ("decide", {"outcome": "won", "decided_on": "2026-05-01"}, "outcome"),
    ],
)
def test_bad_appeal_steps_get_a_problem_and_change_nothing(
    denied, biller, client_for, step, body, words
):
    draft = claim_work.appeal_create(
        claim=denied, template="general", subject="s", body="b", reasons="CO-16",
        amount_disputed=1, by=biller,
    )  # fmt: skip
    response = client_for(biller).post(
        reverse("api:appeal-detail", args=[draft.public_id]) + f"?step={step}", body,
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code in (400, 409)
    assert response["Content-Type"] == "application/problem+json"
    assert words in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_codes_are_explained_without_patient_data(front_desk, client_for, db):
    client = client_for(front_desk)
    co97 = client.get(reverse("api:code-explain") + "?adjustment=CO-97").json()
    stc = client.get(reverse("api:code-explain") + "?status=A7:562:82").json()

    assert co97["title"] == "Paid as part of another service (bundled)"
    assert stc["fix"]["key"] == "rendering_provider"
    assert client.get(reverse("api:code-explain")).status_code == 400


def test_the_front_desk_reaches_no_claim_work(denied, front_desk, client_for):
    client = client_for(front_desk)

    assert client.get(reverse("api:claim-queue", args=["denials"])).status_code == 403
    assert client.get(reverse("api:claim-work", args=[denied.public_id])).status_code == 403
    response = client.post(reverse("api:claim-appeal-create", args=[denied.public_id]), {},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert not Appeal.objects.exists()
