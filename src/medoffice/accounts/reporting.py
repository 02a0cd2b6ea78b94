"""What patient accounts give the dashboard (A/R aging by payer and by patient,
collections, denials, payments by payer per CPT, daily and monthly totals) and the
accounting export (payments, adjustments, refunds and deposits, from the ledger). See
core/reporting.py."""

import re
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from medoffice.accounts import aging, reports
from medoffice.core.money import ZERO, to_cents
from medoffice.core.reporting import Figure, FigureData, JournalEntry, JournalLine, Series
from medoffice.payments.models import EntryKind, LedgerEntry, Payment

PERMISSION = "accounts.view_ar_reports"


def _scope(filters) -> dict:
    return {"location_ids": filters.location_ids, "provider_ids": filters.provider_ids}


def ar_aging_by_payer(filters) -> FigureData:
    result = reports.ar_aging(
        filters.practice, as_of=filters.last_day, by="payer", memo=filters.memo, **_scope(filters)
    )
    head, body = result.table()
    series = tuple(
        Series(bucket, tuple((r.key[:16], r.amounts[i]) for r in result.rows[:8]))
        for i, bucket in enumerate(aging.BUCKETS)
    )
    return FigureData(
        series=series if result.rows else (),
        headline=f"${result.total:,.2f} in A/R, ${result.totals[-1]:,.2f} over 120 days",
        columns=head,
        rows=tuple(body),
    )


def collections(filters) -> FigureData:
    rate, paid, due = reports.net_collection_rate(
        filters.practice,
        first_day=filters.first_day,
        last_day=filters.last_day,
        **_scope(filters),
    )
    days, receivable, charges = reports.days_in_ar(
        filters.practice, as_of=filters.last_day, **_scope(filters)
    )
    rows = (
        ("Net collection rate %", rate if rate is not None else "n/a"),
        ("Payments (net of refunds)", paid),
        ("Charges less contractual", due),
        ("Days in A/R", days if days is not None else "n/a"),
        ("A/R on the last day", receivable),
        ("Charges of the last 90 days", charges),
    )
    return FigureData(
        series=(),
        headline=f"Net collection rate {rate if rate is not None else 'n/a'}%, "
        f"{days if days is not None else 'n/a'} days in A/R",
        columns=("Figure", "Value"),
        rows=rows,
    )


def denials(filters) -> FigureData:
    rows = reports.denial_rates(
        filters.practice, first_day=filters.first_day, last_day=filters.last_day, **_scope(filters)
    )
    points = tuple((name[:16], rate or Decimal(0)) for name, _, _, rate, _ in rows[:10])
    return FigureData(
        series=(Series("Denial rate", points),) if points else (),
        headline=f"{sum(r[2] for r in rows)} denied of {sum(r[1] for r in rows)} lines adjudicated",
        columns=("Payer", "Lines adjudicated", "Lines denied", "Denial rate %", "Reasons"),
        rows=tuple(
            (n, lines, d, rate, ", ".join(f"{c} x{k}" for c, k in why))
            for n, lines, d, rate, why in rows
        ),
    )


def payer_cpt(filters) -> FigureData:
    rows = reports.payments_by_payer_cpt(
        filters.practice, first_day=filters.first_day, last_day=filters.last_day, **_scope(filters)
    )
    return FigureData(
        series=(),
        headline=f"{len({r[1] for r in rows})} payer(s), {len({r[0] for r in rows})} code(s)",
        columns=("CPT", "Payer", "Lines paid", "Paid $", "Average per line $"),
        rows=tuple(rows),
    )


def ar_aging_by_patient(filters) -> FigureData:
    """The accounts owing most, by age; named by MRN only (the dashboard is read by people
    who do not need the names: the account page has them)."""
    result = reports.ar_aging(
        filters.practice, as_of=filters.last_day, by="patient", limit=PATIENT_ROWS,
        memo=filters.memo, **_scope(filters),
    )  # fmt: skip
    head, body = result.table()

    def mrn(key: str) -> str:
        found = re.search(r"\(([^()]*)\)$", key)
        return f"MRN {found.group(1)}" if found else key

    rows = [(mrn(row[0]), *row[1:]) for row in body[:-1]] + [body[-1]]
    return FigureData(
        series=(),
        headline=f"{result.count} accounts owe ${result.total:,.2f}",
        columns=("Account", *head[1:]),
        rows=tuple(rows),
    )


PATIENT_ROWS = 25


def _days(filters) -> list:
    """The period's totals per day, read once per page (the daily and monthly figures)."""
    if "ledger_days" not in filters.memo:
        filters.memo["ledger_days"] = reports.period_totals(
            filters.practice,
            first_day=filters.first_day,
            last_day=filters.last_day,
            per="day",
            **_scope(filters),
        )
    return filters.memo["ledger_days"]


def _months(filters) -> list:
    """The period's totals per month: its days added up (exact: Decimal sums)."""
    months: dict = {}
    for day in _days(filters):
        label = day.label[:7]
        month = months.get(label)
        months[label] = (
            reports.Totals(label, day.charges, day.payments, day.adjustments, day.refunds)
            if month is None
            else reports.Totals(
                label,
                month.charges + day.charges,
                month.payments + day.payments,
                month.adjustments + day.adjustments,
                month.refunds + day.refunds,
            )
        )
    return [months[label] for label in sorted(months)]


