"""What an app offers the office manager's dashboard and the accounting export.

Any app may have a module named `reporting` with `FIGURES` (a list of `Figure`) and
`JOURNAL_SOURCES` (a list of functions `(practice, first_day, last_day) -> list of
JournalEntry`). The reports app finds them (it reads everything; nothing imports it), so
a new capability (payments: payments, adjustments, refunds, deposits, days in A/R) plugs
in by adding its module, without touching reports. Types only here: no queries.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Filters:
    practice: object
    first_day: date
    last_day: date
    location_ids: tuple[int, ...] = ()
    provider_ids: tuple[int, ...] = ()
    # Shared by the figures of one page, so two figures from one query run it once.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[tuple[str, Decimal | int | float | None], ...]  # (label, value; None: none)


@dataclass(frozen=True)
class FigureData:
    series: tuple[Series, ...]
    headline: str = ""  # e.g. "7.9% no-shows this year"
    columns: tuple[str, ...] = ()  # the list behind the figure, for its page and CSV
    rows: tuple[tuple, ...] = ()
    link: str = ""  # a screen of the office with the records, when there is one


@dataclass(frozen=True)
class Figure:
    key: str  # in URLs: /dashboard/figures/<key>/
    title: str
    kind: str  # "bars", "stacked", "line" or "table"
    compute: Callable[[Filters], FigureData]
    order: int = 100
    unit: str = ""  # "$", "%", "min"
    permission: str = "reports.view_dashboard"


@dataclass(frozen=True)
class JournalLine:
    account_key: str  # mapped to the practice's chart of accounts (reports.AccountMap)
    debit: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    memo: str = ""


@dataclass(frozen=True)
class JournalEntry:
    day: date
    source: str  # "charges", "supply purchases", "payments", ...
    reference: str  # a batch or document number, no PHI
    lines: tuple[JournalLine, ...] = field(default_factory=tuple)
