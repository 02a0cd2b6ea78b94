"""The ledger's service API: every way money is posted. Stable: other apps build on it.

    account_for(patient)                          the guarantor account (made once)
    post_charges(encounter=..., charges=..., by=) billing's signed charges -> charge entries
    receive_payment(practice=, kind=, amount=, method=, ...)   -> Payment (money in)
    apply_payment(payment, allocations=None, amount=None, by=) -> entries (oldest first)
    adjust(charge, amount, group=, reason=, ...)  contractual or other adjustment (CARC)
    transfer(charge, amount, to_party=, ...)      responsibility: payer -> secondary/patient
    write_off(charge, amount, reason=, by=)       bad debt, small balance, courtesy
    refund(amount=, method=, reference=, account= | payer=, from_payment= | charge=, by=)
    recoupment_apply(charge=, payer=, amount=, by=) a payer's PLB recoupment onto its line
    reverse(entry, reason=, by=)                  undo one entry (a new, opposite entry)
    reverse_posting(posting, reason=, by=)        undo every entry of one posting

Amounts are Decimal (or int or text), rounded half up to the cent by
`core.money.to_cents`; a float is refused. `adjust`, `write_off` and `transfer`
take the amount that leaves the line (or party) as a positive number. Each call
is one transaction: it posts whole or raises a `LedgerError` (payments/errors.py)
having written nothing. Entries record who (`by`), when, and the source.

Balances are read with payments/selectors.py (`line_balances`, `account_balance`,
`payment_unapplied`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.billing.models import Charge
from medoffice.core.models import Location
from medoffice.core.money import ZERO, to_cents
from medoffice.payments.errors import (
    AlreadyReversedError,
    LedgerError,
    OverApplicationError,
    RefundBeyondCreditError,
)
from medoffice.payments.models import (
    Account,
    EntryKind,
    LedgerEntry,
    Party,
    Payment,
    PaymentKind,
    PaymentMethod,
    SourceKind,
)
from medoffice.payments.selectors import line_balances, payment_unapplied

__all__ = [
    "Responsible",
    "account_for",
    "adjust",
    "apply_payment",
    "post_charges",
    "receive_payment",
    "recoupment_apply",
    "refund",
    "reverse",
    "reverse_posting",
    "transfer",
    "write_off",
]

_CARD_NUMBER = re.compile(r"\d[\d -]{11,22}\d")
_METHOD_SOURCE = {
    PaymentMethod.CASH: SourceKind.CASH,
    PaymentMethod.CHECK: SourceKind.CHECK,
    PaymentMethod.CARD: SourceKind.CARD,
    PaymentMethod.EFT: SourceKind.EFT,
    PaymentMethod.WIRE: SourceKind.EFT,
}


@dataclass(frozen=True)
class Responsible:
    """Who owes an amount: the patient, or an insurance coverage (and its payer)."""

    party: str  # Party
    coverage_id: int | None = None
    payer_id: int | None = None

    @classmethod
    def patient(cls) -> Responsible:
        return cls(Party.PATIENT)

    @classmethod
    def insurance(cls, coverage) -> Responsible:
        return cls(Party.INSURANCE, coverage.pk, coverage.payer_id)

    @property
    def key(self) -> tuple:
        return (self.party, self.payer_id)


def _money(value, *, what: str = "amount", positive: bool = True) -> Decimal:
    try:
        amount = to_cents(value)
    except (TypeError, ValueError) as exc:
        raise LedgerError(f"The {what} is not an amount of money: {exc}.") from exc
    if positive and amount <= ZERO:
        raise LedgerError(f"The {what} must be more than zero.")
    return amount


def _now_and_day(zone=None):
    """Now, and today on `zone`'s wall clock (the site's zone without one)."""
    now = timezone.now()
    return now, timezone.localdate(now, zone)


def _line_zone(charge: Charge):
    """An entry on a service line is dated on the clock of the line's location: an
    adjustment posted at 11 pm in Chicago belongs to that Chicago day, whatever the site's."""
    return charge.encounter.location.zone


