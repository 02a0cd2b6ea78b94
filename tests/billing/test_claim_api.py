"""The claims API end to end: send the ready claims, pick up the clearinghouse's 999 and
277CA, read the rejection, resend the fixed claim, void one the payer has; bad input gets a
problem and changes nothing; only billers reach it."""

from datetime import date

import pytest
from django.urls import reverse

from medoffice.billing.models import Claim, ClaimBatch, ClearinghouseConnection
from medoffice.billing.states import ClaimStatus
from medoffice.patients import services as patient_services
from tests.billing.conftest import line

S = ClaimStatus


@pytest.fixture
def office(claims_office, practice, make_patient, payer, signed, tmp_path):
    """A simulated clearinghouse that rejects member ids not like W12345678; two signed
    visits, Mary Jones's with a member id it rejects."""
    ClearinghouseConnection.objects.create(
        practice=practice, name="Test clearinghouse", sender_id="MEDOFFICE01",
        receiver_id="CLEARHOUSE", receiver_name="Test Clearinghouse",
        contact_name="Billing office", contact_phone="(217) 555-0100",
        outbox_dir=str(tmp_path / "outbox"), inbox_dir=str(tmp_path / "inbox"),
        simulate_responses=True, simulate_member_id_pattern=r"W\d{8}",
    )  # fmt: skip
    jones = make_patient(first_name="Mary", last_name="Jones")
    wrong = patient_services.coverage_add(
        patient=jones,
        fields={"payer": payer, "member_id": "W123", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    signed(lines=[line("99213")])
    signed(lines=[line("99214")], patient_=jones)
    return wrong


def _post(client, name, *args, data=None):
    return client.post(reverse(name, args=args), data or {}, content_type="application/json")


def test_the_biller_sends_reads_the_answers_and_resends_through_the_api(office, biller, client_for):
    client = client_for(biller)

    sent = _post(client, "api:claims-send")
    assert sent.status_code == 200
    report = sent.json()
    assert (report["built"], report["sent_claims"], report["with_errors"]) == (2, 2, 0)
    assert [b["status"] for b in report["batches"]] == ["sent"]

    picked = _post(client, "api:claims-responses").json()
    assert sorted(f["status"] for f in picked[0]["files"]) == ["processed", "processed"]
    assert "1 accepted, 1 rejected" in picked[0]["summary"]

    [rejected] = client.get(reverse("api:claim-list"), {"status": "rejected"}).json()
    assert "member id" in rejected["status_reason"]
    patient_services.coverage_update(coverage=office, fields={"member_id": "W12345678"})

    resent = _post(client, "api:claim-resend", rejected["id"])
    assert resent.status_code == 200
    assert (resent.json()["status"], resent.json()["status_reason"]) == ("sent", "")
    _post(client, "api:claims-responses")

    detail = client.get(reverse("api:claim-detail", args=[rejected["id"]])).json()
    assert detail["status"] == "accepted_ch"
    moves = [(h["from_status"], h["to_status"]) for h in detail["history"]]
    assert ("sent", "rejected") in moves
    assert ("rejected", "scrubbed") in moves
    batches = client.get(reverse("api:batch-list")).json()
    assert [b["claim_count"] for b in batches] == [1, 2]  # newest first


def test_a_claim_the_payer_has_is_voided_through_the_api(office, biller, client_for):
    client = client_for(biller)
    _post(client, "api:claims-send")
    _post(client, "api:claims-responses")
    accepted = Claim.objects.get(status=S.ACCEPTED_CLEARINGHOUSE)

    response = _post(
        client, "api:claim-correct", accepted.public_id,
        data={"frequency": "8", "reason": "billed to the wrong patient"},
    )  # fmt: skip

    assert response.status_code == 201
    void = response.json()
    assert (void["frequency"], void["original"]) == ("8", str(accepted.public_id))
    accepted.refresh_from_db()
    assert accepted.status == S.CLOSED


def test_bad_input_gets_a_problem_and_changes_nothing(office, biller, client_for):
    client = client_for(biller)
    assert client.get(reverse("api:claim-list"), {"status": "lost"}).status_code == 400
    assert client.get(reverse("api:claim-list"), {"payer": "NOPE"}).status_code == 400
    _post(client, "api:claims-send")
    claim = Claim.objects.order_by("id").first()
    before = sorted(Claim.objects.values_list("id", "status"))

    wrong_kind = _post(
        client, "api:claim-correct", claim.public_id, data={"frequency": "9", "reason": "x"}
    )
    assert wrong_kind.status_code == 400
    assert wrong_kind["Content-Type"].startswith("application/problem+json")
    not_yet = _post(
        client, "api:claim-correct", claim.public_id, data={"frequency": "8", "reason": "x"}
    )
    assert not_yet.status_code == 409  # sent, not yet accepted: nothing to void
    assert _post(client, "api:claim-resend", claim.public_id).status_code == 409  # not rejected
    assert sorted(Claim.objects.values_list("id", "status")) == before
    assert ClaimBatch.objects.count() == 1


def test_the_front_desk_neither_sends_nor_reads_claims(office, front_desk, client_for):
    client = client_for(front_desk)
    assert _post(client, "api:claims-send").status_code == 403
    assert _post(client, "api:claims-responses").status_code == 403
    assert client.get(reverse("api:claim-list")).status_code == 403
    assert not Claim.objects.exists()
