"""The accounting export: a general-ledger journal of a month for the practice's books.

Sources give journal entries in account keys (core/reporting.py): billing's charges here;
supply purchases from inventory's `reporting` module; payments (net of refunds),
adjustments and deposits from the ledger (accounts' `reporting` module). Keys are mapped
to the practice's accounts (AccountMap). Every entry balances, so the journal balances to
zero; a month with days whose visits are not yet signed (charges not posted), or with desk
payments in a drawer nobody closed, gets a warning.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from medoffice.billing.models import Charge, Encounter
from medoffice.billing.states import EncounterStatus
from medoffice.core.clock import today_at
from medoffice.core.money import ZERO
from medoffice.core.reporting import JournalEntry, JournalLine
from medoffice.formats.journal import Posting, Transaction, render_csv, render_iif
from medoffice.reports.models import DEFAULT_ACCOUNTS, AccountMap


def charges(practice, first_day: date, last_day: date) -> list[JournalEntry]:
    """A day's charges (reversals net in): Dr accounts receivable, Cr service revenue.
    Posted on the day of service, the day the revenue was earned."""
    rows = (
        Charge.objects.filter(encounter__practice=practice, date_of_service__gte=first_day,
                              date_of_service__lte=last_day)
        .values("date_of_service").annotate(total=Sum("amount")).order_by("date_of_service")
    )  # fmt: skip
    entries = []
    for row in rows:
        amount = row["total"] or ZERO
        if not amount:
            continue
        day = row["date_of_service"]
        memo = f"Charges for services of {day:%m/%d/%Y}"
        debit, credit = ("ar", "revenue") if amount > 0 else ("revenue", "ar")
        entries.append(
            JournalEntry(
                day=day,
                source="charges",
                reference=f"CHG {day:%Y%m%d}",
                lines=(
                    JournalLine(debit, debit=abs(amount), memo=memo),
                    JournalLine(credit, credit=abs(amount), memo=memo),
                ),
            )
        )
    return entries  # fmt: skip


CHARGES = charges


def period_bounds(period: str) -> tuple[date, date]:
    """'2026-03' -> (March 1, March 31); anything else is refused."""
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"A period is YYYY-MM, e.g. 2026-03; not {period!r}.") from exc
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class Journal:
    first_day: date
    last_day: date
    transactions: tuple[Transaction, ...]
    warnings: tuple[str, ...]

    @property
    def total_debits(self) -> Decimal:
        return sum((p.debit for t in self.transactions for p in t.postings), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((p.credit for t in self.transactions for p in t.postings), ZERO)

    def render(self, file_format: str) -> bytes:
        if file_format == "csv":
            return render_csv(list(self.transactions))
        if file_format == "iif":
            return render_iif(list(self.transactions))
        raise ValueError(f"Formats are csv and iif, not {file_format!r}.")


def unposted_days(practice, first_day: date, last_day: date) -> list[date]:
    """Days of the period with visits still open (not signed): their charges are missing."""
    return sorted(
        set(
            Encounter.objects.filter(
                practice=practice, status=EncounterStatus.OPEN,
                date_of_service__gte=first_day, date_of_service__lte=last_day,
            ).values_list("date_of_service", flat=True)
        )
    )  # fmt: skip


def unclosed_desk_days(practice, first_day: date, last_day: date) -> list[date]:
    """Days of the period with payments taken at a desk whose drawer nobody closed there
    (accounts.DayClose): the deposit is not counted yet, so the day may still change."""
    from medoffice.accounts.models import DayClose
    from medoffice.payments.models import Payment, PaymentKind

    taken = set(
        Payment.objects.filter(
            practice=practice, kind=PaymentKind.PATIENT, location__isnull=False,
            received_on__gte=first_day, received_on__lte=last_day,
        ).values_list("location_id", "received_on")
    )  # fmt: skip
    closed = set(
        DayClose.objects.filter(
            location__practice=practice, day__gte=first_day, day__lte=last_day
        ).values_list("location_id", "day")
    )
    return sorted({day for location, day in taken - closed})


def _days(days: list[date]) -> str:
    shown = ", ".join(f"{d:%m/%d}" for d in days[:10])
    return shown + (f" and {len(days) - 10} more" if len(days) > 10 else "")


def journal_for(practice, period: str) -> Journal:
    from medoffice.reports.registry import journal_sources

    first_day, last_day = period_bounds(period)
    mapped = {
        m.key: (m.account, m.account_type) for m in AccountMap.objects.filter(practice=practice)
    }
    entries: list[JournalEntry] = []
    for source in journal_sources():
        entries += source(practice, first_day, last_day)
    entries.sort(key=lambda e: (e.day, e.source, e.reference))
    transactions = []
    for number, entry in enumerate(entries, start=1):
        postings = []
        for line in entry.lines:
            account, kind = mapped.get(line.account_key) or DEFAULT_ACCOUNTS.get(
                line.account_key, (line.account_key, "")
            )
            postings.append(Posting(account, kind, line.debit, line.credit, line.memo))
        transactions.append(Transaction(number, entry.day, entry.source, entry.reference,
                                        tuple(postings)))  # fmt: skip
    warnings = []
    open_days = unposted_days(practice, first_day, last_day)
    if open_days:
        warnings.append(
            f"{len(open_days)} day(s) of {first_day:%B %Y} have visits not yet signed, so "
            f"their charges are not in this journal: {_days(open_days)}."
        )
    unclosed = unclosed_desk_days(practice, first_day, last_day)
    if unclosed:
        warnings.append(
            f"{len(unclosed)} day(s) of {first_day:%B %Y} have desk payments in a drawer "
            f"nobody closed (day close), so their deposit is not counted: {_days(unclosed)}."
        )
    if last_day >= today_at(practice):
        warnings.append(f"{first_day:%B %Y} is not over yet: the journal is partial.")
    return Journal(first_day, last_day, tuple(transactions), tuple(warnings))


def by_account(journal: Journal) -> dict[str, Decimal]:
    """Net debit per account (credits negative): what the trial balance would show."""
    result: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for t in journal.transactions:
        for p in t.postings:
            result[p.account] += p.debit - p.credit
    return dict(result)