def daily_totals(filters) -> FigureData:
    rows = _days(filters)
    series = tuple(
        Series(name, tuple((r.label[5:], getattr(r, attr)) for r in rows))
        for name, attr in (("Charges", "charges"), ("Payments", "payments"))
    )
    return FigureData(
        series=series if rows else (),
        headline=f"{len(rows)} days with postings",
        columns=("Day", "Charges $", "Payments $", "Adjustments $", "Refunds $"),
        rows=tuple((r.label, r.charges, r.payments, r.adjustments, r.refunds) for r in rows),
    )


def monthly_totals(filters) -> FigureData:
    rows = _months(filters)
    series = tuple(
        Series(name, tuple((r.label, getattr(r, attr)) for r in rows))
        for name, attr in (
            ("Charges", "charges"),
            ("Payments", "payments"),
            ("Adjustments", "adjustments"),
        )
    )
    return FigureData(
        series=series if rows else (),
        headline=f"${sum((r.payments for r in rows), ZERO):,.2f} collected",
        columns=("Month", "Charges $", "Payments $", "Adjustments $", "Refunds $"),
        rows=tuple((r.label, r.charges, r.payments, r.adjustments, r.refunds) for r in rows),
    )


FIGURES = [
    Figure(
        "ar-aging",
        "A/R aging by payer",
        "stacked",
        ar_aging_by_payer,
        order=60,
        unit="$",
        permission=PERMISSION,
    ),
    Figure(
        "ledger-totals",
        "Charges, payments and adjustments by month",
        "bars",
        monthly_totals,
        order=61,
        unit="$",
        permission=PERMISSION,
    ),
    Figure(
        "ar-aging-patient",
        "A/R aging by patient (the 25 largest)",
        "table",
        ar_aging_by_patient,
        order=65,
        permission=PERMISSION,
    ),
    Figure(
        "ledger-daily",
        "Charges and payments by day",
        "bars",
        daily_totals,
        order=66,
        unit="$",
        permission=PERMISSION,
    ),
    Figure(
        "collections",
        "Net collection rate and days in A/R",
        "table",
        collections,
        order=62,
        permission=PERMISSION,
    ),
    Figure(
        "denials",
        "Denial rate by payer",
        "bars",
        denials,
        order=63,
        unit="%",
        permission=PERMISSION,
    ),
    Figure(
        "payer-cpt",
        "Payments by payer per CPT",
        "table",
        payer_cpt,
        order=64,
        permission=PERMISSION,
    ),
]


# ---------------------------------------------------------------- the accounting export

_ADJUST_ACCOUNT = {
    EntryKind.CONTRACTUAL: "contractual",
    EntryKind.ADJUSTMENT: "contractual",
    EntryKind.WRITE_OFF: "writeoff",
}


def _pair(day, source, reference, debit, credit, amount, memo) -> JournalEntry:
    if amount < 0:
        debit, credit, amount = credit, debit, -amount
    return JournalEntry(
        day=day,
        source=source,
        reference=reference,
        lines=(
            JournalLine(debit, debit=amount, memo=memo),
            JournalLine(credit, credit=amount, memo=memo),
        ),
    )


def ledger_entries(practice, first_day, last_day) -> list[JournalEntry]:
    """Money received (Dr undeposited funds, Cr A/R; a refund the other way), the day's
    deposit (Dr bank, Cr undeposited funds: exactly the day's posted payments), and
    adjustments and write-offs (Dr contractual or bad debt, Cr A/R), per day."""
    entries = []
    money = (
        Payment.objects.filter(
            practice=practice, received_on__gte=first_day, received_on__lte=last_day
        )
        .values("received_on", "kind")
        .annotate(total=Sum("amount"))
        .order_by("received_on", "kind")
    )
    deposits: dict = defaultdict(lambda: ZERO)
    for row in money:
        day, amount = row["received_on"], to_cents(row["total"] or ZERO)
        if not amount:
            continue
        deposits[day] += amount
        entries.append(
            _pair(
                day,
                "payments",
                f"PMT {day:%Y%m%d} {row['kind'][:3].upper()}",
                "cash",
                "ar",
                amount,
                f"{row['kind'].title()} payments, net of refunds",
            )
        )
    for day, amount in sorted(deposits.items()):
        entries.append(
            _pair(
                day,
                "deposits",
                f"DEP {day:%Y%m%d}",
                "bank",
                "cash",
                amount,
                "Deposit of the day's payments",
            )
        )
    adjusted = (
        LedgerEntry.objects.filter(
            practice=practice,
            effective_on__gte=first_day,
            effective_on__lte=last_day,
            kind__in=list(_ADJUST_ACCOUNT),
        )
        .values("effective_on", "kind")
        .annotate(total=Sum("amount"))
        .order_by("effective_on", "kind")
    )
    for row in adjusted:
        amount = -to_cents(row["total"] or ZERO)
        if not amount:
            continue
        day = row["effective_on"]
        entries.append(
            _pair(
                day,
                "adjustments",
                f"ADJ {day:%Y%m%d} {row['kind'][:4].upper()}",
                _ADJUST_ACCOUNT[row["kind"]],
                "ar",
                amount,
                f"{EntryKind(row['kind']).label} of {day:%m/%d/%Y}",
            )
        )
    return entries


JOURNAL_SOURCES = [ledger_entries]
