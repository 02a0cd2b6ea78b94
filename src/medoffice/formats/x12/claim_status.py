"""Claim status: the STC codes shared by 277CA and 277, and the 276/277 pair (005010X212).

`ClaimStatus` is one claim's status as a payer or clearinghouse reports it;
`render_276` asks about claims we sent (no answer after N days), `parse_277`
reads the answers (one `ClaimStatusResponse` per subscriber or dependent), and
`render_277` / `parse_276` are the payer's side for the demo and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .common import (
    Entity,
    Person,
    entity_from,
    entity_nm1,
    parse_amount,
    parse_d8,
    person_dmg,
    person_from,
    person_nm1,
)
from .errors import X12Error, incomplete_as_x12error
from .reader import Segment, Transaction
from .writer import (
    Envelope,
    TransactionBody,
    amount,
    bht,
    cleaner,
    d8,
    quantity,
    render_interchange,
)

VERSION = "005010X212"

# STC01-1 health care claim status category codes (the closed list of 005010).
CATEGORIES = {
    "A0": "acknowledgement: forwarded",
    "A1": "acknowledgement: receipt",
    "A2": "acknowledgement: accepted into the adjudication system",
    "A3": "acknowledgement: returned as unprocessable claim",
    "A4": "acknowledgement: not found",
    "A5": "acknowledgement: split claim",
    "A6": "acknowledgement: rejected for missing information",
    "A7": "acknowledgement: rejected for invalid information",
    "A8": "acknowledgement: rejected for relational field in error",
    "D0": "data search unsuccessful",
    "DR01": "data reporting: acknowledgement of receipt",
    "DR02": "data reporting: acknowledgement of acceptance",
    "DR03": "data reporting: returned as unprocessable",
    "DR04": "data reporting: not found",
    "DR05": "data reporting: rejected for missing information",
    "DR06": "data reporting: rejected for invalid information",
    "DR07": "data reporting: rejected for relational field in error",
    "DR08": "data reporting: warning",
    "E0": "response not possible: error on submitted request data",
    "E1": "response not possible: system status",
    "E2": "information holder is not responding; resubmit at a later time",
    "E3": "correction required: relational fields in error",
    "E4": "trading partner agreement specific requirement not met",
    "F0": "finalized",
    "F1": "finalized: payment",
    "F2": "finalized: denial",
    "F3": "finalized: revised",
    "F3F": "finalized: forwarded",
    "F3N": "finalized: not forwarded",
    "F4": "finalized: adjudication complete, no payment forthcoming",
    "P0": "pending: adjudication details",
    "P1": "pending: in process",
    "P2": "pending: payer review",
    "P3": "pending: provider requested information",
    "P4": "pending: patient requested information",
    "P5": "pending: payer administrative/system hold",
    "RQ": "general questions (yes/no responses)",
    # R0-R17: the payer asks for more information (the status code says what).
    **{f"R{n}": "request for additional information" for n in range(18)},
}
REJECTED = {"A3", "A4", "A6", "A7", "A8", "DR03", "DR04", "DR05", "DR06", "DR07", "E0", "E3"}
ACCEPTED = {"A0", "A1", "A2", "A5", "DR01", "DR02"}
FINALIZED = {"F0", "F1", "F2", "F3", "F3F", "F3N", "F4"}
PENDING = {"P0", "P1", "P2", "P3", "P4", "P5"}
# STC01-2 claim status codes: an external list of several hundred; the common ones in words.
STATUS_CODES = {
    "0": "cannot provide further status electronically",
    "1": "for more detailed information, see remittance advice",
    "3": "claim has been adjudicated and is awaiting payment cycle",
    "16": "claim/encounter has been forwarded to entity",
    "19": "entity acknowledges receipt of claim/encounter",
    "20": "accepted for processing",
    "21": "missing or invalid information",
    "35": "claim/encounter not found",
}
ENTITIES = {
    "03": "dependent",
    "1P": "provider",
    "36": "employer",
    "40": "receiver",
    "41": "submitter",
    "77": "service location",
    "82": "rendering provider",
    "85": "billing provider",
    "DN": "referring provider",
    "IL": "subscriber",
    "PR": "payer",
    "QC": "patient",
}


@dataclass(frozen=True, slots=True)
class StatusCode:
    category: str  # CATEGORIES
    code: str  # STATUS_CODES (external list)
    entity: str = ""  # whose data the status is about (ENTITIES)

    def explain(self) -> str:
        text = CATEGORIES[self.category]
        detail = STATUS_CODES.get(self.code, f"status code {self.code}") if self.code else ""
        if detail:
            text += f"; {detail}"
        if self.entity:
            text += f" ({ENTITIES.get(self.entity, 'entity ' + self.entity)})"
        return text


@dataclass(frozen=True, slots=True)
class ServiceLineStatus:
    procedure_code: str
    charge: Decimal
    statuses: tuple[StatusCode, ...]
    paid: Decimal | None = None
    units: Decimal | int | None = None
    modifiers: tuple[str, ...] = ()
    effective_date: date | None = None
    line_control_number: str = ""  # REF*FJ: our REF*6R
    service_date: date | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    patient_control_number: str  # our CLM01
    statuses: tuple[StatusCode, ...]  # STC01, STC10, STC11
    effective_date: date | None = None  # STC02
    total_charge: Decimal | None = None  # STC04
    action: str = ""  # STC03 (277CA): WQ accepted, U rejected
    paid: Decimal | None = None  # STC05 (277)
    paid_date: date | None = None  # STC06
    check_number: str = ""  # STC09
    payer_claim_number: str = ""  # REF*1K
    clearinghouse_trace: str = ""  # REF*D9
    service_from: date | None = None
    service_to: date | None = None
    patient: Person | None = None
    trace_number: str = ""  # 277: our 276 TRN02 echoed
    lines: tuple[ServiceLineStatus, ...] = ()

    @property
    def category(self) -> str:
        return self.statuses[0].category if self.statuses else ""

    @property
    def is_rejected(self) -> bool:
        return self.action == "U" or any(s.category in REJECTED for s in self.statuses)

    @property
    def is_accepted(self) -> bool:
        return not self.is_rejected and self.category in ACCEPTED

    def explain(self) -> list[str]:
        return [s.explain() for s in self.statuses]


def stc_statuses(s: Segment) -> tuple[StatusCode, ...]:
    result = []
    for index in (1, 10, 11):
        parts = s.components(index)
        if not parts:
            continue
        category = parts[0]
        if category not in CATEGORIES:
            raise s.error(f"unknown claim status category code {category!r}", index)
        code = parts[1] if len(parts) > 1 else ""
        result.append(StatusCode(category, code, parts[2] if len(parts) > 2 else ""))
    if not result:
        raise s.error("STC without a status", 1)
    return tuple(result)


def stc_text(statuses: Sequence[StatusCode], co: str) -> list[str]:
    """STC01, STC10 and STC11 composites."""
    return [co.join((s.category, s.code, s.entity)).rstrip(co) for s in statuses]


def stc_segment(
    el: str,
    co: str,
    statuses,
    when: date | None,
    action: str = "",
    charge: Decimal | None = None,
    paid: Decimal | None = None,
    paid_date: date | None = None,
    check_number: str = "",
) -> str:
    if not statuses:
        raise X12Error("a status (STC) needs at least one status code")
    if len(statuses) > 3:
        raise X12Error("at most three status codes fit in one STC")
    composites = stc_text(statuses, co)
    parts = [
        "STC",
        composites[0],
        d8(when) if when else "",
        action,
        amount(charge) if charge is not None else "",
        amount(paid) if paid is not None else "",
        d8(paid_date) if paid_date else "",
        "",
        "",
        check_number,
        composites[1] if len(composites) > 1 else "",
        composites[2] if len(composites) > 2 else "",
    ]
    return el.join(parts).rstrip(el)


def service_dates(el: str, start: date | None, end: date | None) -> str | None:
    if start is None:
        return None
    if end is None or end == start:
        return f"DTP{el}472{el}D8{el}{d8(start)}"
    return f"DTP{el}472{el}RD8{el}{d8(start)}-{d8(end)}"


def read_service_dates(s: Segment) -> tuple[date | None, date | None]:
    if s[2] == "RD8":
        begin, _, end = s[3].partition("-")
        return parse_d8(begin, s, 3), parse_d8(end, s, 3)
    if s[2] != "D8":
        raise s.error(f"unknown date format qualifier {s[2]!r} (expected D8 or RD8)", 2)
    day = parse_d8(s[3], s, 3)
    return day, day


def line_segments(
    out: list[str], el: str, co: str, clean, line: ServiceLineStatus, action: str = ""
) -> None:
    code = co.join(("HC", clean(line.procedure_code), *(clean(m) for m in line.modifiers)))
    out.append(
        el.join(
            (
                "SVC",
                code,
                amount(line.charge),
                "" if line.paid is None else amount(line.paid),
                "",
                "",
                "",
                "" if line.units is None else quantity(line.units),
            )
        ).rstrip(el)
    )
    out.append(stc_segment(el, co, line.statuses, line.effective_date, action))
    if line.line_control_number:
        out.append(f"REF{el}FJ{el}{clean(line.line_control_number)}")
    if line.service_date is not None:
        out.append(f"DTP{el}472{el}D8{el}{d8(line.service_date)}")


def read_line(segs: list[Segment], i: int) -> tuple[ServiceLineStatus, int]:
    """A 2220 loop starting at segs[i] (an SVC) and the index after it."""
    svc = segs[i]
    parts = svc.components(1)
    if len(parts) < 2 or parts[0] not in ("HC", "AD", "ER", "HP", "IV", "N4", "NU", "WK"):
        raise svc.error(f"unknown product/service id qualifier {parts[:1]}", 1)
    i += 1
    statuses: tuple[StatusCode, ...] = ()
    effective = service_date = None
    control = ""
    n = len(segs)
    while i < n and segs[i].id in ("STC", "REF", "DTP"):
        s = segs[i]
        if s.id == "STC":
            statuses += stc_statuses(s)
            effective = effective or parse_d8(s[2], s, 2)
        elif s.id == "REF" and s[1] == "FJ":
            control = s[2]
        elif s.id == "DTP" and s[1] == "472":
            service_date = read_service_dates(s)[0]
        i += 1
    units = parse_amount(svc[7], svc, 7)
    if units is not None and units == units.to_integral_value():
        units = int(units)  # type: ignore[assignment]
    line = ServiceLineStatus(
        parts[1],
        parse_amount(svc[2], svc, 2) or Decimal(0),
        statuses,
        parse_amount(svc[3], svc, 3),
        units,
        tuple(m for m in parts[2:6] if m),
        effective,
        control,
        service_date,
    )
    return line, i


def expect(transaction: Transaction, set_id: str, first: str = "BHT") -> list[Segment]:
    if transaction.set_id != set_id:
        raise transaction.segments[0].error(f"expected a {set_id}, found a {transaction.set_id}", 1)
    body = transaction.body()
    if not body or body[0].id != first:
        raise transaction.segments[0].error(f"a {set_id} starts with {first}")
    return body


def hl_level(s: Segment, levels: dict[str, str]) -> str:
    level = s[3]
    if level not in levels:
        raise s.error(f"unknown hierarchical level code {level!r}", 3)
    return level


# --- 276 / 277 ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimStatusRequest:
    trace_number: str  # TRN02, ours
    payer: Entity
    receiver: Entity  # us, the information receiver (NM1*41)
    provider: Entity  # the billing provider (NM1*1P, XX with the NPI)
    subscriber: Person
    patient_control_number: str = ""  # REF*EJ: our CLM01
    total_charge: Decimal | None = None  # AMT*T3
    service_from: date | None = None  # DTP*472
    service_to: date | None = None
    dependent: Person | None = None
    payer_claim_number: str = ""  # REF*1K when known


@dataclass(frozen=True, slots=True)
class ClaimStatusResponse:
    """One subscriber's (or dependent's) claims; or, with no subscriber, a status the payer
    gave for the whole receiver (provider None) or billing provider (E0, E1: no answer)."""

    payer: Entity
    receiver: Entity
    provider: Entity | None
    subscriber: Person | None
    claims: tuple[ClaimStatus, ...] = ()
    dependent: Person | None = None
    statuses: tuple[StatusCode, ...] = ()  # receiver- or provider-level STC
    trace_number: str = ""  # receiver- or provider-level TRN


_LEVELS_276 = {
    "20": "payer",
    "21": "receiver",
    "19": "provider",
    "22": "subscriber",
    "23": "dependent",
}


def render_276(
    requests: Sequence[ClaimStatusRequest], *, envelope: Envelope, reference: str
) -> bytes:
    if not requests:
        raise X12Error("a 276 needs at least one request")
    seps = envelope.separators
    el = seps.element
    clean = cleaner(seps)
    out = [bht(envelope, "0010", "13", reference)]
    hl = 0
    for r in requests:
        hl += 1
        out += [f"HL{el}{hl}{el}{el}20{el}1", entity_nm1(el, clean, "PR", r.payer)]
        hl += 1
        out += [f"HL{el}{hl}{el}{hl - 1}{el}21{el}1", entity_nm1(el, clean, "41", r.receiver)]
        hl += 1
        out += [f"HL{el}{hl}{el}{hl - 1}{el}19{el}1", entity_nm1(el, clean, "1P", r.provider)]
        hl += 1
        dependent = r.dependent
        out.append(f"HL{el}{hl}{el}{hl - 1}{el}22{el}{'0' if dependent is None else '1'}")
        if dependent is None:
            dmg = person_dmg(el, r.subscriber, d8)
            if dmg:
                out.append(dmg)
            out.append(person_nm1(el, clean, "IL", r.subscriber))
        else:
            out.append(person_nm1(el, clean, "IL", r.subscriber))
            hl += 1
            out.append(f"HL{el}{hl}{el}{hl - 1}{el}23")
            dmg = person_dmg(el, dependent, d8)
            if dmg:
                out.append(dmg)
            out.append(person_nm1(el, clean, "QC", dependent))
        out.append(f"TRN{el}1{el}{clean(r.trace_number)}")
        if r.payer_claim_number:
            out.append(f"REF{el}1K{el}{clean(r.payer_claim_number)}")
        out.append(f"REF{el}EJ{el}{clean(r.patient_control_number)}")
        out.append(f"AMT{el}T3{el}{amount(r.total_charge)}")
        out.append(service_dates(el, r.service_from, r.service_to or r.service_from))  # type: ignore[arg-type]
    return render_interchange(envelope, "HR", VERSION, [TransactionBody("276", out)])


@incomplete_as_x12error
def parse_276(transaction: Transaction) -> list[ClaimStatusRequest]:
    segs = expect(transaction, "276")
    result: list[ClaimStatusRequest] = []
    found: dict = {}
    current: dict | None = None
    dmg: Segment | None = None

    def finish():
        nonlocal current
        if current is not None:
            result.append(ClaimStatusRequest(**current))
            current = None

    for s in segs[1:]:
        tag = s.id
        if tag == "HL":
            level = hl_level(s, _LEVELS_276)
            if level != "23":
                finish()
            dmg = None
        elif tag == "DMG":
            dmg = s
        elif tag == "NM1" and s[1] in ("PR", "41", "1P"):
            found[s[1]] = entity_from(s)
        elif tag == "NM1" and s[1] == "IL":
            found["IL"] = person_from(s, dmg)
            current = {
                "payer": found.get("PR"),
                "receiver": found.get("41"),
                "provider": found.get("1P"),
                "subscriber": found["IL"],
            }
        elif tag == "NM1" and s[1] == "QC":
            if current is None:
                raise s.error("a dependent without its subscriber")
            current["dependent"] = person_from(s, dmg)
        elif current is None:
            raise s.error(f"unexpected {tag} before the subscriber")
        elif tag == "TRN":
            current["trace_number"] = s[2]
        elif tag == "REF" and s[1] == "EJ":
            current["patient_control_number"] = s[2]
        elif tag == "REF" and s[1] == "1K":
            current["payer_claim_number"] = s[2]
        elif tag == "AMT" and s[1] == "T3":
            current["total_charge"] = parse_amount(s[2], s, 2)
        elif tag == "DTP" and s[1] == "472":
            current["service_from"], current["service_to"] = read_service_dates(s)
    finish()
    return result


def render_277(
    responses: Sequence[ClaimStatusResponse], *, envelope: Envelope, reference: str
) -> bytes:
    """A payer's claim status answers (for the demo and the tests)."""
    if not responses:
        raise X12Error("a 277 needs at least one response")
    seps = envelope.separators
    el, co = seps.element, seps.component
    clean = cleaner(seps)
    out = [bht(envelope, "0010", "08", reference, "DG")]
    hl = 0
    for r in responses:
        hl += 1
        out += [f"HL{el}{hl}{el}{el}20{el}1", entity_nm1(el, clean, "PR", r.payer)]
        hl += 1
        more = "0" if r.provider is None else "1"
        out += [f"HL{el}{hl}{el}{hl - 1}{el}21{el}{more}", entity_nm1(el, clean, "41", r.receiver)]
        if r.provider is not None:
            hl += 1
            more = "0" if r.subscriber is None else "1"
            out.append(f"HL{el}{hl}{el}{hl - 1}{el}19{el}{more}")
            out.append(entity_nm1(el, clean, "1P", r.provider))
        if r.subscriber is None:
            if not r.statuses:
                raise X12Error("a 277 response without a subscriber needs its status")
            out.append(f"TRN{el}{'2' if r.provider is None else '1'}{el}{clean(r.trace_number)}")
            out.append(stc_segment(el, co, r.statuses, envelope.created.date()))
            continue
        hl += 1
        out.append(f"HL{el}{hl}{el}{hl - 1}{el}22{el}{'0' if r.dependent is None else '1'}")
        out.append(person_nm1(el, clean, "IL", r.subscriber))
        if r.dependent is not None:
            hl += 1
            out.append(f"HL{el}{hl}{el}{hl - 1}{el}23")
            out.append(person_nm1(el, clean, "QC", r.dependent))
        for c in r.claims:
            out.append(f"TRN{el}2{el}{clean(c.trace_number)}")
            out.append(
                stc_segment(
                    el,
                    co,
                    c.statuses,
                    c.effective_date,
                    "",
                    c.total_charge,
                    c.paid,
                    c.paid_date,
                    clean(c.check_number),
                )
            )
            if c.payer_claim_number:
                out.append(f"REF{el}1K{el}{clean(c.payer_claim_number)}")
            out.append(f"REF{el}EJ{el}{clean(c.patient_control_number)}")
            if c.clearinghouse_trace:
                out.append(f"REF{el}D9{el}{clean(c.clearinghouse_trace)}")
            dates = service_dates(el, c.service_from, c.service_to)
            if dates:
                out.append(dates)
            for line in c.lines:
                line_segments(out, el, co, clean, line)
    return render_interchange(envelope, "HN", VERSION, [TransactionBody("277", out)])


