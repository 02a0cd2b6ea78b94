"""Every ledger invariant, checked from the database (`medoffice ledger check`).

`ledger_problems(practice_id=None)` returns one sentence per thing that is off
(an empty list: the books are right):

- charges: every billing charge (and charge reversal) is posted once, for its amount;
- lines: for every service line, charged = paid + adjusted + the remaining balance by
  responsible party (summed by kind and by party in two separate queries);
- transfers: the two halves of every transfer sum to zero;
- reversals: a reversal is the exact opposite of the entry it names (amount, line, party);
- payments: no payment is applied beyond its amount; a refund is fully paid out;
- ERA: each ERA payment's amount is its BPR02, and what of it is unapplied is exactly the
  money of its lines in suspense; each posted claim payment's insurance payments plus its
  suspense equal its CLP04;
- deposits: for every day, the deposits (payments received) equal the payments posted
  (applied) plus what is left unapplied;
- summaries: every row of the ledger's cached sums (LedgerDay, LineBalance) equals the
  ledger's own sum (payments/summaries.py).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q, Sum

from medoffice.billing.models import Charge
from medoffice.core.money import ZERO, to_cents
from medoffice.payments import summaries
from medoffice.payments.models import (
    PAYMENT_KINDS,
    EntryKind,
    EraClaim,
    EraPayment,
    LedgerEntry,
    Payment,
    SuspenseItem,
    SuspenseStatus,
)

LIMIT = 50  # problems listed per check


def _d(value) -> Decimal:
    return ZERO if value is None else to_cents(value)


def ledger_problems(practice_id: int | None = None) -> list[str]:
    def scope(qs, field="practice_id"):
        return qs if practice_id is None else qs.filter(**{field: practice_id})

    problems: list[str] = []

    def add(kind: str, items: list[str]) -> None:
        problems.extend(f"{kind}: {item}" for item in items[:LIMIT])
        if len(items) > LIMIT:
            problems.append(f"{kind}: ... and {len(items) - LIMIT} more")

    entries = scope(LedgerEntry.objects.all())

    # Charges posted once, for their amount.
    charges = scope(Charge.objects.all(), "encounter__practice_id")
    unposted = list(charges.filter(ledger_entry__isnull=True).values_list("public_id", flat=True))
    add("charge not in the ledger", [str(p) for p in unposted])
    wrong = list(
        entries.filter(kind=EntryKind.CHARGE, from_charge__isnull=False)
        .exclude(amount=F("from_charge__amount"))
        .values_list("public_id", flat=True)
    )
    add("charge posted for another amount", [str(p) for p in wrong])

    # Lines: by kind and by party, in two queries.
    by_kind = defaultdict(lambda: ZERO)
    for row in (
        entries.exclude(charge_id=None).values("charge_id").annotate(t=Sum("amount")).order_by()
    ):
        by_kind[row["charge_id"]] = _d(row["t"])
    by_party = defaultdict(lambda: ZERO)
    for row in (
        entries.exclude(charge_id=None)
        .values("charge_id", "party", "payer_id")
        .annotate(t=Sum("amount"))
        .order_by()
    ):
        by_party[row["charge_id"]] += _d(row["t"])
    kinds = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in (
        entries.exclude(charge_id=None)
        .values("charge_id", "kind")
        .annotate(t=Sum("amount"))
        .order_by()
    ):
        kinds[row["charge_id"]][row["kind"]] += _d(row["t"])
    bad_lines = []
    for charge_id, parts in kinds.items():
        charged = parts[EntryKind.CHARGE]
        paid = -sum(
            (parts[k] for k in (EntryKind.INSURANCE_PAYMENT, EntryKind.PATIENT_PAYMENT)), ZERO
        )
        refunded = parts[EntryKind.REFUND]
        adjusted = -sum(
            (parts[k] for k in (EntryKind.CONTRACTUAL, EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF)),
            ZERO,
        )
        transfers = parts[EntryKind.TRANSFER]
        remaining = by_party[charge_id]
        if transfers != ZERO or charged - paid + refunded - adjusted != remaining:
            bad_lines.append(
                f"line {charge_id}: charged {charged} - paid {paid} + refunded {refunded} - "
                f"adjusted {adjusted} != balance by party {remaining} (transfers {transfers})"
            )
        if by_kind[charge_id] != remaining:
            bad_lines.append(f"line {charge_id}: sum {by_kind[charge_id]} != {remaining}")
    add("line does not add up", bad_lines)

    # Transfers in balanced pairs.
    odd = list(
        entries.filter(kind=EntryKind.TRANSFER, reverses__isnull=True)
        .values("posting")
        .annotate(t=Sum("amount"))
        .exclude(t=0)
        .values_list("posting", flat=True)
    )
    add("transfer halves do not sum to zero", [str(p) for p in odd])

    # Reversals mirror their entry.
    mirrored = list(
        entries.filter(reverses__isnull=False)
        .exclude(
            Q(amount=-F("reverses__amount"))
            & Q(kind=F("reverses__kind"))
            & Q(party=F("reverses__party"))
        )
        .values_list("public_id", flat=True)
    )
    bad_charge = list(
        entries.filter(reverses__isnull=False, reverses__charge__isnull=False)
        .exclude(charge_id=F("reverses__charge_id"))
        .values_list("public_id", flat=True)
    )
    add("reversal is not the opposite of its entry", [str(p) for p in mirrored + bad_charge])

    # Payments: applied within their amount; refunds paid out whole.
    used = {
        row["payment_id"]: _d(row["t"])
        for row in entries.exclude(payment_id=None)
        .values("payment_id")
        .annotate(t=Sum("amount"))
        .order_by()
    }
    payments = list(
        scope(Payment.objects.all()).values(
            "pk", "public_id", "amount", "received_on", "era_payment__id"
        )
    )
    unapplied = {}
    over = []
    for p in payments:
        left = to_cents(p["amount"] + used.get(p["pk"], ZERO))
        unapplied[p["pk"]] = left
        if p["era_payment__id"] is not None:
            continue  # an ERA payment's unapplied money is its suspense: checked below
        if p["amount"] >= ZERO and (left < ZERO or left > p["amount"]):
            over.append(f"payment {p['public_id']}: ${p['amount']} but ${left} unapplied")
        if p["amount"] < ZERO and left != ZERO:
            over.append(f"refund {p['public_id']}: ${p['amount']}, ${left} not posted")
    add("payment applied beyond its amount", over)

    # ERA payments: BPR02, and unapplied = suspense.
    held = defaultdict(lambda: ZERO)
    for row in (
        scope(SuspenseItem.objects.exclude(status=SuspenseStatus.MATCHED))
        .values("era_claim__era_payment__payment_id")
        .annotate(t=Sum("paid"))
        .order_by()
    ):
        held[row["era_claim__era_payment__payment_id"]] = _d(row["t"])
    era_bad = []
    eras = EraPayment.objects.all()
    if practice_id is not None:
        eras = eras.filter(era_file__practice_id=practice_id)
    for era in eras.values("payment_id", "total_paid", "trace_number", "payment__amount"):
        if era["total_paid"] != era["payment__amount"]:
            era_bad.append(f"trace {era['trace_number']}: payment amount is not BPR02")
        left = unapplied.get(era["payment_id"], ZERO)
        if left != held[era["payment_id"]]:
            era_bad.append(
                f"trace {era['trace_number']}: ${left} unapplied but ${held[era['payment_id']]} "
                "in suspense"
            )
    paid_by_claim = {
        row["era_claim_id"]: _d(row["t"])
        for row in entries.filter(
            kind=EntryKind.INSURANCE_PAYMENT, era_claim__isnull=False, reverses__isnull=True
        )
        .values("era_claim_id")
        .annotate(t=Sum("amount"))
        .order_by()
    }
    suspended = {
        row["era_claim_id"]: _d(row["t"])
        for row in SuspenseItem.objects.exclude(status=SuspenseStatus.MATCHED)
        .values("era_claim_id")
        .annotate(t=Sum("paid"))
        .order_by()
    }
    claims = EraClaim.objects.exclude(status="22")
    if practice_id is not None:
        claims = claims.filter(era_payment__era_file__practice_id=practice_id)
    for c in claims.values("pk", "paid", "patient_control_number", "status"):
        if c["status"] in ("23", "25"):
            continue
        posted = -paid_by_claim.get(c["pk"], ZERO) + suspended.get(c["pk"], ZERO)
        if posted != c["paid"]:
            era_bad.append(
                f"claim payment {c['patient_control_number']}: CLP04 {c['paid']} but "
                f"{posted} posted or in suspense"
            )
    add("ERA does not reconcile", era_bad)

    # Deposits per day = payments posted + unapplied.
    deposits = defaultdict(lambda: ZERO)
    posted = defaultdict(lambda: ZERO)
    left = defaultdict(lambda: ZERO)
    day_of = {}
    for p in payments:
        deposits[p["received_on"]] += p["amount"]
        left[p["received_on"]] += unapplied[p["pk"]]
        day_of[p["pk"]] = p["received_on"]
    for row in (
        entries.filter(kind__in=PAYMENT_KINDS)
        .exclude(payment_id=None)
        .values("payment_id")
        .annotate(t=Sum("amount"))
        .order_by()
    ):
        day = day_of.get(row["payment_id"])
        if day is not None:
            posted[day] -= _d(row["t"])
    days = []
    for day in sorted(deposits):
        if to_cents(deposits[day]) != to_cents(posted[day] + left[day]):
            days.append(
                f"{day}: deposits ${deposits[day]} != posted ${posted[day]} + unapplied "
                f"${left[day]}"
            )
    add("deposits do not match postings", days)

    # The cached sums (LedgerDay, LineBalance) equal the ledger's.
    by_summary = defaultdict(list)
    for label, what in summaries.problems(practice_id):
        by_summary[label].append(what)
    for label, items in by_summary.items():
        add(f"{label} differs from the ledger (medoffice ledger rebuild-summaries)", items)
    return problems
