"""The one exception the X12 codec raises for bad input, with where and why."""


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
        self.reason = reason
        self.segment_number = segment_number
        self.offset = offset
        self.segment_id = segment_id
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