def _payment_zone(payment: Payment, charges=()):
    """A payment's entries are dated on its desk's clock, else on the first line's
    location's, else on the patient's office's (the site's zone with none of these)."""
    if payment.location_id:
        return payment.location.zone
    if charges:
        return _line_zone(charges[0])
    return payment.account.patient.zone if payment.account_id else None


def account_for(patient) -> Account:
    """The patient's guarantor account in the patient's practice (made on first use)."""
    found = Account.objects.filter(practice_id=patient.practice_id, patient=patient).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(
                practice_id=patient.practice_id, patient=patient, created_at=timezone.now()
            )
    except IntegrityError:  # made by another request at the same moment
        return Account.objects.get(practice_id=patient.practice_id, patient=patient)


def _line_entry(charge: Charge, account: Account, **fields) -> LedgerEntry:
    """An unsaved entry on the service line `charge` (its provider and location copied)."""
    fields.setdefault("provider_id", charge.provider_id)
    fields.setdefault("location_id", charge.encounter.location_id)
    return LedgerEntry(
        practice_id=account.practice_id,
        account=account,
        patient_id=account.patient_id,
        charge=charge,
        **fields,
    )


def _responsible_fields(who: Responsible) -> dict:
    return {"party": who.party, "coverage_id": who.coverage_id, "payer_id": who.payer_id}


# ---------------------------------------------------------------- charges


def post_charges(*, encounter=None, charges: Iterable[Charge] | None = None, by=None) -> list:
    """Post every billing charge (and charge reversal) of `encounter` (or `charges`) not yet
    in the ledger. Idempotent: a charge is posted once (unique `from_charge`), also when
    two processes post at once. A charge with a coverage is the payer's to pay first;
    without one, the patient's. A reversal lowers its original line."""
    if charges is None:
        if encounter is None:
            raise LedgerError("Name the encounter or the charges to post.", field="charge")
        charges = Charge.objects.filter(encounter=encounter)
    ids = [c.pk for c in charges]
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _post_charges(ids, by)
        except IntegrityError:
            continue  # another process posted some of them: read again
    return []


def _post_charges(ids: list[int], by) -> list[LedgerEntry]:
    pending = (
        Charge.objects.filter(pk__in=ids, ledger_entry__isnull=True)
        .select_related("encounter__location", "coverage", "reverses")
        .order_by("id")
    )
    now = timezone.now()
    entries = []
    accounts: dict[int, Account] = {}
    for charge in pending:
        patient_id = charge.encounter.patient_id
        if patient_id not in accounts:
            accounts[patient_id] = account_for(charge.encounter.patient)
        line = charge.reverses or charge
        who = Responsible.insurance(line.coverage) if line.coverage_id else Responsible.patient()
        entries.append(
            _line_entry(
                line,
                accounts[patient_id],
                posting=uuid.uuid4(),
                kind=EntryKind.CHARGE,
                amount=charge.amount,
                from_charge=charge,
                source_kind=SourceKind.SYSTEM,
                source=f"encounter v{charge.encounter_version}",
                note="charge reversed by a correction" if charge.reverses_id else "",
                effective_on=timezone.localdate(now, _line_zone(charge)),
                posted_by=by,
                posted_at=now,
                **_responsible_fields(who),
            )  # fmt: skip
        )
    return LedgerEntry.objects.bulk_create(entries)


# ---------------------------------------------------------------- payments


