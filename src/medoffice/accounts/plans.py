"""Payment plans as plain arithmetic: the schedule of instalments and where a plan stands.

Pure: no ORM. A plan is an agreed total paid in instalments on a fixed rhythm. The
instalments always sum to the total (the cents left over from an even split go on the
last one). Payments count against the instalments in date order; an instalment not
fully paid `grace_days` after it was due is missed.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from medoffice.core.money import CENT, ZERO, to_cents

FREQUENCIES = {"weekly": 7, "biweekly": 14, "monthly": None}
MAX_INSTALMENTS = 120


class PlanError(ValueError):
    """An agreement that cannot be a plan; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Instalment:
    number: int
    due: date
    amount: Decimal


@dataclass(frozen=True)
class InstalmentState:
    number: int
    due: date
    amount: Decimal
    paid: Decimal
    missed: bool

    @property
    def open(self) -> Decimal:
        return self.amount - self.paid


@dataclass(frozen=True)
class PlanState:
    total: Decimal
    paid: Decimal
    balance: Decimal
    instalments: tuple[InstalmentState, ...]
    next_due: date | None
    next_amount: Decimal
    missed: tuple[int, ...]  # numbers of the missed instalments

    @property
    def complete(self) -> bool:
        return self.balance <= ZERO

    @property
    def past_due(self) -> Decimal:
        return sum((i.open for i in self.instalments if i.missed), ZERO)


def add_months(day: date, months: int, anchor: int | None = None) -> date:
    """`day` moved by `months`, keeping the anchor day of month (clamped to short months)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor or day.day, last))


def due_dates(first_due: date, count: int, frequency: str) -> list[date]:
    if frequency not in FREQUENCIES:
        raise PlanError("frequency", "Choose weekly, biweekly or monthly.")
    days = FREQUENCIES[frequency]
    if days is None:
        return [add_months(first_due, n, first_due.day) for n in range(count)]
    return [first_due + timedelta(days=days * n) for n in range(count)]


def schedule(
    *,
    total: Decimal,
    first_due: date,
    frequency: str = "monthly",
    count: int | None = None,
    amount: Decimal | None = None,
) -> list[Instalment]:
    """The instalments for `total`: either `count` even ones, or as many of `amount` as it
    takes (the last one smaller). Amounts always sum to `total` exactly."""
    total = to_cents(total)
    if total <= ZERO:
        raise PlanError("total", "A plan needs a balance to pay: the total must be above zero.")
    if (count is None) == (amount is None):
        raise PlanError("count", "Give the number of instalments or the instalment amount.")
    if amount is not None:
        amount = to_cents(amount)
        if amount <= ZERO:
            raise PlanError("amount", "The instalment amount must be above zero.")
        count = int((total / amount).to_integral_value(rounding=ROUND_CEILING))
        amounts = [amount] * (count - 1) + [total - amount * (count - 1)]
    else:
        assert count is not None
        if count < 1:
            raise PlanError("count", "A plan has at least one instalment.")
        even = (total / count).quantize(CENT, rounding=ROUND_DOWN)
        if even <= ZERO:
            raise PlanError("count", "Too many instalments: each would be less than a cent.")
        amounts = [even] * (count - 1) + [total - even * (count - 1)]
    if len(amounts) > MAX_INSTALMENTS:
        raise PlanError("amount", f"At most {MAX_INSTALMENTS} instalments: raise the amount.")
    dates = due_dates(first_due, len(amounts), frequency)
    return [Instalment(n + 1, d, a) for n, (d, a) in enumerate(zip(dates, amounts, strict=True))]


def plan_state(
    instalments: list[Instalment], paid: Decimal, *, today: date, grace_days: int = 10
) -> PlanState:
    """Where the plan stands on `today` after `paid` in total: payments fill instalments in
    order; an instalment still open more than `grace_days` after its due date is missed."""
    total = sum((i.amount for i in instalments), ZERO)
    paid = to_cents(paid)
    left = paid
    states = []
    for inst in instalments:
        covered = min(max(left, ZERO), inst.amount)
        left -= covered
        missed = covered < inst.amount and today > inst.due + timedelta(days=grace_days)
        states.append(InstalmentState(inst.number, inst.due, inst.amount, covered, missed))
    upcoming = next((s for s in states if s.open > ZERO), None)
    return PlanState(
        total=total,
        paid=paid,
        balance=max(total - paid, ZERO),
        instalments=tuple(states),
        next_due=upcoming.due if upcoming else None,
        next_amount=upcoming.open if upcoming else ZERO,
        missed=tuple(s.number for s in states if s.missed),
    )
