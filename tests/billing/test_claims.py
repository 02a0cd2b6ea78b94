"""Claims from signed encounters: built once per encounter, scrubbed as sent, batched with
control numbers that never repeat, written as 837P that pyx12 validates, moved only as the
status table allows, every move a ClaimEvent."""

from datetime import date

import pytest

from medoffice.billing import claims as claim_services
from medoffice.billing import exchange
from medoffice.billing.errors import ClaimStateError
from medoffice.billing.models import Claim, ClaimBatch, ClaimEvent, ExchangeFile
from medoffice.billing.states import ClaimStatus
from medoffice.formats.x12 import read_transactions
from medoffice.formats.x12.claim_837p import parse_837p
from tests.billing.conftest import line
from tests.formats.x12.pyx12check import pyx12_problems


def test_a_signed_encounter_becomes_one_draft_claim_with_its_charges(
    signed, clearinghouse, practice
):
    encounter = signed(lines=[line("99213"), line("36415", pointers=[2])])
    made = claim_services.claims_build(practice_id=practice.id)
    assert len(made) == 1
    claim = Claim.objects.get(pk=made[0])
    assert claim.status == ClaimStatus.DRAFT
    assert claim.encounter == encounter
    assert claim.payer == encounter.coverage.payer
    assert claim.diagnosis_codes == ["E119", "I10"]
    assert [(ln.code, ln.amount, ln.pointers) for ln in claim.lines.order_by("number")] == [
        ("99213", 125, "1 2"), ("36415", 12.5, "2"),
    ]  # fmt: skip
    assert str(claim.total_charge) == "137.50"
    assert claim_services.claims_build(practice_id=practice.id) == []  # never twice
    assert list(claim.events.values_list("from_status", "to_status")) == [("", "draft")]


def test_an_encounter_without_insurance_makes_no_claim(signed, clearinghouse, practice, coverage):
    coverage.status = "cancelled"
    coverage.save()
    signed()
    assert claim_services.claims_build(practice_id=practice.id) == []


def test_a_claim_with_a_scrubber_error_is_not_sent(signed, clearinghouse, practice, biller):
    signed(diagnoses=["N40.0"])  # a diagnosis for men; this patient is male: clean
    report = exchange.claims_send(practice_id=practice.id, by=biller)
    assert report.sent_claims == 1
    # A second visit coded with a female-only diagnosis for this male patient:
    signed(diagnoses=["O80"], day=date(2026, 3, 3))
    report = exchange.claims_send(practice_id=practice.id, by=biller)
    assert report.with_errors == 1
    assert report.sent_claims == 0
    held = Claim.objects.get(status=ClaimStatus.DRAFT)
    assert [i["rule"] for i in held.issues if i["severity"] == "error"] == ["DX_SEX"]


def test_send_writes_a_valid_837p_and_records_the_batch(
    signed, clearinghouse, practice, biller, tmp_path
):
    signed()
    signed(lines=[line("99214"), line("93000")], day=date(2026, 3, 3))
    report = exchange.claims_send(practice_id=practice.id, by=biller)
    assert report.built == 2
    assert report.sent_claims == 2
    batch = ClaimBatch.objects.get()
    assert batch.status == "sent"
    assert batch.claim_count == 2
    assert str(batch.total_charge) == "370.00"
    data = (tmp_path / "outbox" / batch.file_name).read_bytes()
    assert pyx12_problems(data) == []
    [transaction] = read_transactions(data)
    sent = parse_837p(transaction)
    pcns = set(Claim.objects.values_list("patient_control_number", flat=True))
    assert {c.patient_control_number for c in sent.claims} == pcns
    assert all(c.status == ClaimStatus.SENT for c in Claim.objects.all())
    record = ExchangeFile.objects.get()
    assert record.direction == "sent"
    assert record.size == len(data)
    assert batch.file == record
    assert set(ClaimEvent.objects.filter(to_status="sent").values_list("batch", flat=True)) == {
        batch.id
    }


def test_control_numbers_never_repeat(signed, clearinghouse, practice):
    signed()
    exchange.claims_send(practice_id=practice.id)
    signed(day=date(2026, 3, 3))
    exchange.claims_send(practice_id=practice.id)
    numbers = list(ClaimBatch.objects.order_by("id").values_list("interchange_control", flat=True))
    assert numbers == [1, 2]
    assert exchange.control_numbers(clearinghouse, 3) == 3
    assert exchange.control_numbers(clearinghouse, 1) == 6


def test_a_dry_run_writes_the_files_and_changes_nothing(signed, clearinghouse, practice, tmp_path):
    signed()
    out = tmp_path / "dry"
    report = exchange.claims_send(practice_id=practice.id, dry_run=True, out_dir=out)
    [written] = report.written
    assert pyx12_problems(written.read_bytes()) == []
    assert Claim.objects.count() == 0
    assert ClaimBatch.objects.count() == 0
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").iterdir())


def test_the_status_table_refuses_a_move_and_moves_nothing(signed, clearinghouse, practice):
    signed()
    [claim_id] = claim_services.claims_build(practice_id=practice.id)
    with pytest.raises(ClaimStateError, match="cannot become paid"):
        claim_services.claims_move([(claim_id, "draft")], ClaimStatus.PAID)
    assert Claim.objects.get().status == "draft"


def test_when_the_outbox_cannot_be_written_the_batch_stays_queued_with_the_reason(
    signed, clearinghouse, practice, tmp_path
):
    (tmp_path / "outbox").write_text("a file where the folder should be")
    signed()
    report = exchange.claims_send(practice_id=practice.id)
    [outcome] = report.batches
    assert not outcome.sent
    batch = ClaimBatch.objects.get()
    assert batch.status == "queued"
    assert batch.attempts == 1
    assert "cannot" in batch.last_error
    assert batch.next_attempt_at is not None
    assert Claim.objects.get().status == ClaimStatus.QUEUED
    (tmp_path / "outbox").unlink()
    outcomes = exchange.batches_send_due(now=batch.next_attempt_at)
    assert [o.sent for o in outcomes] == [True]
    assert Claim.objects.get().status == ClaimStatus.SENT