def receive_payment(
    *,
    practice,
    kind: str,
    amount,
    method: str,
    reference: str = "",
    patient=None,
    payer=None,
    received_on: date | None = None,
    location=None,
    note: str = "",
    by=None,
) -> Payment:
    """Record money received: from a patient (`patient`) or a payer (`payer`). Nothing is
    applied yet: the whole amount is unapplied until `apply_payment`."""
    value = _money(amount)
    if method not in PaymentMethod.values:
        raise LedgerError(f"Unknown payment method {method!r}.", field="method")
    if _CARD_NUMBER.search(reference or ""):
        raise LedgerError(
            "That looks like a card number: record the terminal's reference, never the card.",
            field="reference",
        )
    if method in (PaymentMethod.CHECK, PaymentMethod.CARD, PaymentMethod.EFT) and not reference:
        raise LedgerError(
            "A check, card or EFT payment needs its reference (check number, terminal "
            "reference or trace number).",
            field="reference",
        )
    account = None
    if kind == PaymentKind.PATIENT:
        if patient is None:
            raise LedgerError("A patient payment names the patient.", field="patient")
        account = account_for(patient)
    elif kind == PaymentKind.INSURANCE:
        if payer is None:
            raise LedgerError("An insurance payment names the payer.", field="payer")
    else:
        raise LedgerError(f"Unknown payment kind {kind!r}.", field="kind")
    # A drawer's day is the location's: money taken at 11 pm in Chicago is that evening's.
    now, today = _now_and_day(location.zone if location is not None else None)
    return Payment.objects.create(
        practice_id=practice.pk if hasattr(practice, "pk") else practice,
        kind=kind, account=account, payer=payer, method=method, reference=reference[:80],
        amount=value, received_on=received_on or today, location=location, note=note[:300],
        received_by=by, received_at=now,
    )  # fmt: skip


def _lock_payment(payment: Payment) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)


def apply_payment(
    payment: Payment,
    *,
    allocations: list[tuple[Charge, object]] | None = None,
    amount=None,
    allow_credit: bool = False,
    note: str = "",
    by=None,
) -> list[LedgerEntry]:
    """Apply (part of) a payment's unapplied amount to service lines.

    `allocations`: (charge, amount) pairs, applied as given. Without them, a patient
    payment goes to the account's oldest patient balances first (date of service, then
    line), up to `amount` (default: all that is unapplied); what is left stays unapplied
    (a credit, shown on the account). An insurance payment needs allocations. A line is
    not paid beyond what its party owes unless `allow_credit`."""
    with transaction.atomic():
        payment = _lock_payment(payment)
        if payment.amount <= ZERO:
            raise LedgerError("A refund or returned payment is not applied to lines.")
        unapplied = payment_unapplied(payment)
        party = Party.PATIENT if payment.kind == PaymentKind.PATIENT else Party.INSURANCE
        if allocations is None:
            if payment.kind != PaymentKind.PATIENT:
                raise LedgerError("Say which lines an insurance payment pays.", field="lines")
            limit = unapplied if amount is None else _money(amount)
            allocations = _oldest_first(payment.account, limit)
        pairs = [(charge, _money(value)) for charge, value in allocations]
        wanted = sum((value for _, value in pairs), ZERO)
        if wanted > unapplied:
            raise OverApplicationError(
                f"Only ${unapplied} of this payment is unapplied; ${wanted} was asked."
            )
        balances = line_balances([c.pk for c, _ in pairs])
        now, today = _now_and_day(_payment_zone(payment, [c for c, _ in pairs]))
        posting = uuid.uuid4()
        kind = EntryKind.PATIENT_PAYMENT if party == Party.PATIENT else EntryKind.INSURANCE_PAYMENT
        entries = []
        for charge, value in pairs:
            account = _account_of_charge(charge)
            if payment.account_id and account.pk != payment.account_id:
                raise LedgerError("That line is on another patient's account.", field="lines")
            key = (party, None if party == Party.PATIENT else payment.payer_id)
            owed = balances.get(charge.pk, {}).get(key, ZERO)
            if value > owed and not allow_credit:
                raise OverApplicationError(
                    f"The line {charge.code} owes ${owed} by this party; ${value} is more."
                )
            who = {"party": party, "payer_id": payment.payer_id}
            if party == Party.INSURANCE:
                who["coverage_id"] = _coverage_of(charge.pk, payment.payer_id)
            entries.append(
                _line_entry(
                    charge,
                    account,
                    posting=posting,
                    kind=kind,
                    amount=-value,
                    payment=payment,
                    source_kind=_METHOD_SOURCE.get(payment.method, SourceKind.MANUAL),
                    source=payment.reference,
                    note=note[:300],
                    effective_on=today,
                    posted_by=by,
                    posted_at=now,
                    **who,
                )  # fmt: skip
            )
        return LedgerEntry.objects.bulk_create(entries)