@incomplete_as_x12error
def parse_277(transaction: Transaction) -> list[ClaimStatusResponse]:
    """Every subscriber's (or dependent's) claims in one 277."""
    segs = expect(transaction, "277")
    result: list[ClaimStatusResponse] = []
    found: dict = {}
    current: dict | None = None
    claim: dict | None = None

    def finish_claim():
        nonlocal claim
        if claim is not None and current is not None:
            current["claims"].append(ClaimStatus(**claim))
        claim = None

    def finish():
        nonlocal current
        finish_claim()
        if current is not None:
            current["claims"] = tuple(current["claims"])
            result.append(ClaimStatusResponse(**current))
            current = None

    i, n = 1, len(segs)
    while i < n:
        s = segs[i]
        tag = s.id
        i += 1
        if tag == "HL":
            level = hl_level(s, _LEVELS_276)
            if level == "23":
                finish_claim()
                if current is not None:
                    current["claims"] = []
            else:
                finish()
                if level == "21":
                    found.pop("1P", None)
        elif tag == "NM1" and s[1] in ("PR", "41", "1P"):
            found[s[1]] = entity_from(s)
        elif tag == "NM1" and s[1] == "IL":
            current = {
                "payer": found.get("PR"),
                "receiver": found.get("41"),
                "provider": found.get("1P"),
                "subscriber": person_from(s),
                "claims": [],
            }
        elif tag == "NM1" and s[1] == "QC":
            if current is None:
                raise s.error("a dependent without its subscriber")
            current["dependent"] = person_from(s)
        elif tag == "TRN" and current is None:
            current = {
                "payer": found.get("PR"),
                "receiver": found.get("41"),
                "provider": found.get("1P"),
                "subscriber": None,
                "trace_number": s[2],
                "claims": [],
            }
        elif tag == "STC" and current is not None and current["subscriber"] is None:
            current["statuses"] = current.get("statuses", ()) + stc_statuses(s)
        elif tag == "TRN":
            finish_claim()
            claim = {"trace_number": s[2], "patient_control_number": "", "statuses": ()}
        elif claim is None:
            if tag in ("PER", "STC", "QTY", "AMT", "REF"):
                continue
            raise s.error(f"unexpected {tag} outside a claim (TRN)")
        elif tag == "STC":
            first = not claim["statuses"]
            claim["statuses"] += stc_statuses(s)
            if first:
                claim.update(
                    effective_date=parse_d8(s[2], s, 2),
                    total_charge=parse_amount(s[4], s, 4),
                    paid=parse_amount(s[5], s, 5),
                    paid_date=parse_d8(s[6], s, 6),
                    check_number=s[9],
                )
        elif tag == "REF":
            key = {
                "1K": "payer_claim_number",
                "EJ": "patient_control_number",
                "D9": "clearinghouse_trace",
            }.get(s[1])
            if key:
                claim[key] = s[2]
        elif tag == "DTP" and s[1] == "472":
            claim["service_from"], claim["service_to"] = read_service_dates(s)
        elif tag == "SVC":
            line, i = read_line(segs, i - 1)
            claim["lines"] = claim.get("lines", ()) + (line,)
    finish()
    return result
