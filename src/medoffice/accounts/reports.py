"""A/R and revenue figures from the ledger: aging by payer and by patient, days in A/R,
net collection rate, denial rate by payer and reason, payments by payer per CPT, and the
daily or monthly totals of charges, payments and adjustments.

Every figure is a sum of the ledger (payments.LedgerEntry) filtered by practice, and by
location and provider when asked; the aging's grand total is exactly the sum of the
line balances, so it reconciles with the ledger (tests prove it on generated data).

The aging, the totals, the collection rate and days in A/R read the ledger's summaries
(payments.LedgerDay: sums per effective day, location, provider and kind; LineBalance:
open balances per patient, party, payer, location, provider and date of service), kept by
the ledger's insert trigger and checked by `medoffice ledger check`
(payments/summaries.py); an aging on an earlier day takes off the few entries effective
after it. Denials and payments per CPT count distinct lines over LinePayerDay (how each
payer answered each line, per day); only the denials' reasons are read from the entries.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, Count, F, Q, Sum
from django.db.models.functions import Cast, Round

from medoffice.accounts import aging
from medoffice.core.money import ZERO, to_cents
from medoffice.patients.models import Patient, Payer
from medoffice.payments.models import (
    EntryKind,
    LedgerDay,
    LedgerEntry,
    LineBalance,
    LinePayerDay,
    Party,
)

PATIENT_ROW = "Patient responsibility"
PAYMENT_KINDS = (EntryKind.INSURANCE_PAYMENT, EntryKind.PATIENT_PAYMENT)
ADJUSTMENT_KINDS = (EntryKind.CONTRACTUAL, EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF)


# An entry's amount in integer cents, summed exactly by the database (as the summaries do).
ENTRY_CENTS = Cast(Round(F("amount") * 100), BigIntegerField())


def _entries(practice, location_ids=(), provider_ids=()):
    rows = LedgerEntry.objects.filter(practice=practice)
    if location_ids:
        rows = rows.filter(location_id__in=location_ids)
    if provider_ids:
        rows = rows.filter(provider_id__in=provider_ids)
    return rows


def _days(practice, location_ids=(), provider_ids=()):
    """The ledger's day summary, scoped like `_entries`."""
    return _scoped(LedgerDay.objects.filter(practice_id=practice.pk), location_ids, provider_ids)


def _scoped(rows, location_ids=(), provider_ids=()):
    if location_ids:
        rows = rows.filter(location_id__in=location_ids)
    if provider_ids:
        rows = rows.filter(provider_id__in=provider_ids)
    return rows


def _from_cents(cents) -> Decimal:
    """Integer cents as dollars: exact, two places."""
    return Decimal(cents).scaleb(-2) if cents else ZERO


@dataclass(frozen=True)
class Aging:
    """The aging's rows (largest total first; the `limit` largest when one was asked) and the
    totals of every row, listed or not: `count` rows in all."""

    as_of: date
    by: str
    rows: tuple[aging.AgingRow, ...]
    totals: tuple[Decimal, ...]
    count: int

    @property
    def total(self) -> Decimal:
        return sum(self.totals, ZERO)

    def table(self) -> tuple[tuple[str, ...], list[tuple]]:
        head = ("Payer" if self.by == "payer" else "Patient", *aging.BUCKETS, "Total")
        body = [(r.key, *r.amounts, r.total) for r in self.rows]
        body.append(("Total", *self.totals, self.total))
        return head, body