def _account_of_charge(charge: Charge) -> Account:
    return account_for(charge.encounter.patient)


def _coverage_of(charge_id: int, payer_id: int | None) -> int | None:
    return (
        LedgerEntry.objects.filter(charge_id=charge_id, party=Party.INSURANCE, payer_id=payer_id)
        .exclude(coverage_id=None)
        .values_list("coverage_id", flat=True)
        .first()
    )


def _oldest_first(account: Account, limit: Decimal) -> list[tuple[Charge, Decimal]]:
    charge_ids = (
        LedgerEntry.objects.filter(account=account, party=Party.PATIENT)
        .exclude(charge_id=None)
        .values_list("charge_id", flat=True)
        .distinct()
    )
    balances = line_balances(list(charge_ids))
    open_lines = [
        (cid, parties.get((Party.PATIENT, None), ZERO)) for cid, parties in balances.items()
    ]
    open_lines = [(cid, owed) for cid, owed in open_lines if owed > ZERO]
    charges = Charge.objects.in_bulk([cid for cid, _ in open_lines])
    open_lines.sort(key=lambda item: (charges[item[0]].date_of_service, item[0]))
    result = []
    left = limit
    for cid, owed in open_lines:
        if left <= ZERO:
            break
        take = min(owed, left)
        result.append((charges[cid], take))
        left -= take
    return result


# ---------------------------------------------------------------- adjustments, transfers


def _current_party(charge: Charge, party: Responsible | None) -> Responsible:
    """The party named, or the one holding the line's largest balance."""
    if party is not None:
        return party
    balances = line_balances([charge.pk]).get(charge.pk, {})
    if not balances:
        raise LedgerError("That line has no charge in the ledger yet.", field="charge")
    (kind, payer_id), _ = max(balances.items(), key=lambda item: item[1])
    coverage_id = _coverage_of(charge.pk, payer_id) if kind == Party.INSURANCE else None
    return Responsible(kind, coverage_id, payer_id)


def adjust(
    charge: Charge,
    amount,
    *,
    group: str,
    reason: str,
    contractual: bool | None = None,
    party: Responsible | None = None,
    note: str = "",
    source: str = "",
    source_kind: str = SourceKind.MANUAL,
    by=None,
) -> LedgerEntry:
    """Lower (positive `amount`) or raise (negative) a line's balance by a CAS adjustment:
    group CO (contractual by default), OA, PI or CR, with its CARC reason. PR is not an
    adjustment: it is a `transfer` to the patient."""
    group = (group or "").upper()
    if group not in ("CO", "OA", "PI", "CR"):
        raise LedgerError("Adjustment group must be CO, OA, PI or CR.", field="group")
    if not re.fullmatch(r"[A-Z0-9]{1,5}", reason or ""):
        raise LedgerError("Give the adjustment's reason code (CARC), e.g. 45.", field="reason")
    value = _money(amount, positive=False)
    if value == ZERO:
        raise LedgerError("An adjustment of zero changes nothing.")
    kind = (
        EntryKind.CONTRACTUAL
        if (contractual or (contractual is None and group == "CO"))
        else (EntryKind.ADJUSTMENT)
    )
    with transaction.atomic():
        who = _current_party(charge, party)
        now, today = _now_and_day(_line_zone(charge))
        entry = _line_entry(
            charge, _account_of_charge(charge),
            posting=uuid.uuid4(), kind=kind, amount=-value, group=group, reason=reason,
            source_kind=source_kind, source=source[:120], note=note[:300], effective_on=today,
            posted_by=by, posted_at=now, **_responsible_fields(who),
        )  # fmt: skip
        entry.save()
        return entry


