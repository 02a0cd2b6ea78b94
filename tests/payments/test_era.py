"""ERA (835) auto-posting on a real database: payments, contractual adjustments, patient
responsibility, denials, reversals, provider-level adjustments, suspense, the secondary
payer, double imports and rejected files (BL-01, BL-02, BL-03)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from medoffice.billing import worklists
from medoffice.billing.models import Adjudication, Claim, ClaimFinding
from medoffice.billing.states import ClaimStatus
from medoffice.payments.checks import ledger_problems
from medoffice.payments.era import era_import, match_line, suspense_close, suspense_match
from medoffice.payments.errors import LedgerError
from medoffice.payments.models import (
    EntryKind,
    EraFile,
    LedgerEntry,
    Party,
    Payment,
    SuspenseItem,
)
from medoffice.payments.selectors import line_summary, payment_unapplied
from tests.payments.conftest import (
    claim_payment,
    era_bytes,
    line,
    reversal,
    service,
)

D = Decimal
S = ClaimStatus
PATIENT = (Party.PATIENT, None)


def _import(practice, data, name="era.835"):
    return era_import(data, practice=practice, name=name, origin="upload")


def _lines(claim):
    return list(claim.lines.order_by("number"))


def test_a_paid_claim_posts_payment_contractual_and_patient_share(sent, practice, biller):
    claim = sent([line("99213"), line("36415")])
    visit, draw = _lines(claim)
    payment = claim_payment(
        claim,
        [
            service(visit, "70.00", ("CO", "45", "25.00"), ("PR", "3", "20.00"),
                    ("PR", "1", "10.00")),
            service(draw, "10.00", ("CO", "45", "2.50")),
        ],
    )  # fmt: skip
    result = _import(practice, era_bytes([payment]))
    assert result.status == "posted", result.message
    assert (result.claims, result.matched, result.suspense) == (1, 1, 0)
    first = line_summary(visit.charge_id)
    assert first.charged == D("125.00")
    assert first.paid == D("70.00")
    assert first.adjusted == D("25.00")
    assert first.by_party == {PATIENT: D("30.00")}  # the payer's part is settled
    assert line_summary(draw.charge_id).by_party == {}
    claim.refresh_from_db()
    assert claim.status == S.PAID
    assert (claim.paid_amount, claim.patient_responsibility) == (D("80.00"), D("30.00"))
    era_payment = Payment.objects.get(kind="insurance")
    assert era_payment.amount == D("80.00")
    assert era_payment.reference == "EFT0001"
    assert payment_unapplied(era_payment) == D("0.00")
    transfers = LedgerEntry.objects.filter(kind=EntryKind.TRANSFER, amount__gt=0)
    assert sorted((e.reason, e.amount) for e in transfers) == [("1", D("10.00")), ("3", D("20"))]
    entry = LedgerEntry.objects.get(kind=EntryKind.INSURANCE_PAYMENT, charge=visit.charge)
    assert entry.source_kind == "era"
    assert "EFT0001" in entry.source
    assert entry.claim_line_id == visit.pk
    assert entry.era_claim.claim_id == claim.pk
    assert Adjudication.objects.filter(claim=claim, line__isnull=False).count() == 2
    assert ledger_problems() == []


def test_the_same_file_twice_posts_nothing_the_second_time(sent, practice):
    claim = sent([line("99213")])
    (visit,) = _lines(claim)
    data = era_bytes([claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])])
    assert _import(practice, data).status == "posted"
    rows = LedgerEntry.objects.count()
    again = _import(practice, data, name="copy.835")
    assert again.status == "already_posted"
    assert "already posted" in again.message
    # The same payment (payer + trace) in a re-sent file with other bytes: also refused.
    resent = era_bytes(
        [claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])], control=2
    )
    assert resent != data
    assert _import(practice, resent).status == "already_posted"
    assert LedgerEntry.objects.count() == rows
    assert Payment.objects.count() == 1
    assert EraFile.objects.filter(status="posted").count() == 1


def test_a_denial_is_not_a_write_off(sent, practice, coverage):
    claim = sent([line("99213")], status=S.ACCEPTED_PAYER)
    (visit,) = _lines(claim)
    denied = claim_payment(
        claim, [service(visit, "0.00", ("CO", "50", "125.00"), remarks=("N115",))], status="4"
    )
    result = _import(practice, era_bytes([denied], total="0.00"))
    assert result.status == "posted"
    assert result.denied == 1
    summary = line_summary(visit.charge_id)
    assert summary.by_party == {(Party.INSURANCE, coverage.payer_id): D("125.00")}
    assert summary.adjusted == D("0.00")
    entry = LedgerEntry.objects.get(kind=EntryKind.DENIAL)
    assert (entry.amount, entry.group, entry.reason) == (D("0.00"), "CO", "50")
    assert not LedgerEntry.objects.filter(
        kind__in=[EntryKind.WRITE_OFF, EntryKind.CONTRACTUAL]
    ).exists()
    claim.refresh_from_db()
    assert claim.status == S.DENIED
    assert "Not medically necessary" in claim.status_reason
    queue = worklists.denials(practice_id=practice.pk)
    assert [row.claim.pk for row in queue] == [claim.pk]
    assert ClaimFinding.objects.filter(claim=claim, code="N115").exists()
    assert ledger_problems() == []


def test_reversal_and_correction_undo_and_redo(sent, practice, coverage):
    claim = sent([line("99213")])
    (visit,) = _lines(claim)
    first = claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])
    assert _import(practice, era_bytes([first], trace="CHK1001")).status == "posted"
    corrected = claim_payment(
        claim, [service(visit, "80.00", ("CO", "45", "25.00"), ("PR", "2", "20.00"))],
        number="PCN0002",
    )  # fmt: skip
    result = _import(practice, era_bytes([reversal(first), corrected], trace="CHK1002", control=2))
    assert result.status == "posted", result.message
    assert result.reversed == 1
    undone = LedgerEntry.objects.filter(reverses__isnull=False)
    assert sorted(e.amount for e in undone) == [D("25.00"), D("100.00")]
    summary = line_summary(visit.charge_id)
    assert summary.paid == D("80.00")
    assert summary.adjusted == D("25.00")
    assert summary.by_party == {PATIENT: D("20.00")}
    assert Adjudication.objects.filter(claim=claim, superseded=True).count() == 2
    assert ledger_problems() == []


def test_unmatched_lines_wait_in_suspense_and_are_matched_by_hand(sent, practice, biller):
    claim = sent([line("99213"), line("36415")])
    visit, draw = _lines(claim)
    stray = service(draw, "9.00", ("CO", "45", "3.50"), control=False, procedure_code="36416")
    unknown = claim_payment(None, [service(visit, "50.00", ("CO", "45", "75.00"), control=False)])
    data = era_bytes(
        [claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00")), stray]), unknown]
    )
    result = _import(practice, data)
    assert result.status == "posted"
    assert result.suspense == 2
    items = {i.reason for i in SuspenseItem.objects.all()}
    assert items == {
        "no unpaid line with code 36416 on the claim",
        "no claim with this patient control number",
    }
    era_payment = Payment.objects.get(kind="insurance")
    assert payment_unapplied(era_payment) == D("59.00")
    assert ledger_problems() == []
    item = SuspenseItem.objects.get(procedure_code="36416")
    suspense_match(item, line=draw, by=biller, note="payer sent the wrong code")
    assert line_summary(draw.charge_id).by_party == {}
    assert payment_unapplied(era_payment) == D("50.00")
    with pytest.raises(LedgerError):
        suspense_match(item, line=draw, by=biller)  # not twice
    other = SuspenseItem.objects.get(status="open")
    suspense_close(other, note="another office's patient: returned to the payer", by=biller)
    assert ledger_problems() == []


def test_modifiers_dropped_or_reordered_still_match(sent):
    claim = sent([line("99213", modifiers=("25", "95")), line("99213", modifiers=("95",))])
    both, telehealth = _lines(claim)
    reordered = service(both, "1", control=False, modifiers=("95", "25"))
    assert match_line(reordered, [both, telehealth], set()) == (both, "code, modifiers reordered")
    dropped = service(both, "1", control=False, modifiers=("95",))
    assert match_line(dropped, [both, telehealth], set())[0] == telehealth  # exact wins
    assert match_line(dropped, [both, telehealth], {telehealth.pk}) == (
        both,
        "code, modifier dropped",
    )
    foreign = service(both, "1", control=False, modifiers=("59",))
    line_, why = match_line(foreign, [both, telehealth], set())
    assert line_ is None
    assert "modifiers 59" in why
    other_day = service(both, "1", control=False, service_date=both.date_of_service.replace(day=9))
    assert match_line(other_day, [both, telehealth], set())[0] is None


def test_patient_responsibility_moves_to_the_secondary_with_a_secondary_claim(
    sent, practice, patient
):
    from datetime import date

    from medoffice.patients import services as patient_services
    from medoffice.patients.models import Payer

    medigap = Payer.objects.create(name="Medigap Plan", payer_id="77777")
    second = patient_services.coverage_add(
        patient=patient,
        fields={"payer": medigap, "member_id": "MG123456", "order": 2, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    claim = sent([line("99213")])
    (visit,) = _lines(claim)
    paid = claim_payment(claim, [service(visit, "80.00", ("CO", "45", "25.00"), ("PR", "2", "20"))])
    assert _import(practice, era_bytes([paid])).status == "posted"
    assert line_summary(visit.charge_id).by_party == {(Party.INSURANCE, medigap.pk): D("20.00")}
    follower = Claim.objects.get(primary_claim=claim)
    assert (follower.responsibility, follower.coverage_id, follower.status) == (
        2,
        second.pk,
        "draft",
    )
    assert [ln.number for ln in follower.lines.all()] == [1]


def test_the_secondary_pays_what_the_primary_left_and_its_prior_payer_part_posts_nothing(
    sent, practice, patient
):
    from datetime import date

    from medoffice.patients import services as patient_services
    from medoffice.patients.models import Payer
    from tests.billing.claimwork import ROUTES, claims_move

    medigap = Payer.objects.create(name="Medigap Plan", payer_id="77777")
    patient_services.coverage_add(
        patient=patient,
        fields={"payer": medigap, "member_id": "MG123456", "order": 2, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    claim = sent([line("99213")])  # $125.00
    (visit,) = _lines(claim)
    primary = claim_payment(claim, [service(visit, "80.00", ("CO", "45", "25.00"),
                                            ("PR", "2", "20.00"))])  # fmt: skip
    assert _import(practice, era_bytes([primary]), name="primary.835").status == "posted"
    follower = Claim.objects.get(primary_claim=claim)
    for step in ROUTES[S.SENT]:
        claims_move([(follower.pk, follower.status)], step, note="test")
        follower.refresh_from_db()
    (second_line,) = _lines(follower)

    # The secondary answers the whole charge, as real ones do: CAS OA*23 for the $105.00
    # the primary paid and adjusted, $16.00 paid, $4.00 left to the patient.
    answer = claim_payment(
        follower, [service(second_line, "16.00", ("OA", "23", "105.00"), ("PR", "2", "4.00"))],
        status="2", number="MG0001",
    )  # fmt: skip
    result = _import(
        practice, era_bytes([answer], trace="EFT0002", control=2), name="secondary.835"
    )

    assert result.status == "posted", result.message
    summary = line_summary(visit.charge_id)
    assert summary.paid == D("96.00")
    assert summary.adjusted == D("25.00")  # the primary's contractual only
    assert summary.by_party == {PATIENT: D("4.00")}  # no credit left with the Medigap plan
    follower.refresh_from_db()
    assert (follower.status, follower.paid_amount) == (S.PAID, D("16.00"))
    assert ledger_problems(practice_id=practice.pk) == []


def test_a_claim_whose_charges_never_reached_the_ledger_opens_the_account_and_posts(
    signed, practice
):
    from medoffice.payments.models import Account
    from tests.billing.claimwork import claim_for

    claim = claim_for(signed(lines=[line("99213")]), S.SENT)
    assert not Account.objects.filter(patient_id=claim.patient_id).exists()
    (visit,) = _lines(claim)
    paid = claim_payment(claim, [service(visit, str(visit.amount - D("25.00")),
                                         ("CO", "45", "25.00"))])  # fmt: skip
    assert _import(practice, era_bytes([paid])).status == "posted"
    account = Account.objects.get(patient_id=claim.patient_id)
    entries = LedgerEntry.objects.filter(charge_id=visit.charge_id).order_by("id")
    assert [(e.kind, e.account_id) for e in entries] == [
        (EntryKind.CHARGE, account.pk),
        (EntryKind.INSURANCE_PAYMENT, account.pk),
        (EntryKind.CONTRACTUAL, account.pk),
    ]
    assert line_summary(visit.charge_id).by_party == {}
    assert ledger_problems() == []


def test_provider_level_interest_and_recoupment(sent, practice):
    claim = sent([line("99213")])
    (visit,) = _lines(claim)
    paid = claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])
    data = era_bytes([paid], plb=[("L6", "-3.27", claim.patient_control_number),
                                  ("WO", "40.00", "OVERPAID-1")])  # fmt: skip
    assert _import(practice, data).status == "posted"
    era_payment = Payment.objects.get(kind="insurance")
    assert era_payment.amount == D("63.27")
    provider = LedgerEntry.objects.filter(kind=EntryKind.PROVIDER).order_by("amount")
    assert [(e.reason, e.amount, e.account_id) for e in provider] == [
        ("L6", D("-3.27"), None), ("WO", D("40.00"), None),
    ]  # fmt: skip
    assert payment_unapplied(era_payment) == D("0.00")
    assert ledger_problems() == []


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda d: d[:-60], "Not readable X12"),
        (lambda d: d.replace(b"CAS*CO*45*25.00", b"CAS*CO*45*25.01"), "Does not balance"),
        (lambda d: d.replace(b"ST*835", b"ST*837"), "Not"),
    ],
)
def test_a_bad_file_is_rejected_and_posts_nothing(sent, practice, mangle, reason):
    claim = sent([line("99213")])
    (visit,) = _lines(claim)
    data = era_bytes([claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])])
    before = LedgerEntry.objects.count()
    result = _import(practice, mangle(data))
    assert result.status == "rejected"
    assert reason in result.message, result.message
    assert LedgerEntry.objects.count() == before
    assert not Payment.objects.exists()
    assert EraFile.objects.get().status == "rejected"


def test_a_file_that_does_not_balance_by_a_cent_is_held(sent, practice):
    claim = sent([line("99213")])
    (visit,) = _lines(claim)
    good = claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])
    bad = replace(good, paid=D("100.01"))
    result = _import(practice, era_bytes([bad]))
    assert result.status == "rejected"
    assert "charge 125.00 - paid 100.01 != adjustments 25.00" in result.message
    assert not LedgerEntry.objects.exclude(kind=EntryKind.CHARGE).exists()


def test_every_claim_status_posts(sent, practice):
    """CLP02 1, 2, 3, 4, 19, 20, 21, 22 (without its original: suspense), 23, 25."""
    results = {}
    for n, status in enumerate(["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"]):
        claim = sent([line("99213")])
        (visit,) = _lines(claim)
        if status == "4":
            svc = service(visit, "0", ("CO", "16", "125.00"))
        else:
            svc = service(visit, "100.00", ("CO", "45", "20.00"), ("PR", "1", "5.00"))
        payment = claim_payment(claim, [svc], status=status, number=f"P{n}")
        if status == "22":
            payment = reversal(replace(payment, status="1"))
        if status in ("23", "25"):
            payment = claim_payment(
                claim, [service(visit, "0", ("OA", "23", "125.00"))], status=status
            )
        result = _import(practice, era_bytes([payment], trace=f"T{n}", control=n + 1))
        assert result.status == "posted", (status, result.message)
        claim.refresh_from_db()
        results[status] = claim.status
    assert results["1"] == results["2"] == results["19"] == S.PAID
    assert results["4"] == S.DENIED
    assert results["23"] == results["25"] == S.SENT  # nothing to post
    assert SuspenseItem.objects.filter(reason__startswith="reversal of payer claim").count() == 1
    assert ledger_problems() == []


def test_the_file_posts_its_summaries_once_grouped_and_leaves_nothing_deferred(sent, practice):
    """The ERA posting adds its entries to the ledger's summaries in one grouped upsert per
    summary (summaries.deferred()): the same rows the per-entry trigger makes; a posting
    that fails inside takes its entries and the switch with it."""
    from django.db import connection, transaction

    from medoffice.payments import summaries
    from medoffice.payments.models import LineBalance, SummaryDeferral

    claim = sent([line("99213"), line("36415")])
    visit, draw = _lines(claim)
    payment = claim_payment(
        claim,
        [service(visit, "70.00", ("CO", "45", "25.00"), ("PR", "3", "30.00")),
         service(draw, "0.00", ("CO", "97", "12.50"))],
    )  # fmt: skip
    assert _import(practice, era_bytes([payment])).status == "posted"
    assert not SummaryDeferral.objects.exists()
    assert summaries.problems() == []
    patient_rows = LineBalance.objects.filter(party=Party.PATIENT, practice_id=practice.pk)
    assert sum(r.amount_cents for r in patient_rows) == 3000
    entries = LedgerEntry.objects.count()

    def adjust(charge_id, amount):
        """A hand-made adjustment on the line (a copy of its charge entry's columns)."""
        charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE, charge_id=charge_id)
        skip = ("id", "public_id", "from_charge_id")
        values = {
            f.attname: getattr(charge, f.attname)
            for f in LedgerEntry._meta.concrete_fields
            if f.attname not in skip
        }
        LedgerEntry.objects.create(**values | {"kind": EntryKind.ADJUSTMENT, "amount": amount})

    def fail_inside():
        with transaction.atomic(), summaries.deferred():
            adjust(visit.charge_id, D("-1.00"))
            raise RuntimeError("the posting failed")

    with pytest.raises(RuntimeError):
        fail_inside()
    assert LedgerEntry.objects.count() == entries
    assert not SummaryDeferral.objects.exists()
    assert summaries.problems() == []
    if connection.vendor == "sqlite":
        # Deferred, an entry written by hand reaches the summaries at the block's end.
        with summaries.deferred():
            adjust(draw.charge_id, D("-2.00"))
            assert summaries.problems() != []  # not yet
        assert summaries.problems() == []