def ar_aging(
    practice,
    *,
    as_of: date,
    by: str = "payer",
    location_ids=(),
    provider_ids=(),
    limit: int | None = None,
    memo: dict | None = None,
) -> Aging:
    """Open balances of service lines by age of the date of service: by payer (insurance
    balances per payer plus one row for what patients owe) or by patient (all parties).
    Entries effective after `as_of` are left out. `limit`: only the largest rows are listed
    (and labelled); the totals and the count are still of every row. `memo`: a dict shared
    by the agings of one page (the dashboard's by payer and by patient), which then read
    the entries after `as_of` once."""
    if by not in ("payer", "patient"):
        raise ValueError("Aging is by payer or by patient.")
    width = len(aging.BUCKETS)

    def key_of(party, payer_id, patient_id):
        if by == "patient":
            return patient_id
        return payer_id or None if party == Party.INSURANCE else None

    # The balances now (LineBalance: a row per patient, party, payer, location, provider
    # and date of service), less what was posted after `as_of` (none for today's aging).
    # The buckets are summed by the database: one filtered sum per bucket, grouped; the
    # amounts stay integer cents until the rows to show are known.
    balances = _scoped(
        LineBalance.objects.filter(practice_id=practice.pk), location_ids, provider_ids
    )
    keys = ("party", "payer_id") if by == "payer" else ("patient_id",)
    # Only the balances owed: a zero adds nothing, and the covering indexes hold no zeros.
    grouped = (
        balances.exclude(amount_cents=0)
        .values(*keys)
        .annotate(**_bucket_sums(as_of, "date_of_service", "amount_cents"))
        .order_by()
    )
    raw: dict = {}

    def add(key, sums) -> None:
        known = raw.get(key)
        raw[key] = (
            list(sums) if known is None else [a + b for a, b in zip(known, sums, strict=True)]
        )

    for row in _grouped_rows(grouped):
        named = dict(zip(keys, row, strict=False))
        add(key_of(named.get("party"), named.get("payer_id"), named.get("patient_id")),
            row[len(keys) :])  # fmt: skip
    for party, payer_id, patient_id, *sums in _later(
        practice, as_of, location_ids, provider_ids, memo
    ):
        add(key_of(party, payer_id, patient_id), [-cents for cents in sums])
    owing = [(key, sums, sum(sums)) for key, sums in raw.items() if any(sums)]
    totals = tuple(_from_cents(sum(s[index] for _, s, _ in owing)) for index in range(width))
    count = len(owing)
    if limit is not None and len(owing) > limit:
        owing.sort(key=lambda row: -row[2])
        floor = owing[limit - 1][2]
        owing = [row for row in owing if row[2] >= floor]  # ties at the cut are labelled
    label = _labels(by, balances, [key for key, _, _ in owing])
    listed = sorted(((label(key), sums, total) for key, sums, total in owing),
                    key=lambda row: (-row[2], row[0]))[:limit]  # fmt: skip
    rows = tuple(aging.AgingRow(name, [_from_cents(c) for c in sums]) for name, sums, _ in listed)
    return Aging(as_of, by, rows, totals, count)


def _later(practice, as_of, location_ids, provider_ids, memo) -> list[tuple]:
    """(party, payer id, patient id, each bucket's sum in integer cents) of the line entries
    effective after `as_of`: what the balances now hold that the aging on `as_of` must not.
    Read once per `memo` (the agings of one page)."""
    key = ("aging_later", as_of, tuple(location_ids), tuple(provider_ids))
    if memo is not None and key in memo:
        return memo[key]
    later = _entries(practice, location_ids, provider_ids).filter(
        charge__isnull=False, effective_on__gt=as_of
    )
    grouped = (
        later.values("party", "payer_id", "patient_id")
        .annotate(**_bucket_sums(as_of, "charge__date_of_service", ENTRY_CENTS))
        .order_by()
    )
    rows = list(_grouped_rows(grouped))
    if memo is not None:
        memo[key] = rows
    return rows


def _grouped_rows(grouped):
    """The rows of a grouped query: its keys, then each bucket's sum in integer cents, read
    straight from the cursor (the sums are integers already: no conversion)."""
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            yield (*row[: -len(aging.BUCKETS)], *(int(v or 0) for v in row[-len(aging.BUCKETS) :]))


