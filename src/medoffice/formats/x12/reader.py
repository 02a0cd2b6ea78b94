"""Reading X12: separators from the ISA, segments streamed, envelopes checked.

The ISA segment is 106 characters with fixed-width elements; its 4th character
is the element separator, ISA11 the repetition separator, ISA16 the component
separator and the character after it the segment terminator. Nothing is
assumed: a file written with `|`, `>` and a newline terminator reads the same
as one with `*`, `:` and `~`. Line breaks after terminators are ignored.

`iter_segments` yields `Segment`s while reading the source in chunks, so a
large file is never held whole; `iter_transactions` groups them into
transaction sets (ST..SE) while checking the envelopes as they close: SE01
segment counts, GE01 transaction counts, IEA01 group counts and every control
number pair. Each problem raises `X12Error` with the segment number, the byte
offset and the reason.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from .errors import X12Error

CHUNK = 1 << 20
ISA_LENGTH = 106
# Width of ISA01..ISA16; the element separator follows each but the last.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
# Tags of the transactions we read (any other well-formed tag is checked by _SEGMENT_ID).
_TAG_WORDS = (
    "ISA IEA GS GE ST SE BHT NM1 N1 N3 N4 PER REF DTP DTM HL PRV SBR PAT DMG CLM HI LX SV1 "
    "SVD CAS AMT OI TRN EQ EB MSG AAA LS LE INS STC QTY SVC BPR CLP PLB MOA MIA LQ TS3 TS2 "
    "AK1 AK2 IK3 IK4 IK5 AK9 CTX TA1"
)
_KNOWN_TAGS = frozenset(_TAG_WORDS.split())


def _isa_separator_positions() -> tuple[int, ...]:
    positions, at = [], 3
    for width in ISA_WIDTHS:
        positions.append(at)
        at += 1 + width
    return tuple(positions)


ISA_SEPARATOR_AT = _isa_separator_positions()  # (3, 6, 17, ..., 103)


@dataclass(frozen=True, slots=True)
class Separators:
    """The four delimiters of one interchange (ISA: 4th character, ISA11, ISA16, terminator)."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = (self.element, self.component, self.repetition, self.segment)
        for char in chars:
            if len(char) != 1 or not char.isascii() or char.isalnum() or char == " ":
                raise X12Error(
                    f"separator {char!r} is not one ASCII character outside letters, digits "
                    "and space"
                )
        if len(set(chars)) != 4:
            raise X12Error(f"separators must differ from each other, got {''.join(chars)!r}")


DEFAULT_SEPARATORS = Separators()


# Segments are padded with empty elements to this many, so that reading an element the
# sender left out gives "" with plain (C-speed) list indexing: parsers index a lot.
PADDED = 24
_PAD = ("",) * PADDED


class Segment(list):
    """One segment: `segment[0]` is the tag; `segment[i]` is element i, "" when absent.

    A list of the elements padded with "" (see PADDED); `size` is the real count.
    `number` counts segments from 1 at the start of the file, `offset` is the byte
    offset where the segment starts.
    """

    __slots__ = ("number", "offset", "separators", "size")

    number: int
    offset: int
    separators: Separators
    size: int

    @classmethod
    def of(cls, elements: list[str], number: int, offset: int, separators: Separators) -> Segment:
        size = len(elements)
        if size < PADDED:
            elements += _PAD[size:]
        segment = cls(elements)
        segment.number = number
        segment.offset = offset
        segment.separators = separators
        segment.size = size
        return segment

    @property
    def id(self) -> str:
        return self[0]

    @property
    def elements(self) -> list[str]:
        """The elements as sent (without the padding)."""
        return list(self[: self.size])

    def components(self, index: int) -> list[str]:
        """Element `index` split on the component separator ([] when empty)."""
        value = self[index]
        return value.split(self.separators.component) if value else []

    def repeats(self, index: int) -> list[str]:
        value = self[index]
        return value.split(self.separators.repetition) if value else []

    def error(self, reason: str, element: int | None = None) -> X12Error:
        return X12Error(
            reason,
            segment_number=self.number,
            offset=self.offset,
            segment_id=self[0],
            element=element,
        )

    def text(self) -> str:
        return self.separators.element.join(self[: self.size])

    def __repr__(self) -> str:
        return f"<Segment {self.number} {self.text()!r}>"

    __hash__ = None  # type: ignore[assignment]


