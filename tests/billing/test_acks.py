"""The clearinghouse's answers: a simulated clearinghouse answers each batch with a 999 and a
277CA; the pickup moves batches and claims, quarantines what it cannot apply (changing
nothing), and never applies a file twice."""

from datetime import date

import pytest

from medoffice.billing import acks, exchange
from medoffice.billing.models import Claim, ClaimBatch, ClaimEvent, ExchangeFile
from medoffice.billing.simulator import simulate_answers
from medoffice.billing.states import ClaimStatus
from medoffice.formats.x12 import Envelope
from medoffice.formats.x12.ack_999 import (
    ElementError,
    FunctionalAck,
    SegmentError,
    TransactionAck,
    render_999,
)
from tests.formats.x12.pyx12check import pyx12_problems


@pytest.fixture
def simulated(clearinghouse):
    clearinghouse.simulate_responses = True
    clearinghouse.simulate_member_id_pattern = r"W\d{8}"
    clearinghouse.save()
    return clearinghouse


@pytest.fixture
def refused_member(make_patient, payer):
    """A patient whose coverage has a member id the simulated payer does not know (the
    `simulated` connection's pattern): its claims come back rejected. Returns the coverage."""
    from medoffice.patients import services as patient_services

    other = make_patient(
        first_name="Mary", last_name="Jones", dob=date(1990, 5, 5), sex_at_birth="F"
    )
    return patient_services.coverage_add(
        patient=other,
        fields={"payer": payer, "member_id": "W123", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip


def _state():
    return sorted(Claim.objects.values_list("patient_control_number", "status", "status_reason"))


def test_the_simulated_clearinghouse_answers_with_valid_999_and_277ca(
    signed, simulated, practice, tmp_path
):
    signed()
    exchange.claims_send(practice_id=practice.id)
    assert simulate_answers(simulated) == 1
    inbox = sorted((tmp_path / "inbox").iterdir())
    assert [p.suffix for p in inbox] == [".277", ".999"]
    for path in inbox:
        assert pyx12_problems(path.read_bytes()) == [], path.name
    assert not any(p.is_file() for p in (tmp_path / "outbox").iterdir())


def test_accepted_and_rejected_claims_move_with_the_reason_and_the_file(
    signed, simulated, practice, patient, refused_member, biller
):
    signed()
    other = refused_member.patient
    signed(patient_=other, day=date(2026, 3, 3))
    exchange.claims_send(practice_id=practice.id, by=biller)

    [report] = acks.responses_pick_up_for_practice(practice_id=practice.id, by=biller)

    assert [f.status for f in report.files] == ["processed", "processed"]
    good = Claim.objects.get(patient=patient)
    bad = Claim.objects.get(patient=other)
    assert good.status == ClaimStatus.ACCEPTED_CLEARINGHOUSE
    assert good.payer_claim_number.startswith("SIM")
    assert bad.status == ClaimStatus.REJECTED
    assert "member id" in bad.status_reason
    assert "invalid information" in bad.status_reason.lower()
    assert ClaimBatch.objects.get().status == "accepted"
    event = ClaimEvent.objects.get(claim=bad, to_status="rejected")
    assert event.source_file.transaction == "277"
    assert event.by == biller
    assert "277CA" in report.summary()
    # The rejections queue: the reason explained, with the field to fix.
    [finding] = bad.findings.all()
    assert finding.rejected
    assert finding.fix == "coverage"
    assert finding.source_file == event.source_file


def test_a_rejected_claim_is_fixed_and_sent_again(
    signed, simulated, practice, refused_member, biller, tmp_path
):
    coverage = refused_member
    signed(patient_=coverage.patient)
    exchange.claims_send(practice_id=practice.id)
    acks.responses_pick_up_for_practice(practice_id=practice.id)
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.REJECTED
    coverage.member_id = "W12345678"
    coverage.save()

    [outcome] = exchange.claim_resend(claim=claim, by=biller)
    acks.responses_pick_up_for_practice(practice_id=practice.id)

    assert outcome.sent
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED_CLEARINGHOUSE
    assert ClaimBatch.objects.count() == 2
    assert list(claim.events.values_list("to_status", flat=True)) == [
        "draft", "scrubbed", "queued", "sent", "rejected", "scrubbed", "queued", "sent",
        "accepted_ch",
    ]  # fmt: skip


def test_the_same_file_twice_is_applied_once(signed, simulated, practice, tmp_path):
    signed()
    exchange.claims_send(practice_id=practice.id)
    simulate_answers(simulated)
    copies = {p.name: p.read_bytes() for p in (tmp_path / "inbox").iterdir()}
    acks.responses_pick_up_for_practice(practice_id=practice.id)
    events = ClaimEvent.objects.count()
    for name, data in copies.items():
        (tmp_path / "inbox" / f"again-{name}").write_bytes(data)

    [report] = acks.responses_pick_up_for_practice(practice_id=practice.id)

    assert [f.status for f in report.files] == ["duplicate", "duplicate"]
    assert ClaimEvent.objects.count() == events
    assert ExchangeFile.objects.filter(direction="received").count() == 2
    assert sorted(p.name for p in (tmp_path / "inbox" / "processed").iterdir()) == sorted(
        [*copies, *(f"again-{n}" for n in copies)]
    )


def _envelope(number=900):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return Envelope(
        sender_id="CLEARHOUSE", receiver_id="MEDOFFICE01", interchange_control_number=number,
        group_control_number=number, created=datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("UTC")),
    )  # fmt: skip


def test_a_999_for_a_batch_we_never_sent_is_quarantined_and_changes_nothing(
    signed, clearinghouse, practice, tmp_path
):
    signed()
    exchange.claims_send(practice_id=practice.id)
    before = _state()
    stranger = FunctionalAck("HC", "777", "A", 1, 1, 1, "005010X222A1",
                             (TransactionAck("837", "0001", "A"),))  # fmt: skip
    (tmp_path / "inbox").mkdir(exist_ok=True)
    (tmp_path / "inbox" / "x.999").write_bytes(render_999([stranger], envelope=_envelope()))

    [report] = acks.responses_pick_up_for_practice(practice_id=practice.id)

    [outcome] = report.quarantined
    assert "batch we never sent" in outcome.record.reason
    assert "777" in outcome.record.reason
    assert _state() == before
    assert ClaimBatch.objects.get().status == "sent"
    assert (tmp_path / "inbox" / "quarantine" / "x.999").exists()


def test_a_999_rejecting_the_transaction_rejects_its_claims_with_the_errors(
    signed, clearinghouse, practice, tmp_path
):
    signed()
    exchange.claims_send(practice_id=practice.id)
    batch = ClaimBatch.objects.get()
    pcn = Claim.objects.get().patient_control_number
    error = SegmentError("NM1", 12, "8", "2010BA", pcn, (ElementError(9, "1", None, "67"),))
    rejected = TransactionAck("837", "0001", "R", "", ("5",), (error,))
    rejection = FunctionalAck(
        "HC", str(batch.group_control), "R", 1, 1, 0, "005010X222A1", (rejected,)
    )
    (tmp_path / "inbox").mkdir(exist_ok=True)
    (tmp_path / "inbox" / "r.999").write_bytes(render_999([rejection], envelope=_envelope()))

    acks.responses_pick_up_for_practice(practice_id=practice.id)

    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.REJECTED
    assert "NM1 at segment 12" in claim.status_reason
    assert "required data element missing" in claim.status_reason
    assert ClaimBatch.objects.get().status == "rejected"


def test_a_277ca_naming_unknown_claims_is_quarantined(signed, simulated, practice, tmp_path):
    signed()
    exchange.claims_send(practice_id=practice.id)
    simulate_answers(simulated)
    path = next((tmp_path / "inbox").glob("*.277"))
    pcn = Claim.objects.get().patient_control_number
    path.write_bytes(path.read_bytes().replace(pcn.encode(), b"NOSUCHCLAIM00001"))
    (tmp_path / "inbox" / next((tmp_path / "inbox").glob("*.999")).name).unlink()
    before = _state()

    [report] = acks.responses_pick_up_for_practice(practice_id=practice.id)

    [outcome] = report.quarantined
    assert "NOSUCHCLAIM00001" in outcome.record.reason
    assert _state() == before


def test_a_malformed_file_is_quarantined_with_the_segment(clearinghouse, practice, tmp_path):
    (tmp_path / "inbox").mkdir(exist_ok=True)
    (tmp_path / "inbox" / "broken.999").write_bytes(b"ISA*00*short~")

    [report] = acks.responses_pick_up_for_practice(practice_id=practice.id)

    [outcome] = report.quarantined
    assert outcome.record.reason.startswith("Not readable X12")
    assert outcome.record.status == "quarantined"


def test_an_835_is_left_for_the_era_posting(clearinghouse, practice, tmp_path):
    from pathlib import Path

    samples = Path(__file__).resolve().parents[3] / "shared" / "samples" / "x12"
    sample = next(iter(sorted(samples.rglob("*.835"))), None)
    if sample is None:
        pytest.skip("no public 835 sample in ../shared/samples/x12")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    (tmp_path / "inbox" / "era.835").write_bytes(sample.read_bytes())

    [report] = acks.responses_pick_up_for_practice(practice_id=practice.id)

    assert [f.status for f in report.files] == ["left"]
    assert (tmp_path / "inbox" / "era.835").exists()
    assert not ExchangeFile.objects.exists()


def test_the_simulated_payers_pay_the_accepted_claims_once_with_a_valid_835(
    signed, simulated, practice, refused_member, biller, tmp_path
):
    from medoffice.billing.simulator import simulate_payments
    from medoffice.formats.x12 import read_transactions
    from medoffice.formats.x12.remittance import parse_835
    from medoffice.payments.era import era_pick_up

    signed()
    signed(patient_=refused_member.patient, day=date(2026, 3, 3))
    exchange.claims_send(practice_id=practice.id, by=biller)
    acks.responses_pick_up_for_practice(practice_id=practice.id, by=biller)

    assert simulate_payments(simulated) == 1
    [remittance] = (tmp_path / "inbox").glob("*.835")
    data = remittance.read_bytes()
    assert pyx12_problems(data) == []
    [paid] = [parse_835(t) for t in read_transactions(data)]
    accepted = Claim.objects.get(status=ClaimStatus.ACCEPTED_CLEARINGHOUSE)
    assert [c.patient_control_number for c in paid.claims if c.status != "22"] == [
        accepted.patient_control_number
    ]
    assert simulate_payments(simulated) == 0  # each batch is paid once

    [result] = era_pick_up(simulated, by=biller)
    assert result.status == "posted"
    accepted.refresh_from_db()
    assert accepted.status != ClaimStatus.ACCEPTED_CLEARINGHOUSE