def _labels(by: str, balances, keys: list):
    """key -> the row's label: a payer's name (None: the patients' row) or a patient's
    "Last, First (MRN)" (the patients with balances, found by the database: thousands of
    ids would be as many query parameters)."""
    if by == "payer":
        names = dict(Payer.objects.filter(pk__in={k for k in keys if k}).values_list("pk", "name"))
        return lambda key: PATIENT_ROW if key is None else names.get(key, f"Payer {key}")
    people = {
        pk: f"{last}, {first} ({mrn})"
        for pk, last, first, mrn in Patient.objects.filter(
            pk__in=keys if len(keys) <= 100 else balances.values("patient_id")
        ).values_list("pk", "last_name", "first_name", "mrn")
    }
    return lambda key: people.get(key, f"Patient {key}")


def _bucket_sums(as_of: date, day: str, amount) -> dict:
    """{"b0": Sum(amount, ...), ...}: each aging bucket's sum, by the age of the date of
    service (field `day`) on `as_of` as `aging.bucket_index` counts it (a future date is
    in the first bucket)."""
    starts = [as_of - timedelta(days=limit) for limit in aging.LIMITS]  # newest first
    sums = {}
    for index in range(len(aging.BUCKETS)):
        when = Q()
        if index < len(starts):
            when &= Q(**{f"{day}__gte": starts[index]})
        if index > 0:
            when &= Q(**{f"{day}__lt": starts[index - 1]})
        sums[f"b{index}"] = Sum(amount, filter=when, default=None)
    return sums


def ledger_line_total(practice, *, as_of: date) -> Decimal:
    """The sum of every line entry effective by `as_of`: what the aging must add up to."""
    total = LedgerEntry.objects.filter(
        practice=practice, charge__isnull=False, effective_on__lte=as_of
    ).aggregate(t=Sum("amount"))["t"]
    return to_cents(total or ZERO)


@dataclass(frozen=True)
class Totals:
    label: str
    charges: Decimal
    payments: Decimal
    adjustments: Decimal
    refunds: Decimal


def period_totals(
    practice, *, first_day: date, last_day: date, per: str = "day", location_ids=(), provider_ids=()
) -> list[Totals]:
    """Charges, payments (insurance and patient, as positive), adjustments (contractual,
    other and write-offs, positive) and refunds per day or month, by effective day."""
    rows = (
        _days(practice, location_ids, provider_ids)
        .filter(effective_on__gte=first_day, effective_on__lte=last_day)
        .values("effective_on", "kind")
        .annotate(total=Sum("amount_cents"))
        .order_by()
    )
    buckets: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        day = row["effective_on"]
        label = day.isoformat() if per == "day" else f"{day:%Y-%m}"
        amount = _from_cents(row["total"])
        kind = row["kind"]
        if kind == EntryKind.CHARGE:
            buckets[label]["charges"] += amount
        elif kind in PAYMENT_KINDS:
            buckets[label]["payments"] -= amount
        elif kind in ADJUSTMENT_KINDS:
            buckets[label]["adjustments"] -= amount
        elif kind == EntryKind.REFUND:
            buckets[label]["refunds"] += amount
    return [
        Totals(label, b["charges"], b["payments"], b["adjustments"], b["refunds"])
        for label, b in sorted(buckets.items())
    ]


def _sums(days, **wanted: Q) -> dict[str, Decimal]:
    """{name: the sum of the day summary's rows matching its condition}: one read of `days`
    for all of them (a dashboard page asks for six)."""
    found = days.aggregate(
        **{name: Sum("amount_cents", filter=when) for name, when in wanted.items()}
    )
    return {name: _from_cents(found[name]) for name in wanted}


def net_collection_rate(practice, *, first_day, last_day, location_ids=(), provider_ids=()):
    """Payments / (charges - contractual adjustments) in the period, in percent."""
    rows = _days(practice, location_ids, provider_ids).filter(
        effective_on__gte=first_day, effective_on__lte=last_day
    )
    found = _sums(
        rows,
        charges=Q(kind=EntryKind.CHARGE),
        contractual=Q(kind=EntryKind.CONTRACTUAL),
        payments=Q(kind__in=PAYMENT_KINDS),
        refunds=Q(kind=EntryKind.REFUND),
    )
    charges, contractual = found["charges"], -found["contractual"]
    payments = -found["payments"] - found["refunds"]
    return aging.percent(payments, charges - contractual), payments, charges - contractual


