"""Writing X12: envelopes (ISA/IEA, GS/GE, ST/SE) around segments the builders render.

Builders render the body of each transaction set as a list of segment strings
(elements already joined with the element separator, no terminator): one
string per segment, no object per segment, which keeps the claim writer fast.
`render_interchange` adds ST/SE with the right counts, GS/GE and the ISA with
its fixed-width elements, and joins everything with the terminator.

Control numbers come from the caller, who keeps a counter that never repeats
(a database sequence); this module only checks their range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from .errors import X12Error
from .reader import DEFAULT_SEPARATORS, Separators

MAX_CONTROL_NUMBER = 999_999_999


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom, when, under which control numbers, test or production."""

    sender_id: str  # ISA06 (and GS02 unless application_sender)
    receiver_id: str  # ISA08 (and GS03 unless application_receiver)
    interchange_control_number: int  # ISA13 / IEA02, 1..999999999
    group_control_number: int  # GS06 / GE02, 1..999999999
    created: datetime  # ISA09/ISA10, GS04/GS05 (the caller's aware local time)
    production: bool = False  # ISA15 P or T
    sender_qualifier: str = "ZZ"  # ISA05
    receiver_qualifier: str = "ZZ"  # ISA07
    application_sender: str = ""  # GS02
    application_receiver: str = ""  # GS03
    acknowledgment_requested: bool = False  # ISA14: ask for a TA1
    separators: Separators = DEFAULT_SEPARATORS
    line_breaks: bool = True  # a newline after each terminator (easier to read)


def _fixed(value: str, width: int, name: str) -> str:
    if len(value) > width or not value.isascii():
        raise X12Error(f"{name} {value!r} must be at most {width} ASCII characters")
    return value.ljust(width)


def _control(value: int, name: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= MAX_CONTROL_NUMBER:
        raise X12Error(f"{name} must be a whole number from 1 to {MAX_CONTROL_NUMBER}")
    return value


def cleaner(separators: Separators):
    """A function that blanks separator characters (and line breaks) out of one value.

    X12 has no escape mechanism: a `*` in a patient's street would split the
    element. Values are data, never structure, so such characters become spaces.
    (The common case, a value without any, costs one set test: this runs for
    every value the claim writer writes.)
    """
    chars = (
        separators.element,
        separators.component,
        separators.repetition,
        separators.segment,
        "\r",
        "\n",
    )
    table = {ord(c): " " for c in chars}
    harmless = frozenset(chars).isdisjoint
    translate = str.translate

    def clean(value: str) -> str:
        if harmless(value):
            return value
        return translate(value, table).strip()

    return clean


@lru_cache(maxsize=4096)
def d8(value: date) -> str:
    """A date as CCYYMMDD."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def amount(value: Decimal | int) -> str:
    """A monetary amount (X12 R): cents, no exponent, no thousands separators."""
    text = str(value)
    if text[-3:-2] == ".":  # already in cents (the usual case): no formatting needed
        return text
    return f"{value:.2f}"


def quantity(value: Decimal | int) -> str:
    """A quantity: whole numbers without decimals, others as written (no exponent)."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def bht(envelope: Envelope, structure: str, purpose: str, reference: str, kind: str = "") -> str:
    """BHT: hierarchical structure code, purpose (00 original, 13 request, 11 response,
    08 status), our reference, the creation date and time, and the transaction type."""
    el = envelope.separators.element
    created = envelope.created
    parts = ("BHT", structure, purpose, cleaner(envelope.separators)(reference),
             d8(created.date()), created.strftime("%H%M"), kind)  # fmt: skip
    return el.join(parts).rstrip(el)


def segment(sep: str, *elements: str) -> str:
    """One segment's text: trailing empty elements dropped."""
    return sep.join(elements).rstrip(sep)


@dataclass(frozen=True, slots=True)
class TransactionBody:
    set_id: str  # ST01
    segments: Sequence[str]  # between ST and SE, no terminators


def render_interchange(
    envelope: Envelope,
    functional_id: str,
    version: str,
    transactions: Iterable[TransactionBody],
    *,
    st03: bool = True,
) -> bytes:
    """One interchange with one functional group holding the transaction sets.

    ST02 numbers the sets 0001, 0002, ... within the group (the group control
    number makes them unique); `st03` writes the implementation guide in ST03
    (the 835 guide marks it "not used").
    """
    e = envelope
    seps = e.separators
    el = seps.element
    isa13 = _control(e.interchange_control_number, "interchange control number (ISA13)")
    gs06 = _control(e.group_control_number, "group control number (GS06)")
    created = e.created
    out = [
        el.join(
            (
                "ISA",
                "00",
                " " * 10,
                "00",
                " " * 10,
                _fixed(e.sender_qualifier, 2, "ISA05"),
                _fixed(e.sender_id, 15, "sender id (ISA06)"),
                _fixed(e.receiver_qualifier, 2, "ISA07"),
                _fixed(e.receiver_id, 15, "receiver id (ISA08)"),
                created.strftime("%y%m%d"),
                created.strftime("%H%M"),
                seps.repetition,
                "00501",
                f"{isa13:09d}",
                "1" if e.acknowledgment_requested else "0",
                "P" if e.production else "T",
                seps.component,
            )
        ),
        el.join(
            (
                "GS",
                functional_id,
                e.application_sender or e.sender_id,
                e.application_receiver or e.receiver_id,
                created.strftime("%Y%m%d"),
                created.strftime("%H%M"),
                str(gs06),
                "X",
                version,
            )
        ),
    ]
    count = 0
    for count, body in enumerate(transactions, 1):  # noqa: B007 - count used after the loop
        control = f"{count:04d}"
        if st03:
            out.append(el.join(("ST", body.set_id, control, version)))
        else:
            out.append(el.join(("ST", body.set_id, control)))
        out.extend(body.segments)
        out.append(f"SE{el}{len(body.segments) + 2}{el}{control}")
    if count == 0:
        raise X12Error("an interchange needs at least one transaction set")
    out.append(f"GE{el}{count}{el}{gs06}")
    out.append(f"IEA{el}1{el}{isa13:09d}")
    terminator = seps.segment + ("\n" if e.line_breaks and seps.segment != "\n" else "")
    return (terminator.join(out) + terminator).encode("utf-8")