def transfer(
    charge: Charge,
    amount,
    *,
    to_party: Responsible,
    from_party: Responsible | None = None,
    group: str = "",
    reason: str = "",
    note: str = "",
    source: str = "",
    source_kind: str = SourceKind.MANUAL,
    by=None,
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move `amount` of a line's balance from one party to another (payer -> secondary
    payer, payer -> patient, patient -> payer). Two entries of one posting, summing to 0."""
    value = _money(amount)
    with transaction.atomic():
        source_party = _current_party(charge, from_party)
        if source_party.key == to_party.key:
            raise LedgerError("The line is already that party's to pay.", field="to_party")
        account = _account_of_charge(charge)
        now, today = _now_and_day(_line_zone(charge))
        posting = uuid.uuid4()
        common = {
            "posting": posting, "kind": EntryKind.TRANSFER, "group": group, "reason": reason,
            "source_kind": source_kind, "source": source[:120], "note": note[:300],
            "effective_on": today, "posted_by": by, "posted_at": now,
        }  # fmt: skip
        out = _line_entry(
            charge, account, amount=-value, **_responsible_fields(source_party), **common
        )
        into = _line_entry(charge, account, amount=value, **_responsible_fields(to_party), **common)
        LedgerEntry.objects.bulk_create([out, into])
        return out, into


def write_off(
    charge: Charge,
    amount,
    *,
    reason: str,
    party: Responsible | None = None,
    note: str = "",
    by=None,
) -> LedgerEntry:
    """Give up `amount` of a line's balance (small balance, bad debt, courtesy): `reason`
    in words or a code. A denial is never a write-off: it stays the payer's."""
    value = _money(amount)
    if not reason.strip():
        raise LedgerError("Say why the balance is written off.", field="reason")
    with transaction.atomic():
        who = _current_party(charge, party)
        now, today = _now_and_day(_line_zone(charge))
        entry = _line_entry(
            charge, _account_of_charge(charge),
            posting=uuid.uuid4(), kind=EntryKind.WRITE_OFF, amount=-value,
            reason=reason.strip()[:5] if len(reason.strip()) <= 5 else "",
            note=(note or reason)[:300], source_kind=SourceKind.MANUAL, effective_on=today,
            posted_by=by, posted_at=now, **_responsible_fields(who),
        )  # fmt: skip
        entry.save()
        return entry


# ---------------------------------------------------------------- refunds and reversals


def refund(
    *,
    amount,
    method: str,
    reference: str = "",
    account: Account | None = None,
    payer=None,
    from_payment: Payment | None = None,
    charge: Charge | None = None,
    note: str = "",
    by=None,
) -> tuple[Payment, list[LedgerEntry]]:
    """Pay back a credit: to the patient (`account`) or a payer (`payer`).

    From a payment's unapplied amount (`from_payment`), or from a line with a credit
    balance (`charge`: the party's balance on it is negative). A refund beyond the credit
    is refused. The refund is a negative `Payment` (money out) and entries naming it."""
    value = _money(amount)
    if (from_payment is None) == (charge is None):
        raise LedgerError("Refund from one payment or one line.", field="source")
    kind = PaymentKind.PATIENT if account is not None else PaymentKind.INSURANCE
    if (account is None) == (payer is None):
        raise LedgerError("Refund to the patient's account or to a payer.", field="account")
    with transaction.atomic():
        zone = _line_zone(charge) if charge is not None else _payment_zone(from_payment)
        now, today = _now_and_day(zone)
        posting = uuid.uuid4()
        party = Party.PATIENT if kind == PaymentKind.PATIENT else Party.INSURANCE
        common = {
            "posting": posting, "source_kind": SourceKind.MANUAL, "source": reference[:120],
            "note": note[:300], "effective_on": today, "posted_by": by, "posted_at": now,
        }  # fmt: skip
        entries = []
        if from_payment is not None:
            source_payment = _lock_payment(from_payment)
            credit = payment_unapplied(source_payment)
            if value > credit:
                raise RefundBeyondCreditError(
                    f"The payment has ${credit} unapplied; a refund of ${value} is more."
                )
            owner = source_payment.account
            if owner is None:
                raise LedgerError("Refund an insurance overpayment from its line.", field="source")
            out = Payment.objects.create(
                practice_id=source_payment.practice_id, kind=kind, account=account, payer=payer,
                method=method, reference=reference[:80], amount=-value, received_on=today,
                note=note[:300], received_by=by, received_at=now,
            )  # fmt: skip
            base = {"practice_id": owner.practice_id, "account": owner,
                    "patient_id": owner.patient_id, "party": party, "payer": payer}  # fmt: skip
            entries = [
                LedgerEntry(kind=EntryKind.PATIENT_PAYMENT, amount=-value,
                            payment=source_payment, **base, **common),
                LedgerEntry(kind=EntryKind.REFUND, amount=value, payment=out, **base, **common),
            ]  # fmt: skip
        else:
            line_account = _account_of_charge(charge)
            key = (party, payer.pk if payer is not None else None)
            owed = line_balances([charge.pk]).get(charge.pk, {}).get(key, ZERO)
            if -owed < value:
                raise RefundBeyondCreditError(
                    f"The line's credit for this party is ${max(-owed, ZERO)}; a refund of "
                    f"${value} is more."
                )
            out = Payment.objects.create(
                practice_id=line_account.practice_id, kind=kind, account=account, payer=payer,
                method=method, reference=reference[:80], amount=-value, received_on=today,
                note=note[:300], received_by=by, received_at=now,
            )  # fmt: skip
            who = {"party": party, "payer_id": key[1]}
            if party == Party.INSURANCE:
                who["coverage_id"] = _coverage_of(charge.pk, key[1])
            entries = [
                _line_entry(charge, line_account, kind=EntryKind.REFUND, amount=value,
                            payment=out, **who, **common)
            ]  # fmt: skip
        LedgerEntry.objects.bulk_create(entries)
        return out, entries