@dataclass(slots=True)
class InterchangeHeader:
    """What the ISA says (ISA05..ISA15) and the separators it announced."""

    separators: Separators
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    control_number: str
    acknowledgment_requested: bool
    usage: str  # "T" test, "P" production

    @property
    def is_production(self) -> bool:
        return self.usage == "P"


@dataclass(slots=True)
class FunctionalGroup:
    functional_id: str  # GS01: HC 837, HB 271, HS 270, HN 277, HR 276, FA 999, HP 835
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    version: str  # GS08, e.g. 005010X222A1
    interchange: InterchangeHeader
    transactions: list[Transaction] = field(default_factory=list)


@dataclass(slots=True)
class Transaction:
    """One transaction set: its segments from ST to SE inclusive."""

    set_id: str  # ST01: 837, 835, 270, ...
    control_number: str  # ST02
    reference: str  # ST03 (implementation guide), may be ""
    segments: list[Segment]
    group: FunctionalGroup

    @property
    def version(self) -> str:
        return self.reference or self.group.version

    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        return self.segments[1:-1]


@dataclass(slots=True)
class Interchange:
    header: InterchangeHeader
    groups: list[FunctionalGroup]

    def transactions(self) -> Iterator[Transaction]:
        for group in self.groups:
            yield from group.transactions


# The file's bytes, a path (str or Path), or a binary file object.
Source = bytes | bytearray | str | os.PathLike | IO[bytes]


def _open(source: Source) -> tuple[IO[bytes], bool]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), True
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True  # noqa: SIM115 - closed by the caller below
    return source, False


def separators_from_isa(head: bytes, offset: int = 0, number: int = 1) -> Separators:
    """The separators an ISA announces, after checking its fixed-width layout."""

    def fail(reason: str, element: int | None = None) -> X12Error:
        return X12Error(
            reason, segment_number=number, offset=offset, segment_id="ISA", element=element
        )

    if not head.startswith(b"ISA"):
        found = head[:3].decode("latin-1")
        raise X12Error(
            f"an interchange must start with ISA, found {found!r}",
            segment_number=number,
            offset=offset,
        )
    if len(head) < ISA_LENGTH:
        raise fail(f"the file ends inside the ISA ({len(head)} of {ISA_LENGTH} characters)")
    isa = head[:ISA_LENGTH].decode("latin-1")
    element = isa[3]
    for index, at in enumerate(ISA_SEPARATOR_AT):
        if isa[at] != element:
            if index == 0:
                raise fail("ISA has no element separator after the tag")
            width = ISA_WIDTHS[index - 1]
            raise fail(
                f"ISA{index:02d} must be exactly {width} characters wide "
                f"(expected the element separator {element!r} at character {at + 1}, "
                f"found {isa[at]!r})",
                element=index,
            )
    if isa[:105].count(element) != 16:
        raise fail(f"the element separator {element!r} also appears inside an ISA element")
    repetition, component, terminator = isa[82], isa[104], isa[105]
    if isa[84:89] != "00501":
        raise fail(f"ISA12 version {isa[84:89]!r} is not 00501 (X12 5010)", element=12)
    try:
        return Separators(element, component, repetition, terminator)
    except X12Error as exc:
        raise fail(exc.reason) from None


def iter_segments(source: Source, *, chunk_size: int = CHUNK) -> Iterator[Segment]:
    """Yield every segment of the source, reading it in chunks."""
    stream, close = _open(source)
    try:
        yield from _segments(stream, chunk_size)
    finally:
        if close:
            stream.close()


def _decoded(piece: bytes) -> str:
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return piece.decode("latin-1")


