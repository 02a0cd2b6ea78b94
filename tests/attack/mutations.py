"""Mutated X12 files for the robustness tests: real seeds, damaged the ways files arrive damaged.

A mutation is a list of operations (`Op`) applied in turn to a seed file. Hypothesis draws
the seed and the operations (`mutated()`), so a failure is replayed from the printed
example and shrunk to the fewest, smallest operations that still break the code. The
operations are the ones issue 8 names (truncation, bad or duplicated separators, wrong
SE/GE/IEA counts, bad amounts, huge segments) plus what a transfer or an editor does
to a file: random byte flips, inserted and deleted bytes, segments dropped, duplicated
or swapped, unknown segments, non-UTF-8 bytes, a duplicated claim (CLP) loop.

Seeds: the public samples in ../shared/samples/x12 (skipped when absent) and files our
own writers produce (`written_seeds()`, always there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "x12"
HUGE = 1 << 20  # a 1 MB element

# Amount-shaped values the reader must refuse or read exactly, never crash on.
BAD_AMOUNTS = (
    "1.234", "abc", "-", "", "1e5", "NaN", "Infinity", "١٢٣", "12,50", "+-1", "--5",
    "99999999999999999999999.99", "0x10", " 12.00", "1_000", ".", "1..2", "-0.00",
)  # fmt: skip
BAD_COUNTS = ("0", "-1", "", "X", "999999999999999999999", "1.5", "٣")


@dataclass(frozen=True)
class Op:
    kind: str
    at: int = 0  # a position (fraction of the length, in 1/10,000ths) or an index
    other: int = 0  # a second position, a byte value, or a choice among variants

    def __str__(self) -> str:
        return f"{self.kind}({self.at},{self.other})"


KINDS = (
    "truncate", "flip", "insert_bytes", "delete_bytes", "drop_segment", "duplicate_segment",
    "swap_segments", "element_separator", "segment_terminator", "double_separator",
    "se_count", "ge_count", "iea_count", "bad_amount", "huge_segment", "huge_element",
    "unknown_segment", "non_utf8", "duplicate_clp", "swap_separators", "empty_elements",
)  # fmt: skip


def _pos(length: int, at: int) -> int:
    return (at * length) // 10_000 if length else 0


def _terminator(data: bytes) -> bytes:
    start = data.find(b"ISA")
    if start >= 0 and len(data) >= start + 106:
        return data[start + 105 : start + 106]
    return b"~"


def _element(data: bytes) -> bytes:
    start = data.find(b"ISA")
    return data[start + 3 : start + 4] if start >= 0 and len(data) > start + 3 else b"*"


def _segments(data: bytes) -> tuple[list[bytes], bytes]:
    term = _terminator(data)
    parts = data.split(term)
    return parts, term


def _join(parts: list[bytes], term: bytes) -> bytes:
    return term.join(parts)


def _edit_element(data: bytes, tag: bytes, index: int, value: bytes, which: int) -> bytes:
    """Element `index` of the `which`-th segment tagged `tag` (modulo their number) set to
    `value`; the file unchanged when there is no such segment."""
    parts, term = _segments(data)
    sep = _element(data)
    hits = [i for i, p in enumerate(parts) if p.lstrip(b"\r\n").split(sep)[0] == tag]
    if not hits:
        return data
    i = hits[which % len(hits)]
    lead = parts[i][: len(parts[i]) - len(parts[i].lstrip(b"\r\n"))]
    elements = parts[i].lstrip(b"\r\n").split(sep)
    while len(elements) <= index:
        elements.append(b"")
    elements[index] = value
    parts[i] = lead + sep.join(elements)
    return _join(parts, term)


_AMOUNT = re.compile(rb"(?<=[*|^:!])-?\d+\.\d\d(?=[*|^:!~\r\n])")


def apply(data: bytes, op: Op) -> bytes:  # noqa: C901 - one branch per kind, on purpose
    n = len(data)
    kind = op.kind
    if kind == "truncate":
        return data[: _pos(n, op.at)]
    if kind == "flip":
        if not n:
            return data
        p = min(_pos(n, op.at), n - 1)
        return data[:p] + bytes([data[p] ^ (op.other % 255 + 1)]) + data[p + 1 :]
    if kind == "insert_bytes":
        p = _pos(n, op.at)
        return data[:p] + bytes([op.other % 256]) * (1 + op.other % 7) + data[p:]
    if kind == "delete_bytes":
        p = _pos(n, op.at)
        return data[:p] + data[p + 1 + op.other % 40 :]
    if kind in ("drop_segment", "duplicate_segment", "swap_segments", "huge_segment",
                "unknown_segment", "empty_elements"):  # fmt: skip
        parts, term = _segments(data)
        if not parts:
            return data
        i = op.at % len(parts)
        if kind == "drop_segment":
            del parts[i]
        elif kind == "duplicate_segment":
            parts.insert(i, parts[i])
        elif kind == "swap_segments":
            j = op.other % len(parts)
            parts[i], parts[j] = parts[j], parts[i]
        elif kind == "huge_segment":
            sep = _element(data)
            parts.insert(i, b"REF" + sep + b"EA" + sep + b"9" * HUGE)
        elif kind == "unknown_segment":
            sep = _element(data)
            tag = (b"ZZZ", b"X", b"1AB", b"NM1NM1", b"", b"ISA")[op.other % 6]
            parts.insert(i, tag + sep + b"1")
        else:  # every element of the segment emptied
            sep = _element(data)
            fields = parts[i].split(sep)
            parts[i] = sep.join([fields[0]] + [b""] * (len(fields) - 1))
        return _join(parts, term)
    if kind == "element_separator":
        # one occurrence of the element separator replaced by another delimiter
        sep = _element(data)
        hits = [m.start() for m in re.finditer(re.escape(sep), data)]
        if not hits:
            return data
        p = hits[op.at % len(hits)]
        other = b"|*:^~>!+\n"[op.other % 9 : op.other % 9 + 1]
        return data[:p] + other + data[p + 1 :]
    if kind == "segment_terminator":
        term = _terminator(data)
        hits = [m.start() for m in re.finditer(re.escape(term), data)]
        if not hits:
            return data
        p = hits[op.at % len(hits)]
        other = (b"", b"~~", b"\n", b"*", b"|", b"~\x00")[op.other % 6]
        return data[:p] + other + data[p + 1 :]
    if kind == "double_separator":
        sep = _element(data)
        hits = [m.start() for m in re.finditer(re.escape(sep), data)]
        if not hits:
            return data
        p = hits[op.at % len(hits)]
        return data[:p] + sep + data[p:]
    if kind == "swap_separators":
        # the whole file written with other delimiters than its ISA announces
        sep, term = _element(data), _terminator(data)
        body_start = data.find(b"ISA") + 106 if b"ISA" in data else 0
        head, body = data[:body_start], data[body_start:]
        body = body.replace(sep, b"|") if op.other % 2 else body.replace(term, b"\n")
        return head + body
    if kind in ("se_count", "ge_count", "iea_count"):
        tag = {"se_count": b"SE", "ge_count": b"GE", "iea_count": b"IEA"}[kind]
        value = BAD_COUNTS[op.other % len(BAD_COUNTS)].encode()
        if op.other % 3 == 0:  # off by one rather than nonsense
            parts, _ = _segments(data)
            sep = _element(data)
            for p in parts:
                fields = p.lstrip(b"\r\n").split(sep)
                if fields[0] == tag and len(fields) > 1 and fields[1].isdigit():
                    value = str(int(fields[1]) + (1 if op.at % 2 else -1)).encode()
                    break
        return _edit_element(data, tag, 1, value, op.at)
    if kind == "bad_amount":
        hits = list(_AMOUNT.finditer(data))
        if not hits:
            return data
        m = hits[op.at % len(hits)]
        value = BAD_AMOUNTS[op.other % len(BAD_AMOUNTS)].encode()
        return data[: m.start()] + value + data[m.end() :]
    if kind == "huge_element":
        p = _pos(n, op.at)
        return data[:p] + b"A" * HUGE + data[p:]
    if kind == "non_utf8":
        p = _pos(n, op.at)
        junk = (b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\x1a", b"\xef\xbb\xbf")
        return data[:p] + junk[op.other % len(junk)] + data[p:]
    if kind == "duplicate_clp":
        parts, term = _segments(data)
        sep = _element(data)
        starts = [i for i, p in enumerate(parts) if p.lstrip(b"\r\n").startswith(b"CLP" + sep)]
        if not starts:
            return data
        s = starts[op.at % len(starts)]
        end = s + 1
        while end < len(parts) and parts[end].lstrip(b"\r\n").split(sep)[0] not in (
            b"CLP", b"SE", b"PLB", b"LX",
        ):  # fmt: skip
            end += 1
        return _join(parts[:end] + parts[s:end] + parts[end:], term)
    raise ValueError(kind)


def mutate(data: bytes, ops: list[Op]) -> bytes:
    for op in ops:
        data = apply(data, op)
    return data


def ops(*, kinds=KINDS, max_ops: int = 3):
    one = st.builds(
        Op, kind=st.sampled_from(kinds), at=st.integers(0, 10_000), other=st.integers(0, 10_000)
    )
    return st.lists(one, min_size=1, max_size=max_ops)


def sample_seeds() -> dict[str, bytes]:
    """The public sample files (all kinds), by name; {} when the folder is absent."""
    if not SAMPLES.is_dir():
        return {}
    return {
        f"{p.parent.name}/{p.name}": p.read_bytes()
        for p in sorted(SAMPLES.glob("*/*"))
        if p.parent.name[:3].isdigit()
    }


def written_seeds() -> dict[str, bytes]:
    """One file of each kind our own writers produce: 837P, 835, 999, 277CA, 276/277, 270/271."""
    from datetime import date

    from medoffice.formats.x12 import read_transactions
    from medoffice.formats.x12.ack_999 import acknowledge, render_999
    from medoffice.formats.x12.claim_837p import parse_837p, render_837p
    from medoffice.formats.x12.claim_ack import acknowledge_claims, render_277ca
    from medoffice.formats.x12.claim_status import render_276, render_277
    from medoffice.formats.x12.common import Entity
    from medoffice.formats.x12.eligibility import render_270, render_271
    from medoffice.formats.x12.remittance import render_835
    from medoffice.formats.x12.synthetic import adjudicate, prepared_claims
    from tests.formats.x12.claims import ENVELOPE, RECEIVER, SUBMITTER
    from tests.formats.x12.test_claim_status import REQUEST, RESPONSE
    from tests.formats.x12.test_eligibility import REQUEST as ELIGIBILITY_REQUEST
    from tests.formats.x12.test_eligibility import RESPONSE as ELIGIBILITY_RESPONSE

    claims = prepared_claims(6, seed=5)
    claim_file = render_837p(
        claims, submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE, reference="FUZZ"
    )
    (claim_tx,) = read_transactions(claim_file)
    ack = acknowledge_claims(
        parse_837p(claim_tx), source=Entity("GATEWAY", "GATEWAY", "46"), source_trace="T1",
        received=date(2026, 11, 3), processed=date(2026, 11, 3),
    )  # fmt: skip
    return {
        "written/837p": claim_file,
        "written/835": render_835(
            [adjudicate(claims, seed=5, messy=True, trace_number="FUZZ1")], envelope=ENVELOPE
        ),
        "written/999": render_999([acknowledge(claim_tx.group)], envelope=ENVELOPE),
        "written/277ca": render_277ca(ack, envelope=ENVELOPE),
        "written/276": render_276([REQUEST], envelope=ENVELOPE, reference="S"),
        "written/277": render_277([RESPONSE], envelope=ENVELOPE, reference="R"),
        "written/270": render_270([ELIGIBILITY_REQUEST], envelope=ENVELOPE, reference="E"),
        "written/271": render_271([ELIGIBILITY_RESPONSE], envelope=ENVELOPE, reference="E"),
    }