def days_in_ar(practice, *, as_of: date, window: int = 90, location_ids=(), provider_ids=()):
    days = _days(practice, location_ids, provider_ids).filter(effective_on__lte=as_of)
    found = _sums(
        days,
        receivable=Q(on_line=True),
        charges=Q(kind=EntryKind.CHARGE, effective_on__gt=as_of - timedelta(days=window)),
    )
    receivable, charges = found["receivable"], found["charges"]
    return aging.days_in_ar(receivable, charges, window), receivable, charges


def denial_rates(practice, *, first_day, last_day, location_ids=(), provider_ids=()):
    """Per payer: lines adjudicated (paid, adjusted or denied by the payer) and lines
    denied, the rate, and the denials per reason (CARC)."""
    lines = _scoped(LinePayerDay.objects.filter(practice_id=practice.pk), location_ids,
                    provider_ids).filter(
        effective_on__gte=first_day, effective_on__lte=last_day, adjudications__gt=0
    )  # fmt: skip
    seen = (
        lines.values("payer_id")
        .annotate(
            lines=Count("charge_id", distinct=True),
            denied=Count("charge_id", distinct=True, filter=Q(denials__gt=0)),
        )
        .order_by()
    )
    # The reasons of the denials: few entries, read from the ledger through the denials'
    # partial index (reversals of denials are counted out in the sum, not the WHERE: a
    # condition on `reverses` there lets SQLite take that unique index instead, which
    # holds every entry that reverses nothing).
    reasons = (
        _entries(practice, location_ids, provider_ids)
        .filter(
            effective_on__gte=first_day,
            effective_on__lte=last_day,
            party=Party.INSURANCE,
            charge__isnull=False,
            kind=EntryKind.DENIAL,
        )
        .values("payer_id", "group", "reason")
        .annotate(n=Count("id", filter=Q(reverses__isnull=True)))
        .order_by("payer_id", "-n")
    )
    seen = list(seen)
    names = dict(
        Payer.objects.filter(pk__in=[r["payer_id"] for r in seen]).values_list("pk", "name")
    )
    by_reason = defaultdict(list)
    for r in reasons:
        if not r["n"]:
            continue  # only reversals of such denials
        by_reason[r["payer_id"]].append((f"{r['group']}-{r['reason']}".strip("-"), r["n"]))
    out = []
    for r in seen:
        rate = aging.percent(Decimal(r["denied"]), Decimal(r["lines"]))
        out.append(
            (
                names.get(r["payer_id"], str(r["payer_id"])),
                r["lines"],
                r["denied"],
                rate,
                by_reason[r["payer_id"]],
            )
        )
    return sorted(out, key=lambda row: (-(row[3] or 0), row[0]))


def payments_by_payer_cpt(practice, *, first_day, last_day, location_ids=(), provider_ids=()):
    """Which payer pays best: insurance paid per payer and procedure code, lines paid and
    the average payment per line."""
    rows = (
        _scoped(LinePayerDay.objects.filter(practice_id=practice.pk), location_ids, provider_ids)
        .filter(effective_on__gte=first_day, effective_on__lte=last_day, paid_entries__gt=0)
        .values("payer_id", "code")
        .annotate(paid=Sum("paid_cents"), lines=Count("charge_id", distinct=True))
        .order_by()
    )
    rows = list(rows)
    names = dict(
        Payer.objects.filter(pk__in=[r["payer_id"] for r in rows]).values_list("pk", "name")
    )
    out = []
    for r in rows:
        paid = -_from_cents(r["paid"])
        average = to_cents(paid / r["lines"]) if r["lines"] else ZERO
        out.append((r["code"], names.get(r["payer_id"], ""), r["lines"], paid, average))
    return sorted(out, key=lambda row: (row[0], -row[4], row[1]))
