"""The public sample 835s (../shared/samples/x12, LinuxForHealth/x12, Apache-2.0), the
`medoffice era import` and `medoffice ledger check` commands with their exit codes, the ERA
screens and the API."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import F
from django.urls import reverse

from medoffice import cli
from medoffice.core.roles import Role
from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.remittance import parse_835
from medoffice.patients.models import Payer
from medoffice.payments import ledger
from medoffice.payments.checks import ledger_problems
from medoffice.payments.era import era_import
from medoffice.payments.models import (
    EntryKind,
    EraFile,
    LedgerDay,
    LedgerEntry,
    LineBalance,
    Party,
    SuspenseItem,
)
from medoffice.payments.selectors import payment_unapplied
from tests.payments.conftest import claim_payment, era_bytes, line, service

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "x12" / "835_005010X221A1"
FILES = sorted(SAMPLES.glob("*.835")) if SAMPLES.is_dir() else []


@pytest.fixture
def sample_payers(db):
    for path in FILES:
        for t in read_transactions(path.read_bytes()):
            try:
                r = parse_835(t)
            except X12Error:
                continue
            Payer.objects.get_or_create(name=r.payer.name[:100], defaults={"payer_id": ""})


def _parse_error(path) -> str:
    try:
        parse_835(read_transactions(path.read_bytes())[0])
    except X12Error as exc:
        return str(exc)
    return ""


@pytest.mark.skipif(not FILES, reason="no public 835 samples in ../shared/samples/x12")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_public_sample_files_post_whole_and_reconcile(path, practice, sample_payers):
    result = era_import(path.read_bytes(), practice=practice, name=path.name)
    error = _parse_error(path)
    if error:  # managed-care.835 pays on "20002316" (BPR16): refused, naming the spot
        assert result.status == "rejected"
        assert error in result.message
        assert not LedgerEntry.objects.exists()
        return
    assert result.status == "posted", result.message
    remittance = parse_835(read_transactions(path.read_bytes())[0])
    assert result.claims == len(remittance.claims)
    # Not our claims: every line waits in suspense; the payment's money is exactly theirs.
    payment = EraFile.objects.get(name=path.name).payments.get().payment
    held = sum((i.paid for i in SuspenseItem.objects.all()), Decimal("0.00"))
    assert payment_unapplied(payment) == held
    assert payment.amount == remittance.total_paid
    assert ledger_problems() == []
    again = era_import(path.read_bytes(), practice=practice, name=path.name)
    assert again.status == "already_posted"


def test_era_import_command_says_posted_already_or_rejected(sent, practice, tmp_path, capsys):
    claim = sent([line("99213")])
    (visit,) = claim.lines.all()
    good = tmp_path / "good.835"
    good.write_bytes(era_bytes([claim_payment(claim, [service(visit, "90", ("CO", "45", "35"))])]))
    bad = tmp_path / "bad.835"
    bad.write_bytes(good.read_bytes()[:-50])

    cli.main(["era", "import", str(good)])
    assert "good.835: posted: 1 claim payment(s), $90.00 paid" in capsys.readouterr().out
    cli.main(["era", "import", str(good)])
    assert "already posted" in capsys.readouterr().out
    with pytest.raises(SystemExit) as failed:
        cli.main(["era", "import", str(bad), str(tmp_path / "missing.835")])
    assert failed.value.code == 1
    err = capsys.readouterr().err
    assert "bad.835: rejected: Not readable X12" in err
    assert "missing.835: rejected: cannot read it" in err
    assert "2 file(s) rejected" in err


def test_ledger_check_command_names_what_is_off(posted, biller, capsys):
    posted([line("99213")])
    cli.main(["ledger", "check"])
    assert "every invariant holds" in capsys.readouterr().out
    charge_entry = LedgerEntry.objects.get(kind=EntryKind.CHARGE)
    LedgerEntry.objects.create(  # half a transfer, as a bug would leave it
        practice_id=charge_entry.practice_id, posting=uuid.uuid4(), kind=EntryKind.TRANSFER,
        amount=Decimal("10.00"), account=charge_entry.account, patient_id=charge_entry.patient_id,
        charge=charge_entry.charge, party=Party.PATIENT, source_kind="manual",
        effective_on=charge_entry.effective_on, posted_at=charge_entry.posted_at,
    )  # fmt: skip
    with pytest.raises(SystemExit) as failed:
        cli.main(["ledger", "check"])
    assert failed.value.code == 1
    err = capsys.readouterr().err
    assert "transfer halves do not sum to zero" in err
    assert "line does not add up" in err


def test_the_biller_sees_the_remittance_in_plain_words(sent, practice, biller, client_for):
    claim = sent([line("99213")])
    (visit,) = claim.lines.all()
    denied = claim_payment(
        claim, [service(visit, "0", ("CO", "50", "125.00"), remarks=("N115",))], status="4"
    )
    result = era_import(era_bytes([denied], total="0"), practice=practice, name="denial.835")
    page = client_for(biller).get(reverse("payments:era-detail", args=[result.era_file.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Not medically necessary" in text
    assert "Remark N115" in text
    assert "denied" in text
    assert "into the denial queue" in text


def test_upload_page_and_api_refuse_a_bad_file_and_say_already_posted(
    sent, biller, client_for, make_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    claim = sent([line("99213")])
    (visit,) = claim.lines.all()
    data = era_bytes([claim_payment(claim, [service(visit, "90", ("CO", "45", "35"))])])
    client = client_for(biller)
    bad = client.post(
        reverse("payments:era-upload"),
        {"file": SimpleUploadedFile("bad.835", data.replace(b"CAS*CO*45*35", b"CAS*CO*45*36"))},
    )
    assert bad.status_code == 422
    assert "Rejected, nothing posted" in bad.content.decode()
    api = reverse("api:era-list")
    first = client.post(api, {"file": SimpleUploadedFile("era.835", data)})
    assert first.status_code == 201
    assert first.json()["status"] == "posted"
    second = client.post(api, {"file": SimpleUploadedFile("era.835", data)})
    assert second.status_code == 200
    assert second.json()["status"] == "already_posted"
    refused = client.post(api, {"file": SimpleUploadedFile("x.835", b"ISA*garbage")})
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    ledger = client.get(reverse("api:patient-ledger", args=[claim.patient.public_id])).json()
    assert ledger["balance"]["insurance"] == "0.00"
    assert {e["kind"] for e in ledger["entries"]} >= {"charge", "ins_payment", "contractual"}
    clinician = client_for(make_user(Role.CLINICIAN))
    assert (
        clinician.get(reverse("api:patient-ledger", args=[claim.patient.public_id])).status_code
        == 403
    )


def test_remittances_from_the_clearinghouse_inbox_are_posted_once(sent, practice, tmp_path):
    from medoffice.billing.acks import responses_pick_up
    from medoffice.billing.models import ClearinghouseConnection
    from medoffice.payments.era import era_pick_up

    connection = ClearinghouseConnection.objects.create(
        practice=practice, name="Inbox test", sender_id="MEDOFFICE01", receiver_id="CH",
        receiver_name="Clearinghouse", outbox_dir=str(tmp_path / "out"),
        inbox_dir=str(tmp_path / "in"),
    )  # fmt: skip
    claim = sent([line("99213")])
    (visit,) = claim.lines.all()
    inbox = tmp_path / "in"
    inbox.mkdir()
    data = era_bytes([claim_payment(claim, [service(visit, "90", ("CO", "45", "35"))])])
    (inbox / "remit-1.835").write_bytes(data)
    (inbox / "broken.835").write_bytes(data[:-40])
    results = {r.name: r.status for r in era_pick_up(connection)}
    assert results == {"remit-1.835": "posted", "broken.835": "rejected"}
    assert (inbox / "processed" / "remit-1.835").exists()
    assert (inbox / "quarantine" / "broken.835").exists()
    (inbox / "remit-again.835").write_bytes(data)  # the clearinghouse sent it twice
    assert [r.status for r in era_pick_up(connection)] == ["already_posted"]
    assert responses_pick_up(connection).files == []  # nothing left for billing's pick-up
    assert ledger_problems() == []


def test_ledger_check_fails_on_a_tampered_summary_and_rebuild_mends_it(
    posted, biller, coverage, capsys
):
    """The summaries are caches: `ledger check` compares every row with the ledger (a cent
    changed, a row gone, a row with nothing behind it), `rebuild-summaries` mends them."""
    charge = posted([line("99213"), line("36415")])[0]
    ledger.adjust(charge, "37.50", group="CO", reason="45", by=biller)
    ledger.transfer(charge, "20.00", to_party=ledger.Responsible.patient(), by=biller)
    entry = ledger.write_off(charge, "5.00", reason="small", party=ledger.Responsible.patient())
    ledger.reverse(entry, reason="posted in error", by=biller)
    cli.main(["ledger", "check"])
    assert "every invariant holds" in capsys.readouterr().out
    assert LedgerDay.objects.exists()
    assert LineBalance.objects.exists()

    def failing() -> str:
        with pytest.raises(SystemExit) as failed:
            cli.main(["ledger", "check"])
        assert failed.value.code == 1
        return capsys.readouterr().err

    LedgerDay.objects.filter(kind=EntryKind.CONTRACTUAL).update(amount_cents=F("amount_cents") + 1)
    err = failing()
    assert "ledger day summary differs from the ledger" in err
    assert "kind=contractual" in err
    assert "-$37.49 in 1 entries, the ledger -$37.50 in 1 entries" in err
    cli.main(["ledger", "rebuild-summaries"])
    assert "rebuilt" in capsys.readouterr().out
    cli.main(["ledger", "check"])
    capsys.readouterr()

    LineBalance.objects.filter(party=Party.PATIENT).delete()
    LineBalance.objects.create(
        practice_id=charge.encounter.practice_id, patient_id=0, party=Party.PATIENT,
        payer_id=0, location_id=0, provider_id=0, date_of_service=charge.date_of_service,
        amount_cents=100, entries=1,
    )  # fmt: skip
    err = failing()
    assert "line balance summary differs from the ledger" in err
    assert "missing (the ledger has $20.00 in" in err
    assert "$1.00 in 1 entries with no ledger entries" in err
    cli.main(["ledger", "rebuild-summaries"])
    cli.main(["ledger", "check"])
    assert "every invariant holds" in capsys.readouterr().out
