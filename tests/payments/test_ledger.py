"""The ledger's service API on a real database: charges, payments, adjustments, transfers,
refunds, write-offs and reversals; the database refusing edits (BL-05)."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from medoffice.payments import ledger
from medoffice.payments.errors import (
    AlreadyReversedError,
    LedgerError,
    OverApplicationError,
    RefundBeyondCreditError,
)
from medoffice.payments.models import EntryKind, LedgerEntry, Party, Payment
from medoffice.payments.selectors import (
    account_balance,
    account_lines,
    line_balances,
    line_summary,
    payment_unapplied,
)
from tests.payments.conftest import line

D = Decimal
PATIENT = (Party.PATIENT, None)


def test_signed_charges_post_once_to_the_payer(posted, biller, coverage):
    charges = posted()
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 2
    ledger.post_charges(charges=charges, by=biller)  # again: nothing new
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 2
    balances = line_balances([c.pk for c in charges])
    assert balances[charges[0].pk] == {(Party.INSURANCE, coverage.payer_id): D("125.00")}
    assert balances[charges[1].pk] == {(Party.INSURANCE, coverage.payer_id): D("12.50")}
    entry = LedgerEntry.objects.get(charge=charges[0])
    assert (entry.posted_by, entry.source_kind, entry.coverage_id) == (
        biller,
        "system",
        coverage.pk,
    )


def test_the_signal_posts_the_charges_after_the_signing_commits(
    coded, clinician, django_capture_on_commit_callbacks
):
    from medoffice.billing import services

    encounter = coded(lines=[line("99214")])
    with django_capture_on_commit_callbacks(execute=True):
        services.encounter_sign(encounter=encounter, signed_by=clinician)
    entry = LedgerEntry.objects.get(kind=EntryKind.CHARGE)
    assert entry.amount == D("185.00")
    assert entry.patient_id == encounter.patient_id


def test_patient_payment_goes_to_the_oldest_balance_first(posted, biller, patient, practice):
    older = posted([line("99213")])[0]
    newer = posted([line("93000")], day=older.date_of_service.replace(day=9))[0]
    for charge in (older, newer):
        ledger.transfer(charge, charge.amount, to_party=ledger.Responsible.patient(), by=biller)
    payment = ledger.receive_payment(
        practice=practice, kind="patient", amount="150", method="cash", patient=patient, by=biller
    )
    entries = ledger.apply_payment(payment, by=biller)
    assert [(e.charge_id, e.amount) for e in entries] == [
        (older.pk, D("-125.00")),
        (newer.pk, D("-25.00")),
    ]
    assert payment_unapplied(payment) == D("0.00")
    assert line_summary(newer.pk).patient_balance == D("35.00")
    balance = account_balance(ledger.account_for(patient))
    assert (balance.patient, balance.unapplied, balance.patient_due) == (
        D("35.00"), D("0.00"), D("35.00"),
    )  # fmt: skip
    assert [s.charge_id for s in account_lines(ledger.account_for(patient))] == [
        older.pk, newer.pk,
    ]  # fmt: skip


def test_a_payment_larger_than_the_balance_leaves_a_credit(posted, biller, patient, practice):
    charge = posted([line("99213")])[0]
    ledger.transfer(charge, D("20.00"), to_party=ledger.Responsible.patient(), by=biller)
    payment = ledger.receive_payment(
        practice=practice, kind="patient", amount=D("50.00"), method="check", reference="1042",
        patient=patient, by=biller,
    )  # fmt: skip
    ledger.apply_payment(payment, by=biller)
    assert payment_unapplied(payment) == D("30.00")
    assert account_balance(ledger.account_for(patient)).patient_due == D("-30.00")
    with pytest.raises(OverApplicationError):
        ledger.apply_payment(payment, allocations=[(charge, D("30.01"))], by=biller)
    with pytest.raises(OverApplicationError):  # the patient owes nothing more on it
        ledger.apply_payment(payment, allocations=[(charge, D("1.00"))], by=biller)
    with pytest.raises(RefundBeyondCreditError):
        ledger.refund(
            amount="30.01", method="check", reference="2001",
            account=ledger.account_for(patient), from_payment=payment, by=biller,
        )  # fmt: skip
    out, _ = ledger.refund(
        amount="30", method="check", reference="2001", account=ledger.account_for(patient),
        from_payment=payment, by=biller,
    )  # fmt: skip
    assert out.amount == D("-30.00")
    assert payment_unapplied(out) == D("0.00")
    assert payment_unapplied(payment) == D("0.00")
    assert account_balance(ledger.account_for(patient)).patient_due == D("0.00")


def test_adjust_transfer_write_off_and_the_line_invariant(posted, biller, coverage):
    charge = posted([line("99213")])[0]
    ledger.adjust(charge, "37.50", group="CO", reason="45", by=biller)
    ledger.transfer(
        charge, D("20"), to_party=ledger.Responsible.patient(), group="PR", reason="3", by=biller
    )
    ledger.write_off(charge, "5.00", reason="small balance", party=ledger.Responsible.patient())
    summary = line_summary(charge.pk)
    assert summary.charged == D("125.00")
    assert summary.adjusted == D("42.50")
    assert summary.by_party == {
        (Party.INSURANCE, coverage.payer_id): D("67.50"),
        PATIENT: D("15.00"),
    }
    assert summary.charged - summary.paid - summary.adjusted == summary.balance == D("82.50")
    contractual = LedgerEntry.objects.get(kind=EntryKind.CONTRACTUAL)
    assert (contractual.group, contractual.reason, contractual.amount) == ("CO", "45", D("-37.50"))


def test_bad_amounts_are_refused(posted, biller, patient, practice):
    charge = posted([line("99213")])[0]
    for bad in (0, -1, "abc", "NaN"):
        with pytest.raises(LedgerError):
            ledger.write_off(charge, bad, reason="x", by=biller)
    with pytest.raises(LedgerError):
        ledger.write_off(charge, 1.5, reason="x", by=biller)  # never a float
    with pytest.raises(LedgerError, match="card number"):
        ledger.receive_payment(
            practice=practice, kind="patient", amount="5", method="card",
            reference="4111 1111 1111 1111", patient=patient,
        )  # fmt: skip
    with pytest.raises(LedgerError):
        ledger.adjust(charge, "5", group="PR", reason="1", by=biller)  # PR is a transfer
    assert LedgerEntry.objects.exclude(kind=EntryKind.CHARGE).count() == 0


def test_cents_are_rounded_half_up(posted, biller):
    charge = posted([line("99213")])[0]
    entry = ledger.adjust(charge, "10.005", group="OA", reason="23", by=biller)
    assert entry.amount == D("-10.01")
    assert entry.kind == EntryKind.ADJUSTMENT


def test_reversal_undoes_once(posted, biller, patient, practice):
    charge = posted([line("99213")])[0]
    ledger.transfer(charge, D("125.00"), to_party=ledger.Responsible.patient(), by=biller)
    payment = ledger.receive_payment(
        practice=practice, kind="patient", amount="100", method="cash", patient=patient
    )
    (applied,) = ledger.apply_payment(payment, by=biller)
    undo = ledger.reverse(applied, reason="posted to the wrong visit", by=biller)
    assert undo.amount == D("100.00")
    assert undo.reverses == applied
    assert payment_unapplied(payment) == D("100.00")
    assert line_summary(charge.pk).patient_balance == D("125.00")
    with pytest.raises(AlreadyReversedError):
        ledger.reverse(applied, reason="again", by=biller)
    with pytest.raises(LedgerError):
        ledger.reverse(undo, reason="undo the undo", by=biller)
    transfer = LedgerEntry.objects.filter(kind=EntryKind.TRANSFER).first()
    with pytest.raises(LedgerError, match="both halves"):
        ledger.reverse(transfer, reason="x", by=biller)
    ledger.reverse_posting(transfer.posting, reason="was the payer's", by=biller)
    assert line_summary(charge.pk).patient_balance == D("0.00")


def test_the_database_refuses_to_change_or_delete_entries(posted, patient, practice):
    posted([line("99213")])
    payment = ledger.receive_payment(
        practice=practice, kind="patient", amount="10", method="cash", patient=patient
    )
    for attempt in (
        lambda: LedgerEntry.objects.update(amount=D("1.00")),
        lambda: LedgerEntry.objects.all().delete(),
        lambda: Payment.objects.filter(pk=payment.pk).update(amount=D("1.00")),
        lambda: Payment.objects.filter(pk=payment.pk).delete(),
    ):
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
            attempt()
    assert LedgerEntry.objects.get().amount == D("125.00")
    assert Payment.objects.get().amount == D("10.00")
