"""Claims over SFTP against a real OpenSSH server on loopback: the 837P batch is uploaded, the
answers are downloaded and set aside on the server; a server that is down keeps the batch
queued with the reason, and it goes once the server is back."""

import pytest

from medoffice.billing import acks, exchange
from medoffice.billing.models import Claim, ClaimBatch, ClearinghouseConnection
from medoffice.billing.simulator import _answer
from medoffice.billing.states import ClaimStatus
from tests.interop.sshd import free_port, start_sshd, stop_sshd


@pytest.fixture
def sshd(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    for name in ("outbound", "inbound"):
        (server.root / name).mkdir()
    yield server
    stop_sshd(server)


@pytest.fixture
def sftp_clearinghouse(claims_office, practice, sshd):
    return ClearinghouseConnection.objects.create(
        practice=practice, name="SFTP clearinghouse", kind="sftp", sender_id="MEDOFFICE01",
        receiver_id="CLEARHOUSE", receiver_name="Test Clearinghouse", host="127.0.0.1",
        contact_phone="(217) 555-0100",
        port=sshd.port, username=sshd.user, key_path=str(sshd.user_key_path),
        host_key=sshd.host_key, remote_outbox=str(sshd.root / "outbound"),
        remote_inbox=str(sshd.root / "inbound"),
    )  # fmt: skip


def test_claims_go_up_and_answers_come_down_over_sftp(signed, sftp_clearinghouse, practice, sshd):
    signed()
    report = exchange.claims_send(practice_id=practice.id)
    assert report.sent_claims == 1
    [uploaded] = list((sshd.root / "outbound").iterdir())
    assert uploaded.name == ClaimBatch.objects.get().file_name
    # The clearinghouse answers in its download directory.
    ack_999, ack_277 = _answer(uploaded.read_bytes(), pattern="", counter=500)
    (sshd.root / "inbound" / "a.999").write_bytes(ack_999)
    (sshd.root / "inbound" / "a.277").write_bytes(ack_277)

    [pickup] = acks.responses_pick_up_for_practice(practice_id=practice.id)

    assert pickup.error == ""
    assert [f.status for f in pickup.files] == ["processed", "processed"]
    assert Claim.objects.get().status == ClaimStatus.ACCEPTED_CLEARINGHOUSE
    assert sorted(p.name for p in (sshd.root / "inbound" / "processed").iterdir()) == [
        "a.277", "a.999"
    ]  # fmt: skip
    assert [p.name for p in (sshd.root / "inbound").iterdir()] == ["processed"]


def test_a_server_that_is_down_keeps_the_batch_queued_with_the_reason(
    signed, sftp_clearinghouse, practice, sshd
):
    real_port = sftp_clearinghouse.port
    sftp_clearinghouse.port = free_port()
    sftp_clearinghouse.save()
    signed()

    report = exchange.claims_send(practice_id=practice.id)

    assert report.sent_claims == 0
    batch = ClaimBatch.objects.get()
    assert batch.status == "queued"
    assert "cannot reach 127.0.0.1" in batch.last_error
    assert Claim.objects.get().status == ClaimStatus.QUEUED
    [pickup] = acks.responses_pick_up_for_practice(practice_id=practice.id)
    assert "cannot reach" in pickup.summary()

    sftp_clearinghouse.port = real_port
    sftp_clearinghouse.save()
    outcomes = exchange.batches_send_due(now=batch.next_attempt_at)

    assert [o.sent for o in outcomes] == [True]
    assert Claim.objects.get().status == ClaimStatus.SENT
    assert [p.name for p in (sshd.root / "outbound").iterdir()] == [batch.file_name]
