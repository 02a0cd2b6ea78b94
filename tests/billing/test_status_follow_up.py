"""Claims without an answer get a claim status request (276) from the worker, once per
follow-up period, through the practice's clearinghouse connection."""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from medoffice.billing import follow_up
from medoffice.billing.models import ClearinghouseConnection, ExchangeFile, StatusInquiry
from medoffice.billing.states import ClaimStatus
from medoffice.billing.tasks import enqueue_follow_up_unless_waiting, follow_up_claims
from medoffice.formats.x12 import iter_transactions
from medoffice.formats.x12.claim_status import parse_276
from tests.billing.claimwork import claim_for
from tests.billing.conftest import CHICAGO, DOS

S = ClaimStatus


@pytest.fixture
def connection(practice, tmp_path):
    return ClearinghouseConnection.objects.create(
        practice=practice, name="Clearinghouse", sender_id="RIVERSIDE01", receiver_id="CLEARHOUSE",
        receiver_name="Clear House", contact_phone="(217) 555-0100",
        outbox_dir=str(tmp_path / "outbox"),
        inbox_dir=str(tmp_path / "inbox"),
    )  # fmt: skip


def _at(days: int):
    return datetime.combine(DOS + timedelta(days=days), time(9), tzinfo=CHICAGO)


def test_the_worker_sends_one_276_for_the_claims_due_and_not_again_within_the_period(
    signed, connection, freeze, immediate_tasks
):
    waiting = claim_for(signed(), S.ACCEPTED_PAYER)
    recent = claim_for(signed(day=DOS + timedelta(days=25)), S.SENT)
    decided = claim_for(signed(), S.DENIED)
    freeze(_at(40))

    result = follow_up_claims.enqueue()

    assert result.return_value == {"sent": 1, "failed": 0, "files": 1}
    [file] = Path(connection.outbox_dir).iterdir()
    [transaction] = list(iter_transactions(file.read_bytes()))
    [request] = parse_276(transaction)
    assert request.patient_control_number == waiting.patient_control_number
    assert request.subscriber.member_id == "W12345678"
    assert request.service_from == DOS
    inquiry = StatusInquiry.objects.get()
    assert (inquiry.claim, inquiry.trace_number, inquiry.automatic) == (
        waiting, request.trace_number, True,
    )  # fmt: skip
    assert ExchangeFile.objects.get(transaction="276").name == file.name
    assert not StatusInquiry.objects.filter(claim__in=[recent, decided]).exists()

    # Run again the next day: nothing new for the claim already asked about.
    freeze(_at(41))
    assert follow_up_claims.enqueue().return_value["sent"] == 0
    # A follow-up period later it is asked again, and the other claim is due by then too.
    freeze(_at(71))
    assert follow_up_claims.enqueue().return_value["sent"] == 2
    assert StatusInquiry.objects.filter(claim=waiting).count() == 2


