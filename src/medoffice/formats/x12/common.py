"""Records shared by several transactions: addresses and claim adjustments (CAS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import X12Error

# CAS01 claim adjustment group codes.
ADJUSTMENT_GROUPS = {
    "CO": "contractual obligation",
    "CR": "correction and reversal",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "PR": "patient responsibility",
}


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str  # 5 or 9 digits (the billing provider's must be 9)
    line2: str = ""
    country: str = ""  # only outside the US


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS reason: group (CO, PR, OA, PI, CR), CARC reason code, amount, units."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


def parse_d8(value: str, segment=None, element: int | None = None) -> date | None:
    """CCYYMMDD to a date ("" gives None); a bad date is an X12Error at the segment."""
    if not value:
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        reason = f"{value!r} is not a date (CCYYMMDD)"
        if segment is not None:
            raise segment.error(reason, element) from None
        raise X12Error(reason) from None


def parse_amount(value: str, segment=None, element: int | None = None) -> Decimal | None:
    """An X12 decimal to Decimal ("" gives None)."""
    if not value:
        return None
    try:
        result = Decimal(value)
    except ArithmeticError:
        result = None
    if result is None or not result.is_finite():
        reason = f"{value!r} is not a number"
        if segment is not None:
            raise segment.error(reason, element) from None
        raise X12Error(reason)
    return result


def adjustments_from_cas(segment) -> list[Adjustment]:
    """The up to six (reason, amount, quantity) triplets of one CAS segment."""
    group = segment[1]
    if group not in ADJUSTMENT_GROUPS:
        raise segment.error(
            f"unknown claim adjustment group {group!r} (expected one of "
            f"{', '.join(ADJUSTMENT_GROUPS)})",
            1,
        )
    result = []
    for index in range(2, 19, 3):
        reason = segment[index]
        if not reason:
            continue
        value = parse_amount(segment[index + 1], segment, index + 1)
        if value is None:
            raise segment.error(f"CAS reason {reason} has no amount", index + 1)
        result.append(
            Adjustment(group, reason, value, parse_amount(segment[index + 2], segment, index + 2))
        )
    if not result:
        raise segment.error("CAS without any reason code", 2)
    return result


def cas_segments(adjustments, el: str, money, qty) -> list[str]:
    """CAS segments for adjustments: one per group, at most six reasons each."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    out = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            parts = ["CAS", group]
            for item in items[start : start + 6]:
                parts += [
                    item.reason,
                    money(item.amount),
                    qty(item.quantity) if item.quantity is not None else "",
                ]
            out.append(el.join(parts).rstrip(el))
    return out
