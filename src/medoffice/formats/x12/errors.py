"""The one exception the X12 codec raises for bad input, with where and why."""

import functools


def _printable(text: str) -> str:
    """Control characters of a damaged file shown escaped: the message is stored (PostgreSQL
    text refuses NUL), logged and shown, and must stay one readable line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class X12Error(ValueError):
    """A file (or a record given to a builder) that cannot be read or written as X12.

    `segment_number` counts segments from 1 at the start of the file (the ISA is
    segment 1), `offset` is the byte offset where that segment starts, `segment_id`
    its tag (ISA, CLM, ...), `element` the 1-based element position when one
    element is at fault, and `reason` a plain sentence for support staff. All but
    `reason` may be None when they do not apply (a builder refusing a record).
    """

    def __init__(
        self,
        reason: str,
        *,
        segment_number: int | None = None,
        offset: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
    ) -> None:
        self.reason = _printable(reason)
        self.segment_number = segment_number
        self.offset = offset
        self.segment_id = None if segment_id is None else _printable(segment_id[:20])
        self.element = element
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.segment_number is not None:
            where.append(f"segment {self.segment_number}")
        if self.segment_id:
            ref = self.segment_id
            if self.element is not None:
                ref += f"{self.element:02d}"
            where.append(ref)
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason

    def as_dict(self) -> dict:
        return {
            "reason": self.reason,
            "segment_number": self.segment_number,
            "segment_id": self.segment_id,
            "element": self.element,
            "offset": self.offset,
        }


def incomplete_as_x12error(parse):
    """For a `parse_*(transaction)`: a transaction set whose loops lack a segment the parser
    needs (a claim without its SBR, a service line without its date, a provider loop
    without its NM1), or hold one out of order, surfaces in the parser as a missing key,
    a missing record field or a loop that is not there (KeyError, TypeError, IndexError,
    AttributeError). Those become the X12Error of the input they are, placed at the
    transaction's ST, so a damaged file is refused with a place and a reason instead of
    crashing whoever reads it (found by the mutation fuzzer, tests/attack)."""

    @functools.wraps(parse)
    def wrapper(transaction, *args, **kwargs):
        try:
            return parse(transaction, *args, **kwargs)
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            detail = str(exc).replace("__init__() ", "")
            raise transaction.segments[0].error(
                f"transaction set {transaction.control_number!r} ({transaction.set_id}) is "
                f"incomplete or out of order: a segment it needs is missing ({detail})"
            ) from exc

    return wrapper
