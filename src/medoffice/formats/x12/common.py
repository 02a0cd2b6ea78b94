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


_NPI_SEEN: dict[str, bool] = {}


def is_valid_npi(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over 80840 + the first nine."""
    known = _NPI_SEEN.get(npi)
    if known is not None:
        return known
    valid = len(npi) == 10 and npi.isdigit() and npi.isascii()
    if valid:
        total = 24  # the prefix 80840 contributes 24
        for position, char in enumerate(reversed(npi[:9])):
            digit = int(char)
            if position % 2 == 0:
                digit *= 2
                if digit > 9:
                    digit -= 9
            total += digit
        valid = (10 - total % 10) % 10 == int(npi[9])
    if len(_NPI_SEEN) < 100_000:
        _NPI_SEEN[npi] = valid
    return valid


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


@dataclass(frozen=True, slots=True)
class Entity:
    """A payer, provider or receiver named in an NM1: organization (or a person's last name)."""

    name: str
    id: str
    qualifier: str = "PI"  # NM108: PI payer id, XX NPI, 46 ETIN, SV service provider number
    first_name: str = ""  # set for a person (NM102 = 1)


@dataclass(frozen=True, slots=True)
class Person:
    """A subscriber or dependent as 270/271/276/277 name them."""

    last_name: str
    first_name: str
    member_id: str = ""
    birth_date: date | None = None
    sex: str = ""  # F, M, U; "" when not sent
    middle_name: str = ""


def entity_nm1(el: str, clean, code: str, entity: Entity) -> str:
    kind = "1" if entity.first_name else "2"
    parts = (
        "NM1",
        code,
        kind,
        clean(entity.name),
        clean(entity.first_name),
        "",
        "",
        "",
        entity.qualifier if entity.id else "",
        clean(entity.id),
    )
    return el.join(parts).rstrip(el)


def entity_from(nm1) -> Entity:
    return Entity(nm1[3], nm1[9], nm1[8], nm1[4] if nm1[2] == "1" else "")


def person_nm1(el: str, clean, code: str, person: Person) -> str:
    parts = (
        "NM1",
        code,
        "1",
        clean(person.last_name),
        clean(person.first_name),
        clean(person.middle_name),
        "",
        "",
        "MI" if person.member_id else "",
        clean(person.member_id),
    )
    return el.join(parts).rstrip(el)


def person_dmg(el: str, person: Person, d8) -> str | None:
    if person.birth_date is None:
        return None
    return el.join(("DMG", "D8", d8(person.birth_date), person.sex)).rstrip(el)


def person_from(nm1, dmg=None) -> Person:
    birth = parse_d8(dmg[2], dmg, 2) if dmg is not None else None
    return Person(nm1[3], nm1[4], nm1[9], birth, dmg[3] if dmg is not None else "", nm1[5])
