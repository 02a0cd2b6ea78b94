"""A/R aging buckets and the figures built on them, as plain arithmetic (no ORM).

A balance's age is counted from its date of service, in days, on the report date.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from medoffice.core.money import ZERO

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
LIMITS = (30, 60, 90, 120)  # the buckets' last days


def bucket_index(age_days: int) -> int:
    for index, limit in enumerate(LIMITS):
        if age_days <= limit:
            return index
    return len(LIMITS)


def bucket_of(day: date, as_of: date) -> str:
    return BUCKETS[bucket_index(max((as_of - day).days, 0))]


@dataclass
class AgingRow:
    key: str  # payer name or patient
    amounts: list[Decimal] = field(default_factory=lambda: [ZERO] * len(BUCKETS))

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


def age(rows: Iterable[tuple[str, date, Decimal]], as_of: date) -> list[AgingRow]:
    """(key, date of service, open amount) -> one row per key with its buckets, largest
    total first. Zero amounts are skipped; credits (negative) stay in their bucket."""
    by_key: dict[str, AgingRow] = {}
    for key, day, amount in rows:
        if not amount:
            continue
        row = by_key.setdefault(key, AgingRow(key))
        row.amounts[bucket_index(max((as_of - day).days, 0))] += amount
    return sorted(by_key.values(), key=lambda r: (-r.total, r.key))


def days_in_ar(receivable: Decimal, charges: Decimal, days: int) -> Decimal | None:
    """Receivable / average daily charges over the last `days` days, to one decimal."""
    if charges <= ZERO or days <= 0:
        return None
    return (receivable / (charges / days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
