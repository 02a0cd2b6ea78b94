"""Refunds to payers: an insurer's overpayment on a line, paid back by check (a refund to
the payer on that line) or recouped by the payer from a later ERA (its provider-level
recoupment moved onto the line), each approved by an office manager; the books still
balance (`ledger_problems`)."""

from decimal import Decimal

import pytest

from medoffice.accounts import services
from medoffice.accounts.errors import RefundRefusedError
from medoffice.payments import ledger
from medoffice.payments.checks import ledger_problems
from medoffice.payments.models import EntryKind, LedgerEntry, Payment
from medoffice.payments.selectors import line_balances
from tests.payments.remitted import claim_payment, era_posted, line, service

D = Decimal


@pytest.fixture
def overpaid(sent, practice, biller):
    """A claim the payer paid by ERA, then paid $40 again (a second check, applied by hand
    to the same line): the payer has a $40 credit on the line."""
    claim = sent([line("99213")])
    (visit,) = claim.lines.order_by("number")
    paid = claim_payment(claim, [service(visit, "100.00", ("CO", "45", "25.00"))])
    era_posted(practice, [paid], name="first.835")
    charge = visit.charge
    payer = claim.payer
    again = ledger.receive_payment(
        practice=practice, kind="insurance", amount="40", method="check", reference="CHK 7001",
        payer=payer, by=biller,
    )  # fmt: skip
    ledger.apply_payment(again, allocations=[(charge, "40")], allow_credit=True, by=biller)
    return claim, charge, payer


def _payer_balance(charge, payer):
    return line_balances([charge.pk]).get(charge.pk, {}).get(("insurance", payer.pk), D("0"))


def test_payer_overpayment_is_refunded_by_check_on_its_line(overpaid, make_user):
    claim, charge, payer = overpaid
    desk, manager = make_user("biller"), make_user("office_manager")
    account = ledger.account_for(claim.patient)
    assert services.payer_credits(account) == [(charge, payer, D("40.00"))]
    with pytest.raises(RefundRefusedError, match="credit of \\$40.00"):
        services.refund_request(account=account, amount="40.01", method="check",
                                reason="dup", payer=payer, charge=charge, by=desk)  # fmt: skip
    asked = services.refund_request(account=account, amount="40", method="check",
                                    reason="duplicate payment", payer=payer, charge=charge,
                                    by=desk)  # fmt: skip
    with pytest.raises(RefundRefusedError, match="check's number"):
        services.refund_decide(request=asked, approve=True, by=manager)
    done = services.refund_decide(request=asked, approve=True, by=manager, reference="R-1001")
    assert (done.payment.kind, done.payment.payer, done.payment.amount) == (
        "insurance", payer, D("-40.00"),
    )  # fmt: skip
    entry = LedgerEntry.objects.get(payment=done.payment)
    assert (entry.kind, entry.charge, entry.party, entry.amount) == (
        EntryKind.REFUND, charge, "insurance", D("40.00"),
    )  # fmt: skip
    assert _payer_balance(charge, payer) == D("0")
    assert ledger_problems() == []


def test_payer_recoupment_moves_the_plb_onto_the_line(overpaid, practice, make_user, sent):
    claim, charge, payer = overpaid
    desk, manager = make_user("biller"), make_user("office_manager")
    account = ledger.account_for(claim.patient)
    asked = services.refund_request(account=account, amount="40", method="recoup",
                                    reason="payer will recoup", payer=payer, charge=charge,
                                    by=desk)  # fmt: skip
    with pytest.raises(RefundRefusedError, match="No remittance from this payer recouped"):
        services.refund_decide(request=asked, approve=True, by=manager)
    # The payer's next remittance pays another claim and takes the $40 back (PLB WO).
    other = sent([line("99214")])
    (visit,) = other.lines.order_by("number")
    paid = claim_payment(other, [service(visit, "120.00", ("CO", "45", str(visit.amount - 120)))],
                         number="PCN0002")  # fmt: skip
    era_posted(practice, [paid], name="second.835", trace="EFT0002", control=2,
               plb=[("WO", "40.00", claim.patient_control_number)])  # fmt: skip
    era_payment = Payment.objects.get(reference="EFT0002")
    done = services.refund_decide(request=asked, approve=True, by=manager)
    assert done.status == "approved"
    assert done.payment is None
    assert _payer_balance(charge, payer) == D("0")
    provider = LedgerEntry.objects.filter(kind=EntryKind.PROVIDER, payment=era_payment)
    assert sorted(e.amount for e in provider) == [D("-40.00"), D("40.00")]
    assert ledger.recoupments_open(payer.pk, practice.pk) == []
    assert ledger_problems() == []
