"""The pipe-and-hat encoding: delimiters, escaping, segments, timestamps.

A field is given as a plain string, a tuple of components (each a string or a
tuple of subcomponents), or `Repeated` values. Every piece of data is escaped
here, once, so a name like `O'Brien|Smith^Jr` can never break the structure of
a message; delimiters in the structure itself are never escaped.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

# A component is one value or a tuple of subcomponents; None and "" are empty.
Component = str | None | tuple[str | None, ...]


@dataclass(frozen=True)
class Repeated:
    """A repeating field: each item is rendered like a field and joined with `~`."""

    items: tuple["FieldValue", ...]


FieldValue = str | None | tuple[Component, ...] | Repeated


@dataclass(frozen=True)
class Delimiters:
    """The separators of one message; MSH-1 and MSH-2 announce them to the receiver."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"
    segment: str = "\r"

    @property
    def encoding_characters(self) -> str:
        """MSH-2: component, repetition, escape and subcomponent separators, in that order."""
        return self.component + self.repetition + self.escape + self.subcomponent


STANDARD = Delimiters()


def escape(text: str, delimiters: Delimiters = STANDARD) -> str:
    """Escape data per HL7 v2 section 2.7: \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ and \\Xhh\\ for controls.

    Control characters (carriage return, line feed, the MLLP framing bytes) are
    written as hexadecimal escapes, so data can never end a segment or a frame.
    """
    if not text:
        return text
    d = delimiters
    # The standard delimiters' pattern without hashing them (a message escapes ~130 values).
    special = _STANDARD_SPECIAL if d is STANDARD else _special_characters(d)
    if not special.search(text):
        return text  # most data: names, codes, times
    named = {
        d.escape: "E",
        d.field: "F",
        d.component: "S",
        d.subcomponent: "T",
        d.repetition: "R",
    }

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        code = named.get(char) or f"X{ord(char):02X}"
        return f"{d.escape}{code}{d.escape}"

    return special.sub(replace, text)


@cache
def _special_characters(delimiters: Delimiters) -> re.Pattern[str]:
    d = delimiters
    delimiter_chars = re.escape(d.escape + d.field + d.component + d.subcomponent + d.repetition)
    return re.compile(f"[{delimiter_chars}\\x00-\\x1f\\x7f]")


_STANDARD_SPECIAL = _special_characters(STANDARD)


def unescape(text: str, delimiters: Delimiters = STANDARD) -> str:
    """The inverse of `escape` for the sequences it writes; others are kept as they are."""
    d = delimiters
    named = {
        "E": d.escape,
        "F": d.field,
        "S": d.component,
        "T": d.subcomponent,
        "R": d.repetition,
    }
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        end = text.find(d.escape, i + 1) if char == d.escape else -1
        if end == -1:
            out.append(char)
            i += 1
            continue
        code = text[i + 1 : end]
        if code in named:
            out.append(named[code])
        elif code.startswith("X") and len(code) > 1 and len(code) % 2 == 1:
            try:
                out.append(bytes.fromhex(code[1:]).decode("latin-1"))
            except ValueError:
                out.append(text[i : end + 1])
        else:
            out.append(text[i : end + 1])
        i = end + 1
    return "".join(out)


def _trim(parts: list[str]) -> list[str]:
    """Trailing empty parts are not sent (HL7 v2 section 2.5.3)."""
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _component(value: Component, d: Delimiters) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return d.subcomponent.join(_trim([escape(v or "", d) for v in value]))
    return escape(value, d)


def render_field(value: FieldValue, delimiters: Delimiters = STANDARD) -> str:
    d = delimiters
    if value is None:
        return ""
    if isinstance(value, Repeated):
        return d.repetition.join(render_field(item, d) for item in value.items)
    if isinstance(value, tuple):
        return d.component.join(_trim([_component(c, d) for c in value]))
    return escape(value, d)


def render_segment(
    name: str, fields: Sequence[FieldValue], delimiters: Delimiters = STANDARD
) -> str:
    """`name|field 1|field 2|...`; MSH's fields start at MSH-3 (MSH-1, -2 are the delimiters)."""
    d = delimiters
    rendered = _trim([render_field(f, d) for f in fields])
    if name == "MSH":
        return d.field.join(["MSH", d.encoding_characters, *rendered])
    return d.field.join([name, *rendered])


def render_message(segments: Sequence[str], delimiters: Delimiters = STANDARD) -> str:
    """Segments end with a carriage return, the last one included."""
    return "".join(segment + delimiters.segment for segment in segments)


def hl7_timestamp(instant: datetime) -> str:
    """DTM to the second with the instant's own UTC offset: YYYYMMDDHHMMSS+ZZZZ.

    The offset is part of the value, so a receiver in any zone reads the same
    instant; naive datetimes are refused rather than guessed.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("HL7 timestamps need an aware datetime")
    return instant.strftime("%Y%m%d%H%M%S%z")


def hl7_date(day: date) -> str:
    return day.strftime("%Y%m%d")
