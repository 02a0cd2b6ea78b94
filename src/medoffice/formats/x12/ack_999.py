"""999 implementation acknowledgment, 005010X231A1: did the receiver take our batch?

`parse_999(transaction)` gives a `FunctionalAck`: the group it answers (AK1),
one `TransactionAck` per transaction set (AK2/IK5) with the segment errors
(IK3, with the claim's CLM01 when the sender gave it in CTX) and element
errors (IK4), and the group verdict (AK9). `render_999` writes one (the
simulated clearinghouse); `acknowledge(group)` accepts a group we read.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import X12Error, incomplete_as_x12error
from .reader import FunctionalGroup, Segment, Transaction
from .writer import Envelope, TransactionBody, cleaner, render_interchange

VERSION = "005010X231A1"

TRANSACTION_STATUS = {  # IK501
    "A": "accepted",
    "E": "accepted, but errors were noted",
    "M": "rejected, message authentication code failed",
    "R": "rejected",
    "W": "rejected, assurance failed validity tests",
    "X": "rejected, content after decryption could not be analyzed",
}
GROUP_STATUS = {  # AK901
    "A": "accepted",
    "E": "accepted, but errors were noted",
    "P": "partially accepted, at least one transaction set was rejected",
    "R": "rejected",
    "M": "rejected, message authentication code failed",
    "W": "rejected, assurance failed validity tests",
    "X": "rejected, content after decryption could not be analyzed",
}
TRANSACTION_ERRORS = {  # IK502..IK506
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "transaction set control number in header and trailer do not match",
    "4": "number of included segments does not match actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "8": "authentication key name unknown",
    "9": "encryption key name unknown",
    "10": "requested service (authentication or encryption) not available",
    "11": "unknown security recipient",
    "12": "incorrect message length (encryption only)",
    "13": "message authentication code failed",
    "15": "unknown security originator",
    "16": "syntax error in decrypted text",
    "17": "security not supported",
    "18": "transaction set not in functional group",
    "19": "invalid transaction set implementation convention reference",
    "23": "transaction set control number not unique within the functional group",
    "24": "S3E security end segment missing for S3S security start segment",
    "25": "S3S security start segment missing for S3E security end segment",
    "26": "S4E security end segment missing for S4S security start segment",
    "27": "S4S security start segment missing for S4E security end segment",
    "I5": "implementation one or more segments in error",
    "I6": "implementation convention not supported",
}
GROUP_ERRORS = {  # AK905..AK909
    "1": "functional group not supported",
    "2": "functional group version not supported",
    "3": "functional group trailer missing",
    "4": "group control number in the functional group header and trailer do not agree",
    "5": "number of included transaction sets does not match actual count",
    "6": "group control number violates syntax",
    "10": "authentication key name unknown",
    "11": "encryption key name unknown",
    "12": "requested service (authentication or encryption) not available",
    "13": "unknown security recipient",
    "14": "unknown security originator",
    "15": "syntax error in decrypted text",
    "16": "security not supported",
    "17": "incorrect message length (encryption only)",
    "18": "message authentication code failed",
    "19": "functional group control number not unique within interchange",
    "23": "S3E security end segment missing for S3S security start segment",
    "24": "S3S security start segment missing for S3E security end segment",
    "25": "S4E security end segment missing for S4S security start segment",
    "26": "S4S security start segment missing for S4E security end segment",
}
SEGMENT_ERRORS = {  # IK304
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": "implementation 'not used' segment present",
    "I6": "implementation dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": "implementation dependent 'not used' segment present",
}
ELEMENT_ERRORS = {  # IK403
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in implementation",
    "I9": "implementation dependent data element missing",
    "I10": "implementation 'not used' data element present",
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": "implementation dependent 'not used' data element present",
}


@dataclass(frozen=True, slots=True)
class ElementError:
    position: int  # IK401-1: element position in the segment
    code: str  # IK403 (ELEMENT_ERRORS)
    component: int | None = None  # IK401-2
    data_element: str = ""  # IK402: the data element reference number
    bad_value: str = ""  # IK404

    def explain(self) -> str:
        where = f"element {self.position}"
        if self.component:
            where += f", component {self.component}"
        text = f"{where}: {ELEMENT_ERRORS.get(self.code, 'error ' + self.code)}"
        return f"{text} ({self.bad_value!r})" if self.bad_value else text


@dataclass(frozen=True, slots=True)
class SegmentError:
    segment_id: str  # IK301
    position: int  # IK302: segment position counted from ST (1)
    code: str  # IK304 (SEGMENT_ERRORS)
    loop: str = ""  # IK303
    claim_reference: str = ""  # CTX*CLM01:... the claim's patient control number
    elements: tuple[ElementError, ...] = ()

    def explain(self) -> str:
        text = (
            f"{self.segment_id} at segment {self.position}: "
            f"{SEGMENT_ERRORS.get(self.code, 'error ' + self.code)}"
        )
        if self.claim_reference:
            text = f"claim {self.claim_reference}: {text}"
        details = "; ".join(e.explain() for e in self.elements)
        return f"{text} ({details})" if details else text


@dataclass(frozen=True, slots=True)
class TransactionAck:
    set_id: str  # AK201
    control_number: str  # AK202: our ST02
    status: str  # IK501 (TRANSACTION_STATUS)
    version: str = ""  # AK203
    errors: tuple[str, ...] = ()  # IK502..IK506 (TRANSACTION_ERRORS)
    segment_errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    def explain(self) -> list[str]:
        lines = [f"transaction set {self.control_number}: {TRANSACTION_STATUS[self.status]}"]
        lines += [TRANSACTION_ERRORS.get(code, "error " + code) for code in self.errors]
        lines += [e.explain() for e in self.segment_errors]
        return lines


@dataclass(frozen=True, slots=True)
class FunctionalAck:
    functional_id: str  # AK101: HC for an 837
    group_control_number: str  # AK102: our GS06
    status: str  # AK901 (GROUP_STATUS)
    included: int  # AK902
    received: int  # AK903
    accepted_count: int  # AK904
    version: str = ""  # AK103
    transactions: tuple[TransactionAck, ...] = ()
    errors: tuple[str, ...] = ()  # AK905..AK909 (GROUP_ERRORS)

    @property
    def accepted(self) -> bool:
        """The whole group went through (possibly with noted errors)."""
        return self.status in ("A", "E")

    def explain(self) -> list[str]:
        lines = [f"group {self.group_control_number}: {GROUP_STATUS[self.status]}"]
        lines += [GROUP_ERRORS.get(code, "error " + code) for code in self.errors]
        for transaction in self.transactions:
            lines += transaction.explain()
        return lines


def acknowledge(
    group: FunctionalGroup, rejected: dict[str, tuple[SegmentError, ...]] | None = None
):
    """The 999 a clearinghouse would send for a group we read: all accepted, but for
    the transaction sets named in `rejected` (ST02 -> their segment errors)."""
    rejected = rejected or {}
    acks = []
    for transaction in group.transactions:
        errors = rejected.get(transaction.control_number)
        acks.append(
            TransactionAck(
                transaction.set_id,
                transaction.control_number,
                "R" if errors else "A",
                transaction.reference,
                ("5",) if errors else (),
                tuple(errors or ()),
            )
        )
    accepted = sum(1 for a in acks if a.accepted)
    status = "A" if accepted == len(acks) else "R" if accepted == 0 else "P"
    return FunctionalAck(
        group.functional_id,
        group.control_number,
        status,
        len(acks),
        len(acks),
        accepted,
        group.version,
        tuple(acks),
    )


def render_999(acks: list[FunctionalAck], *, envelope: Envelope) -> bytes:
    """One 999 transaction set per acknowledged group."""
    seps = envelope.separators
    el, co = seps.element, seps.component
    clean = cleaner(seps)
    bodies = []
    for ack in acks:
        out = [
            el.join(("AK1", ack.functional_id, ack.group_control_number, ack.version)).rstrip(el)
        ]
        for t in ack.transactions:
            out.append(el.join(("AK2", t.set_id, t.control_number, t.version)).rstrip(el))
            for s in t.segment_errors:
                out.append(el.join(("IK3", s.segment_id, str(s.position), s.loop, s.code)))
                if s.claim_reference:
                    out.append(f"CTX{el}CLM01{co}{clean(s.claim_reference)}")
                for e in s.elements:
                    position = str(e.position) + (f"{co}{e.component}" if e.component else "")
                    out.append(
                        el.join(
                            ("IK4", position, e.data_element, e.code, clean(e.bad_value))
                        ).rstrip(el)
                    )
            out.append(el.join(("IK5", t.status, *t.errors[:5])))
        out.append(
            el.join(
                (
                    "AK9",
                    ack.status,
                    str(ack.included),
                    str(ack.received),
                    str(ack.accepted_count),
                    *ack.errors[:5],
                )
            )
        )
        bodies.append(TransactionBody("999", out))
    if not bodies:
        raise X12Error("a 999 needs at least one acknowledged group")
    return render_interchange(envelope, "FA", VERSION, bodies)


def _code(s: Segment, index: int, table: dict, what: str) -> str:
    value = s[index]
    if value not in table:
        raise s.error(f"unknown {what} {value!r}", index)
    return value


def _int(s: Segment, index: int) -> int:
    value = s[index]
    if not value.isdigit():
        raise s.error(f"{value!r} is not a count", index)
    return int(value)


@incomplete_as_x12error
def parse_999(transaction: Transaction) -> FunctionalAck:
    if transaction.set_id != "999":
        raise transaction.segments[0].error(f"expected a 999, found a {transaction.set_id}", 1)
    body = transaction.body()
    if not body or body[0].id != "AK1":
        raise transaction.segments[0].error("a 999 starts with AK1")
    ak1 = body[0]
    acks: list[TransactionAck] = []
    current: dict | None = None
    segment_errors: list[SegmentError] = []
    for s in body[1:]:
        tag = s.id
        if tag == "AK2":
            current = {"set_id": s[1], "control_number": s[2], "version": s[3]}
            segment_errors = []
        elif tag == "IK3":
            if current is None:
                raise s.error("IK3 outside a transaction set response (no AK2)")
            segment_errors.append(
                SegmentError(
                    s[1], _int(s, 2), _code(s, 4, SEGMENT_ERRORS, "segment error code"), s[3]
                )
            )
        elif tag == "CTX" and segment_errors:
            parts = s.components(1)
            if parts and parts[0] == "CLM01" and len(parts) > 1:
                last = segment_errors[-1]
                segment_errors[-1] = SegmentError(
                    last.segment_id, last.position, last.code, last.loop, parts[1], last.elements
                )
        elif tag == "IK4":
            if not segment_errors:
                raise s.error("IK4 without the IK3 it belongs to")
            position = s.components(1)
            if not position or not position[0].isdigit():
                raise s.error(f"{s[1]!r} is not an element position", 1)
            error = ElementError(
                int(position[0]),
                _code(s, 3, ELEMENT_ERRORS, "element error code"),
                int(position[1]) if len(position) > 1 and position[1].isdigit() else None,
                s[2],
                s[4],
            )
            last = segment_errors[-1]
            segment_errors[-1] = SegmentError(
                last.segment_id,
                last.position,
                last.code,
                last.loop,
                last.claim_reference,
                last.elements + (error,),
            )
        elif tag == "IK5":
            if current is None:
                raise s.error("IK5 without its AK2")
            status = _code(s, 1, TRANSACTION_STATUS, "transaction set acknowledgment code")
            codes = tuple(s[i] for i in range(2, 7) if s[i])
            for i, code in enumerate(codes, 2):
                if code not in TRANSACTION_ERRORS:
                    raise s.error(f"unknown transaction set syntax error code {code!r}", i)
            acks.append(
                TransactionAck(
                    status=status, errors=codes, segment_errors=tuple(segment_errors), **current
                )
            )
            current = None
        elif tag == "AK9":
            if current is not None:
                raise s.error("AK9 before the IK5 of the last AK2")
            status = _code(s, 1, GROUP_STATUS, "functional group acknowledgment code")
            codes = tuple(s[i] for i in range(5, 10) if s[i])
            for i, code in enumerate(codes, 5):
                if code not in GROUP_ERRORS:
                    raise s.error(f"unknown functional group syntax error code {code!r}", i)
            return FunctionalAck(
                ak1[1],
                ak1[2],
                status,
                _int(s, 2),
                _int(s, 3),
                _int(s, 4),
                ak1[3],
                tuple(acks),
                codes,
            )
        else:
            raise s.error(f"unexpected {tag} in a 999")
    raise transaction.segments[-1].error("a 999 ends with AK9, which is missing")