def test_a_clearinghouse_that_cannot_be_reached_leaves_the_reason_and_is_tried_again(
    signed, connection, freeze, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    ClearinghouseConnection.objects.filter(pk=connection.pk).update(
        outbox_dir=str(blocker / "outbox")
    )
    claim = claim_for(signed(), S.ACCEPTED_PAYER)
    freeze(_at(40))

    report = follow_up.status_follow_up()

    assert report == {"sent": 0, "failed": 1, "files": 0}
    inquiry = StatusInquiry.objects.get(claim=claim)
    assert "cannot be reached" in inquiry.error
    freeze(_at(40) + timedelta(minutes=30))
    assert follow_up.status_follow_up()["failed"] == 0  # not again within the hour
    freeze(_at(40) + timedelta(hours=2))
    assert follow_up.status_follow_up()["failed"] == 1


def test_the_biller_asks_for_a_status_at_once_from_the_claims_page(
    signed, connection, biller, client_for
):
    claim = claim_for(signed(), S.PENDING)

    response = client_for(biller).post(
        reverse("billing:claim-status-request", args=[claim.public_id]), follow=True
    )

    inquiry = StatusInquiry.objects.get(claim=claim)
    assert not inquiry.automatic
    assert f"Status request sent (trace {inquiry.trace_number})" in response.content.decode()


def test_the_worker_queues_the_follow_up_at_most_once_an_hour(db):
    assert enqueue_follow_up_unless_waiting() is True
    assert enqueue_follow_up_unless_waiting() is False


# ---------------------------------------------------------------- the payer's 277 answers


def _payer_answers(connection, category: str, code: str, entity: str = "", trace=None):
    """The payer's 277 for the 276 waiting in the outbox, with the status given."""
    from medoffice.formats.x12 import Envelope
    from medoffice.formats.x12.claim_status import (
        ClaimStatus as X12Status,
    )
    from medoffice.formats.x12.claim_status import (
        ClaimStatusResponse,
        StatusCode,
        render_277,
    )

    [file] = Path(connection.outbox_dir).glob("276_*.x12")
    [transaction] = list(iter_transactions(file.read_bytes()))
    [request] = parse_276(transaction)
    status = X12Status(
        patient_control_number=request.patient_control_number,
        statuses=(StatusCode(category, code, entity),), trace_number=trace or request.trace_number,
        total_charge=request.total_charge, service_from=request.service_from,
        service_to=request.service_to,
    )  # fmt: skip
    envelope = Envelope(
        sender_id="CLEARHOUSE", receiver_id="RIVERSIDE01", interchange_control_number=77,
        group_control_number=77, created=_at(41),
    )  # fmt: skip
    data = render_277(
        [ClaimStatusResponse(request.payer, request.receiver, request.provider,
                             request.subscriber, (status,))],
        envelope=envelope, reference="ANSWER1",
    )  # fmt: skip
    inbox = Path(connection.inbox_dir)
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "status.277").write_bytes(data)


def test_the_payers_277_finds_its_request_by_trace_number_and_moves_the_claim(
    signed, connection, freeze
):
    from medoffice.billing.acks import responses_pick_up
    from medoffice.billing.models import ClaimFinding

    pending = claim_for(signed(), S.ACCEPTED_PAYER)
    freeze(_at(40))
    follow_up.status_follow_up()
    _payer_answers(connection, "P1", "20")

    [outcome] = responses_pick_up(connection).files

    assert outcome.status == "processed", outcome.summary
    assert "1 pending" in outcome.summary
    pending.refresh_from_db()
    assert pending.status == S.PENDING
    inquiry = StatusInquiry.objects.get(claim=pending)
    assert inquiry.answered_at is not None
    assert "pending: in process" in inquiry.answer
    assert pending.events.last().source_file == outcome.record

    # A later request answered "rejected, the subscriber's data invalid": the rejection queue.
    for old in Path(connection.outbox_dir).glob("276_*.x12"):
        old.unlink()
    freeze(_at(71))
    follow_up.status_follow_up()
    _payer_answers(connection, "A7", "21", "IL")
    [outcome] = responses_pick_up(connection).files
    pending.refresh_from_db()
    assert (outcome.status, pending.status) == ("processed", S.REJECTED)
    assert "invalid information" in pending.status_reason
    finding = ClaimFinding.objects.get(claim=pending, source="277")
    assert finding.rejected
    assert finding.fix == "coverage"


def test_a_277_for_a_request_we_never_sent_is_quarantined_and_changes_nothing(
    signed, connection, freeze
):
    from medoffice.billing.acks import responses_pick_up

    claim = claim_for(signed(), S.ACCEPTED_PAYER)
    freeze(_at(40))
    follow_up.status_follow_up()
    _payer_answers(connection, "F2", "3", trace="NOSUCHTRACE")

    [outcome] = responses_pick_up(connection).files

    assert outcome.status == "quarantined"
    assert "trace NOSUCHTRACE" in outcome.record.reason
    claim.refresh_from_db()
    assert claim.status == S.ACCEPTED_PAYER
    assert StatusInquiry.objects.get(claim=claim).answered_at is None


def test_the_simulated_clearinghouse_answers_a_276_with_a_pending_277(signed, connection, freeze):
    from medoffice.billing.acks import responses_pick_up

    ClearinghouseConnection.objects.filter(pk=connection.pk).update(simulate_responses=True)
    connection.refresh_from_db()
    claim = claim_for(signed(), S.ACCEPTED_PAYER)
    freeze(_at(40))
    follow_up.status_follow_up()

    [outcome] = responses_pick_up(connection).files

    claim.refresh_from_db()
    assert (outcome.status, claim.status) == ("processed", S.PENDING)