# PLB reasons by which a payer takes money back from a remittance (the amount is positive).
RECOUPMENT_REASONS = ("WO", "WU", "72", "FB")


def recoupments_open(payer_id: int, practice_id: int) -> list[tuple[Payment, Decimal]]:
    """The payer's ERA payments with recouped money not yet put on a line, oldest first:
    what their provider-level recoupments (and the entries moving them) still sum to."""
    from django.db.models import Sum

    rows = (
        LedgerEntry.objects.filter(
            practice_id=practice_id,
            kind=EntryKind.PROVIDER,
            payer_id=payer_id,
            reason__in=RECOUPMENT_REASONS,
        )
        .exclude(payment_id=None)
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .order_by("payment_id")
    )
    left = {row["payment_id"]: to_cents(row["total"]) for row in rows if row["total"] > 0}
    payments = Payment.objects.in_bulk(list(left))
    return [(payments[pid], left[pid]) for pid in sorted(left)]


def recoupment_apply(*, charge: Charge, payer, amount, note: str = "", by=None) -> list:
    """The payer took back an overpayment of `charge` from a later remittance (a PLB
    recoupment, posted at provider level by the ERA): move that money onto the line. One
    posting per ERA payment drawn on: a refund entry on the line (the payer's credit there
    goes) and the opposite provider-level entry (the recoupment is accounted for), both
    naming the ERA payment, so what the payment paid is unchanged. Refused beyond the
    line's credit for the payer or beyond the recoupments still open."""
    value = _money(amount)
    with transaction.atomic():
        owed = line_balances([charge.pk]).get(charge.pk, {}).get((Party.INSURANCE, payer.pk), ZERO)
        if -owed < value:
            raise RefundBeyondCreditError(
                f"The line's credit for this payer is ${max(-owed, ZERO)}; ${value} is more."
            )
        account = _account_of_charge(charge)
        open_ = recoupments_open(payer.pk, account.practice_id)
        if sum((left for _, left in open_), ZERO) < value:
            raise LedgerError(
                f"No remittance from this payer recouped ${value} yet: wait for the ERA "
                "whose provider-level adjustment (WO, 72, FB) takes it back.",
                field="method",
            )
        now, today = _now_and_day(_line_zone(charge))
        coverage_id = _coverage_of(charge.pk, payer.pk)
        entries, need = [], value
        for payment, left in open_:
            take = min(left, need)
            if take <= ZERO:
                break
            posting = uuid.uuid4()
            common = {
                "posting": posting, "payment": payment, "payer_id": payer.pk,
                "source_kind": SourceKind.ERA, "source": payment.reference[:120],
                "note": (note or "overpayment recouped by the payer")[:300],
                "effective_on": today, "posted_by": by, "posted_at": now,
            }  # fmt: skip
            reason = (
                LedgerEntry.objects.filter(
                    payment=payment, kind=EntryKind.PROVIDER, reason__in=RECOUPMENT_REASONS
                )
                .values_list("reason", flat=True)
                .first()
            )
            entries.append(
                _line_entry(charge, account, kind=EntryKind.REFUND, amount=take,
                            party=Party.INSURANCE, coverage_id=coverage_id, **common)
            )  # fmt: skip
            entries.append(
                LedgerEntry(practice_id=account.practice_id, kind=EntryKind.PROVIDER,
                            amount=-take, party=Party.PRACTICE, reason=reason or "WO",
                            **common)
            )  # fmt: skip
            need -= take
        return LedgerEntry.objects.bulk_create(entries)


