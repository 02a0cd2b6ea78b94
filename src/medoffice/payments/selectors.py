"""Balances, read from the ledger: always sums of entries, never stored numbers.

line_balances(charge_ids)  -> {charge_id: {(party, payer_id): Decimal}}  (non-zero only)
line_summary(charge_id)    -> LineSummary (charged, paid, adjusted, by party)
payment_unapplied(payment) -> Decimal (amount + the entries naming it)
account_balance(account)   -> AccountBalance (lines, unapplied credit, due)
account_lines(account)     -> [LineSummary] of the account's lines, oldest first
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from medoffice.core.money import ZERO, to_cents
from medoffice.payments.models import (
    Account,
    EntryKind,
    LedgerEntry,
    Party,
    Payment,
)

PAID_KINDS = (EntryKind.INSURANCE_PAYMENT, EntryKind.PATIENT_PAYMENT, EntryKind.REFUND)
ADJUSTED_KINDS = (EntryKind.CONTRACTUAL, EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF)


def _dec(value) -> Decimal:
    return ZERO if value is None else to_cents(value)


def line_balances(charge_ids) -> dict[int, dict[tuple[str, int | None], Decimal]]:
    """What each party owes on each line: {charge_id: {(party, payer_id or None): amount}}.
    Parties whose balance is zero are left out."""
    ids = list(charge_ids)
    result: dict[int, dict] = defaultdict(dict)
    for start in range(0, len(ids), 500):
        rows = (
            LedgerEntry.objects.filter(charge_id__in=ids[start : start + 500])
            .values("charge_id", "party", "payer_id")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in rows:
            total = _dec(row["total"])
            if total:
                payer = None if row["party"] == Party.PATIENT else row["payer_id"]
                key = (row["party"], payer)
                result[row["charge_id"]][key] = result[row["charge_id"]].get(key, ZERO) + total
    return dict(result)


@dataclass
class LineSummary:
    charge_id: int
    charged: Decimal = ZERO
    paid: Decimal = ZERO  # as a positive number (refunds net)
    adjusted: Decimal = ZERO  # contractual, other adjustments and write-offs, positive
    balance: Decimal = ZERO
    by_party: dict = field(default_factory=dict)  # {(party, payer_id): Decimal}

    @property
    def patient_balance(self) -> Decimal:
        return self.by_party.get((Party.PATIENT, None), ZERO)

    @property
    def insurance_balance(self) -> Decimal:
        return sum((v for (p, _), v in self.by_party.items() if p == Party.INSURANCE), ZERO)


def line_summaries(charge_ids) -> dict[int, LineSummary]:
    ids = list(charge_ids)
    out: dict[int, LineSummary] = {cid: LineSummary(cid) for cid in ids}
    for start in range(0, len(ids), 500):
        rows = (
            LedgerEntry.objects.filter(charge_id__in=ids[start : start + 500])
            .values("charge_id", "kind", "party", "payer_id")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in rows:
            line = out[row["charge_id"]]
            total = _dec(row["total"])
            if row["kind"] == EntryKind.CHARGE:
                line.charged += total
            elif row["kind"] in PAID_KINDS:
                line.paid -= total
            elif row["kind"] in ADJUSTED_KINDS:
                line.adjusted -= total
            line.balance += total
            payer = None if row["party"] == Party.PATIENT else row["payer_id"]
            key = (row["party"], payer)
            line.by_party[key] = line.by_party.get(key, ZERO) + total
    for line in out.values():
        line.by_party = {k: v for k, v in line.by_party.items() if v}
    return out


def line_summary(charge_id: int) -> LineSummary:
    return line_summaries([charge_id])[charge_id]


def payment_unapplied(payment: Payment) -> Decimal:
    """What is left of a payment to apply: its amount plus the (negative) entries naming
    it. A refund (negative payment) is fully used when its refund entries are posted."""
    used = LedgerEntry.objects.filter(payment=payment).aggregate(total=Sum("amount"))["total"]
    return to_cents(payment.amount + _dec(used))


def unapplied_by_payment(payment_ids) -> dict[int, Decimal]:
    ids = list(payment_ids)
    amounts = dict(Payment.objects.filter(pk__in=ids).values_list("pk", "amount"))
    used = dict(
        LedgerEntry.objects.filter(payment_id__in=ids)
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("payment_id", "total")
    )
    return {pid: to_cents(amounts[pid] + _dec(used.get(pid))) for pid in ids}


@dataclass
class AccountBalance:
    lines: Decimal  # what the account's lines say (all parties)
    patient: Decimal  # the patient's part of the lines (incl. account-level entries)
    insurance: Decimal  # what payers still owe on the lines
    unapplied: Decimal  # payments received and not yet applied (a credit)

    @property
    def patient_due(self) -> Decimal:
        """What the patient owes now (negative: a credit)."""
        return self.patient - self.unapplied


def account_balance(account: Account) -> AccountBalance:
    rows = (
        LedgerEntry.objects.filter(account=account)
        .values("party")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_party = {row["party"]: _dec(row["total"]) for row in rows}
    payments = Payment.objects.filter(account=account, amount__gt=0).values_list("pk", flat=True)
    unapplied = sum(unapplied_by_payment(list(payments)).values(), ZERO)
    return AccountBalance(
        lines=sum(by_party.values(), ZERO),
        patient=by_party.get(Party.PATIENT, ZERO),
        insurance=by_party.get(Party.INSURANCE, ZERO),
        unapplied=unapplied,
    )


def account_lines(account: Account) -> list[LineSummary]:
    """The account's service lines with their balances, oldest date of service first."""
    charge_ids = list(
        LedgerEntry.objects.filter(account=account)
        .exclude(charge_id=None)
        .order_by("charge__date_of_service", "charge_id")
        .values_list("charge_id", flat=True)
        .distinct()
    )
    summaries = line_summaries(charge_ids)
    return [summaries[cid] for cid in dict.fromkeys(charge_ids)]


def entries_for(*, account=None, charge_id=None, claim=None):
    q = Q()
    if account is not None:
        q &= Q(account=account)
    if charge_id is not None:
        q &= Q(charge_id=charge_id)
    if claim is not None:
        q &= Q(claim=claim)
    return LedgerEntry.objects.filter(q).order_by("id")