def _segments(stream: IO[bytes], chunk_size: int) -> Iterator[Segment]:
    buffer = stream.read(max(chunk_size, 4096))
    skipped = 0
    if buffer.startswith(b"\xef\xbb\xbf"):
        skipped = 3
    while skipped < len(buffer) and buffer[skipped] in b" \t\r\n":
        skipped += 1
    buffer = buffer[skipped:]
    if not buffer:
        raise X12Error("the file is empty", segment_number=1, offset=skipped)
    seps = separators_from_isa(buffer, skipped)
    term = seps.segment.encode("latin-1")
    element = seps.element
    pad = _PAD
    known = _KNOWN_TAGS
    blank = (b"\r", b"\n", b" ", b"\t")
    number = 0
    offset = skipped  # byte offset of buffer[0] in the file
    while True:
        pieces = buffer.split(term)
        rest = pieces.pop()
        # Most files are ASCII: the chunk is decoded once (a character is then a byte, so
        # offsets still count bytes); otherwise each segment as UTF-8, or else Latin-1.
        whole = buffer[: len(buffer) - len(rest)]
        if whole.isascii():
            texts = whole.decode("ascii").split(seps.segment)
            texts.pop()  # after the last terminator: `rest`, read with the next chunk
        else:
            texts = [_decoded(piece) for piece in pieces]
        for piece, text in zip(pieces, texts, strict=True):
            start = offset
            offset += len(piece) + 1
            lead = 0
            if piece[:1] in blank:
                stripped = piece.lstrip(b"\r\n \t")
                lead = len(piece) - len(stripped)
                piece = stripped
                text = text.lstrip("\r\n \t")
            if not piece:
                continue
            number += 1
            segment = Segment(text.split(element))
            size = len(segment)
            if size < PADDED:
                segment += pad[size:]
            segment.number = number
            segment.offset = start + lead
            segment.separators = seps
            segment.size = size
            tag = segment[0]
            if tag not in known and not _SEGMENT_ID.match(tag):
                raise segment.error(
                    f"{tag[:20]!r} is not a segment tag: the file is damaged or does not use "
                    f"the separators its ISA announced (element {seps.element!r}, "
                    f"segment terminator {seps.segment!r})"
                )
            if tag == "ISA" and number > 1:
                again = separators_from_isa(piece + term, start + lead, number)
                if again != seps:
                    raise segment.error(
                        "a second interchange in the file uses other separators; "
                        "split the file into one interchange per file"
                    )
            yield segment
        more = stream.read(chunk_size)
        if not more:
            tail = rest.strip(b"\r\n \t\x00\x1a")
            if tail:
                shown = tail[:30].decode("latin-1")
                raise X12Error(
                    f"the file ends inside a segment (no terminator {seps.segment!r} "
                    f"after {shown!r}): the file is truncated",
                    segment_number=number + 1,
                    offset=offset + (len(rest) - len(rest.lstrip(b"\r\n \t"))),
                )
            return
        buffer = rest + more