def reverse(entry: LedgerEntry, *, reason: str, by=None) -> LedgerEntry:
    """Undo one entry: a new entry of the same kind, party and line with the opposite
    amount, naming the one it reverses. An entry is reversed at most once; a reversal is
    not reversed (post again instead). A transfer's halves go together: `reverse_posting`."""
    if not reason.strip():
        raise LedgerError("Say why the entry is reversed.", field="reason")
    with transaction.atomic():
        return _reverse([entry], reason, by, uuid.uuid4())[0]


def reverse_posting(posting, *, reason: str, by=None) -> list[LedgerEntry]:
    """Undo every entry of one posting (e.g. both halves of a transfer)."""
    if not reason.strip():
        raise LedgerError("Say why the posting is reversed.", field="reason")
    with transaction.atomic():
        entries = list(LedgerEntry.objects.filter(posting=posting).order_by("id"))
        if not entries:
            raise LedgerError("No such posting.", field="posting")
        return _reverse(entries, reason, by, uuid.uuid4())


def _reverse(entries, reason, by, posting) -> list[LedgerEntry]:
    # A reversal is dated on the clock of the location the entries were posted at.
    first = entries[0] if entries else None
    zone = Location.objects.get(pk=first.location_id).zone if first and first.location_id else None
    now, today = _now_and_day(zone)
    made = []
    for entry in entries:
        if entry.reverses_id is not None:
            raise LedgerError("A reversal is not reversed: post the amount again instead.")
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise AlreadyReversedError("That entry is already reversed.")
        if entry.kind == EntryKind.TRANSFER and len(entries) == 1:
            raise LedgerError("Reverse both halves of a transfer: reverse its posting.")
        made.append(
            LedgerEntry(
                practice_id=entry.practice_id,
                posting=posting,
                kind=entry.kind,
                amount=-entry.amount,
                account_id=entry.account_id,
                patient_id=entry.patient_id,
                charge_id=entry.charge_id,
                claim_id=entry.claim_id,
                claim_line_id=entry.claim_line_id,
                provider_id=entry.provider_id,
                location_id=entry.location_id,
                party=entry.party,
                coverage_id=entry.coverage_id,
                payer_id=entry.payer_id,
                group=entry.group,
                reason=entry.reason,
                payment_id=entry.payment_id,
                era_claim_id=entry.era_claim_id,
                reverses=entry,
                source_kind=SourceKind.MANUAL,
                source=entry.source,
                note=reason.strip()[:300],
                effective_on=today,
                posted_by=by,
                posted_at=now,
            )  # fmt: skip
        )
    try:
        with transaction.atomic():
            return LedgerEntry.objects.bulk_create(made)
    except IntegrityError as exc:  # reversed at the same moment by another request
        raise AlreadyReversedError("That entry is already reversed.") from exc