def iter_transactions(source: Source, *, chunk_size: int = CHUNK) -> Iterator[Transaction]:
    """Yield each transaction set (ST..SE) as its SE arrives; envelopes checked on the way.

    A transaction is yielded before the GE and IEA after it are read: a caller
    that must not act on a file with a broken trailer reads it all first
    (`read_interchanges`) or finishes the iteration before committing.
    """
    header: InterchangeHeader | None = None
    group: FunctionalGroup | None = None
    segments: list[Segment] | None = None
    groups = transactions = 0
    isa: Segment | None = None
    gs: Segment | None = None
    last: Segment | None = None
    for segment in iter_segments(source, chunk_size=chunk_size):
        last = segment
        tag = segment[0]
        if segments is not None:
            segments.append(segment)
            if tag == "SE":
                yield _close_transaction(segments, group)  # type: ignore[arg-type]
                transactions += 1
                segments = None
            elif tag in ("ST", "GS", "GE", "ISA", "IEA"):
                raise segment.error(
                    f"{tag} inside transaction set {segments[0][2]!r}: its SE is missing"
                )
            continue
        if tag == "ST":
            if group is None:
                raise segment.error("ST outside a functional group (no GS before it)")
            if not segment[1] or not segment[2]:
                raise segment.error("ST01 and ST02 are required")
            segments = [segment]
        elif tag == "GS":
            if header is None:
                raise segment.error("GS outside an interchange (no ISA before it)")
            if group is not None:
                raise segment.error("GS inside a functional group: the GE before it is missing")
            if segment.size < 9 or not segment[6]:
                raise segment.error("GS must have 8 elements with GS06 the control number")
            group = FunctionalGroup(
                functional_id=segment[1],
                sender=segment[2],
                receiver=segment[3],
                date=segment[4],
                time=segment[5],
                control_number=segment[6],
                version=segment[8],
                interchange=header,
            )
            gs, transactions = segment, 0
        elif tag == "GE":
            if group is None or gs is None:
                raise segment.error("GE without a GS")
            _check_count(segment, 1, transactions, "transaction sets in the group")
            if segment[2] != group.control_number:
                raise segment.error(
                    f"GE02 {segment[2]!r} does not match GS06 {group.control_number!r}", 2
                )
            group, gs = None, None
            groups += 1
        elif tag == "ISA":
            if header is not None:
                raise segment.error("ISA inside an interchange: the IEA before it is missing")
            header = _header(segment)
            isa, groups = segment, 0
        elif tag == "IEA":
            if header is None or isa is None:
                raise segment.error("IEA without an ISA")
            if group is not None:
                raise segment.error("IEA inside a functional group: the GE before it is missing")
            _check_count(segment, 1, groups, "functional groups in the interchange")
            if segment[2] != header.control_number:
                raise segment.error(
                    f"IEA02 {segment[2]!r} does not match ISA13 {header.control_number!r}", 2
                )
            header, isa = None, None
        elif tag == "TA1" and header is not None and group is None:
            continue  # an interchange acknowledgment; carries no transaction
        else:
            raise segment.error(f"{tag} outside a transaction set (expected ST, GE, GS or IEA)")
    if segments is not None or group is not None or header is not None:
        missing = "SE" if segments is not None else "GE" if group is not None else "IEA"
        number = last.number if last else 0
        raise X12Error(
            f"the file ends without its {missing} (last segment {number} is "
            f"{last.id if last else 'none'}): the file is truncated",
            segment_number=number,
            offset=last.offset if last else None,
            segment_id=last.id if last else None,
        )


def _check_count(segment: Segment, index: int, actual: int, what: str) -> None:
    said = segment[index]
    if not said.isdigit() or int(said) != actual:
        raise segment.error(
            f"{segment.id}{index:02d} says {said!r} but there are {actual} {what}", index
        )


def _close_transaction(segments: list[Segment], group: FunctionalGroup) -> Transaction:
    st, se = segments[0], segments[-1]
    _check_count(se, 1, len(segments), "segments from ST to SE")
    if se[2] != st[2]:
        raise se.error(f"SE02 {se[2]!r} does not match ST02 {st[2]!r}", 2)
    transaction = Transaction(st[1], st[2], st[3], segments, group)
    return transaction


def _header(isa: Segment) -> InterchangeHeader:
    return InterchangeHeader(
        separators=isa.separators,
        sender_qualifier=isa[5],
        sender_id=isa[6].rstrip(),
        receiver_qualifier=isa[7],
        receiver_id=isa[8].rstrip(),
        date=isa[9],
        time=isa[10],
        control_number=isa[13],
        acknowledgment_requested=isa[14] == "1",
        usage=isa[15],
    )


def read_interchanges(source: Source) -> list[Interchange]:
    """Read a whole file: every interchange, group and transaction, all envelopes checked."""
    result: list[Interchange] = []
    for transaction in iter_transactions(source):
        group = transaction.group
        if not result or result[-1].header is not group.interchange:
            result.append(Interchange(group.interchange, []))
        groups = result[-1].groups
        if not groups or groups[-1] is not group:
            groups.append(group)
        group.transactions.append(transaction)
    return result


def read_transactions(source: Source) -> list[Transaction]:
    """Every transaction set of the file, after the whole file's envelopes checked."""
    return list(iter_transactions(source))
