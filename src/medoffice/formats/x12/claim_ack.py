"""277CA claim acknowledgment, 005010X214: which claims of a batch were accepted.

A clearinghouse (or payer) answers our 837P batch with one 277CA: per billing
provider, per claim (found by our CLM01 in TRN*2), a status: A1/A2 accepted,
A3/A6/A7/A8 rejected, with the status codes saying why. `parse_277ca` gives
a `ClaimAcknowledgment`; `render_277ca` writes one (the simulated
clearinghouse of the demo and the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .claim_status import (
    ClaimStatus,
    StatusCode,
    expect,
    hl_level,
    line_segments,
    read_line,
    read_service_dates,
    service_dates,
    stc_segment,
    stc_statuses,
)
from .common import Entity, Person, entity_from, entity_nm1, parse_amount, parse_d8, person_from
from .errors import X12Error, incomplete_as_x12error
from .reader import Segment, Transaction
from .writer import Envelope, TransactionBody, amount, bht, cleaner, d8, render_interchange

VERSION = "005010X214"
_LEVELS = {
    "20": "information source",
    "21": "information receiver",
    "19": "billing provider",
    "PT": "patient",
}


@dataclass(frozen=True, slots=True)
class Totals:
    accepted_quantity: int | None = None  # QTY*90 / QTY*QA
    rejected_quantity: int | None = None  # QTY*AA / QTY*QC
    accepted_amount: Decimal | None = None  # AMT*YU
    rejected_amount: Decimal | None = None  # AMT*YY


@dataclass(frozen=True, slots=True)
class ProviderClaims:
    provider: Entity  # NM1*85
    statuses: tuple[StatusCode, ...]
    claims: tuple[ClaimStatus, ...]
    trace_number: str = "0"  # 2200C TRN02
    totals: Totals = Totals()


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgment:
    reference: str  # BHT03
    source: Entity  # the clearinghouse (NM1*AY) or payer (NM1*PR)
    source_trace: str  # 2200A TRN02
    received: date  # DTP*050
    processed: date  # DTP*009
    receiver: Entity  # us (NM1*41)
    receiver_trace: str  # 2200B TRN02: our batch (BHT03 of the 837)
    receiver_statuses: tuple[StatusCode, ...]
    providers: tuple[ProviderClaims, ...]
    totals: Totals = Totals()

    def claims(self) -> list[ClaimStatus]:
        return [claim for provider in self.providers for claim in provider.claims]


def _totals(out: list[str], el: str, t: Totals, accepted: str, rejected: str) -> None:
    if t.accepted_quantity is not None:
        out.append(f"QTY{el}{accepted}{el}{t.accepted_quantity}")
    if t.rejected_quantity is not None:
        out.append(f"QTY{el}{rejected}{el}{t.rejected_quantity}")
    if t.accepted_amount is not None:
        out.append(f"AMT{el}YU{el}{amount(t.accepted_amount)}")
    if t.rejected_amount is not None:
        out.append(f"AMT{el}YY{el}{amount(t.rejected_amount)}")


def render_277ca(ack: ClaimAcknowledgment, *, envelope: Envelope) -> bytes:
    seps = envelope.separators
    el, co = seps.element, seps.component
    clean = cleaner(seps)
    out = [
        bht(envelope, "0085", "08", ack.reference, "TH"),
        f"HL{el}1{el}{el}20{el}1",
        entity_nm1(el, clean, "AY" if ack.source.qualifier == "46" else "PR", ack.source),
        f"TRN{el}1{el}{clean(ack.source_trace)}",
        f"DTP{el}050{el}D8{el}{d8(ack.received)}",
        f"DTP{el}009{el}D8{el}{d8(ack.processed)}",
        f"HL{el}2{el}1{el}21{el}1",
        entity_nm1(el, clean, "41", ack.receiver),
        f"TRN{el}2{el}{clean(ack.receiver_trace)}",
        stc_segment(
            el,
            co,
            ack.receiver_statuses,
            ack.processed,
            "WQ",
            _charges(c for p in ack.providers for c in p.claims),
        ),
    ]
    _totals(out, el, ack.totals, "90", "AA")
    hl = 2
    if not ack.providers:
        raise X12Error("a 277CA needs at least one billing provider")
    for provider in ack.providers:
        hl += 1
        provider_hl = hl
        if not provider.claims:
            raise X12Error(f"billing provider {provider.provider.id}: a 277CA lists its claims")
        out.append(f"HL{el}{hl}{el}2{el}19{el}1")
        out.append(entity_nm1(el, clean, "85", provider.provider))
        out.append(f"TRN{el}1{el}{clean(provider.trace_number)}")
        out.append(stc_segment(el, co, provider.statuses, None, "WQ", _charges(provider.claims)))
        _totals(out, el, provider.totals, "QA", "QC")
        for claim in provider.claims:
            hl += 1
            out.append(f"HL{el}{hl}{el}{provider_hl}{el}PT")
            patient = claim.patient
            if patient is None or not patient.member_id:
                raise X12Error(
                    f"claim {claim.patient_control_number!r}: the patient and their member id "
                    "are required"
                )
            parts = (
                "NM1",
                "QC",
                "1",
                clean(patient.last_name),
                clean(patient.first_name),
                clean(patient.middle_name),
                "",
                "",
                "MI" if patient.member_id else "",
                clean(patient.member_id),
            )
            out.append(el.join(parts).rstrip(el))
            out.append(f"TRN{el}2{el}{clean(claim.patient_control_number)}")
            out.append(
                stc_segment(
                    el,
                    co,
                    claim.statuses,
                    claim.effective_date,
                    claim.action or ("U" if claim.is_rejected else "WQ"),
                    claim.total_charge,
                )
            )
            if claim.payer_claim_number:
                out.append(f"REF{el}1K{el}{clean(claim.payer_claim_number)}")
            if claim.clearinghouse_trace:
                out.append(f"REF{el}D9{el}{clean(claim.clearinghouse_trace)}")
            dates = service_dates(el, claim.service_from, claim.service_to)
            if dates is None:
                raise X12Error(f"claim {claim.patient_control_number!r}: service dates required")
            out.append(dates)
            for line in claim.lines:
                line_segments(out, el, co, clean, line, "U" if claim.is_rejected else "WQ")
    return render_interchange(envelope, "HN", VERSION, [TransactionBody("277", out)])


def _charges(claims) -> Decimal:
    return sum((c.total_charge or Decimal(0) for c in claims), Decimal("0.00"))


def _quantity(s: Segment) -> int:
    value = parse_amount(s[2], s, 2)
    if value is None or value != value.to_integral_value():
        raise s.error(f"{s[2]!r} is not a whole count", 2)
    return int(value)


@incomplete_as_x12error
def parse_277ca(transaction: Transaction) -> ClaimAcknowledgment:
    segs = expect(transaction, "277")
    head: dict = {"reference": segs[0][3]}
    totals: dict = {}
    providers: list[ProviderClaims] = []
    provider: dict | None = None
    claim: dict | None = None
    level = ""

    def finish_claim():
        nonlocal claim
        if claim is not None and provider is not None:
            provider["claims"].append(ClaimStatus(**claim))
        claim = None

    def finish_provider():
        nonlocal provider
        finish_claim()
        if provider is not None:
            provider["claims"] = tuple(provider["claims"])
            provider["totals"] = Totals(**provider["totals"])
            providers.append(ProviderClaims(**provider))
            provider = None

    i, n = 1, len(segs)
    while i < n:
        s = segs[i]
        tag = s.id
        i += 1
        if tag == "HL":
            level = hl_level(s, _LEVELS)
            if level == "19":
                finish_provider()
                provider = {"statuses": (), "claims": [], "totals": {}}
            elif level == "PT":
                finish_claim()
                if provider is None:
                    raise s.error("a patient (2000D) outside a billing provider (2000C)")
        elif tag == "NM1":
            if level == "20":
                head["source"] = entity_from(s)
            elif level == "21":
                head["receiver"] = entity_from(s)
            elif level == "19":
                provider["provider"] = entity_from(s)  # type: ignore[index]
            else:
                claim = {"patient": person_from(s), "statuses": (), "patient_control_number": ""}
        elif tag == "TRN":
            if level == "20":
                head["source_trace"] = s[2]
            elif level == "21":
                head["receiver_trace"] = s[2]
            elif level == "19":
                provider["trace_number"] = s[2]  # type: ignore[index]
            elif claim is not None:
                claim["patient_control_number"] = s[2]
        elif tag == "DTP" and level == "20":
            if s[1] == "050":
                head["received"] = parse_d8(s[3], s, 3)
            elif s[1] == "009":
                head["processed"] = parse_d8(s[3], s, 3)
        elif tag == "STC":
            statuses = stc_statuses(s)
            if level == "21":
                head["receiver_statuses"] = head.get("receiver_statuses", ()) + statuses
            elif level == "19":
                provider["statuses"] += statuses  # type: ignore[index]
            elif claim is not None:
                if not claim["statuses"]:
                    action = s[3]
                    if action not in ("WQ", "U", ""):
                        raise s.error(f"unknown action code {action!r} (expected WQ or U)", 3)
                    claim.update(
                        effective_date=parse_d8(s[2], s, 2),
                        action=action,
                        total_charge=parse_amount(s[4], s, 4),
                    )
                claim["statuses"] += statuses
        elif tag in ("QTY", "AMT"):
            target = totals if level == "21" else provider["totals"] if provider else None
            if target is None:
                raise s.error(f"{tag} outside a receiver or provider loop")
            key = {
                "90": "accepted_quantity",
                "QA": "accepted_quantity",
                "AA": "rejected_quantity",
                "QC": "rejected_quantity",
                "YU": "accepted_amount",
                "YY": "rejected_amount",
            }.get(s[1])
            if key is None:
                raise s.error(f"unknown {tag} qualifier {s[1]!r}", 1)
            target[key] = _quantity(s) if tag == "QTY" else parse_amount(s[2], s, 2)
        elif tag == "REF" and claim is not None:
            key = {"1K": "payer_claim_number", "D9": "clearinghouse_trace"}.get(s[1])
            if key:
                claim[key] = s[2]
        elif tag == "DTP" and s[1] == "472" and claim is not None:
            claim["service_from"], claim["service_to"] = read_service_dates(s)
        elif tag == "SVC" and claim is not None:
            line, i = read_line(segs, i - 1)
            claim["lines"] = claim.get("lines", ()) + (line,)
    finish_provider()
    for key in ("source", "source_trace", "received", "processed", "receiver", "receiver_trace"):
        if key not in head:
            raise transaction.segments[0].error(f"the 277CA lacks its {key.replace('_', ' ')}")
    return ClaimAcknowledgment(
        providers=tuple(providers),
        receiver_statuses=head.pop("receiver_statuses", ()),
        totals=Totals(**totals),
        **head,
    )


__all__ = [
    "ClaimAcknowledgment",
    "Person",
    "ProviderClaims",
    "Totals",
    "parse_277ca",
    "render_277ca",
]


ACCEPTED_FOR_PROCESSING = StatusCode("A2", "20", "PR")
RECEIVED = StatusCode("A1", "19", "PR")


def acknowledge_claims(
    batch,
    *,
    source: Entity,
    source_trace: str,
    received: date,
    processed: date,
    rejected: dict[str, tuple[StatusCode, ...]] | None = None,
    reference: str = "",
) -> ClaimAcknowledgment:
    """The 277CA a clearinghouse would send for an 837P batch we read (`parse_837p`):
    every claim accepted (A2:20), but for those named in `rejected` (CLM01 -> statuses,
    e.g. A7:562:85), which are returned with action U."""
    rejected = rejected or {}
    by_provider: dict = {}
    for claim in batch.claims:
        by_provider.setdefault(claim.billing_provider, []).append(claim)
    providers = []
    all_statuses: list[ClaimStatus] = []
    for provider, claims in by_provider.items():
        statuses = []
        for claim in claims:
            person = claim.patient or claim.subscriber
            reasons = rejected.get(claim.patient_control_number)
            dates = [line.service_date for line in claim.lines]
            statuses.append(
                ClaimStatus(
                    claim.patient_control_number,
                    tuple(reasons) if reasons else (ACCEPTED_FOR_PROCESSING,),
                    processed,
                    claim.total_charge,
                    action="U" if reasons else "WQ",
                    service_from=min(dates),
                    service_to=max(dates),
                    patient=Person(person.last_name, person.first_name,
                                   claim.subscriber.member_id, middle_name=person.middle_name),
                )
            )  # fmt: skip
        providers.append(
            ProviderClaims(
                Entity(provider.name, provider.npi, "XX", provider.first_name),
                (RECEIVED,),
                tuple(statuses),
                totals=_count(statuses),
            )
        )
        all_statuses += statuses
    return ClaimAcknowledgment(
        reference=reference or f"CA{source_trace}",
        source=source,
        source_trace=source_trace,
        received=received,
        processed=processed,
        receiver=Entity(batch.submitter.name, batch.submitter.id, "46"),
        receiver_trace=batch.reference,
        receiver_statuses=(RECEIVED,),
        providers=tuple(providers),
        totals=_count(all_statuses),
    )


def _count(statuses: list[ClaimStatus]) -> Totals:
    accepted = [s for s in statuses if not s.is_rejected]
    rejected = [s for s in statuses if s.is_rejected]
    return Totals(len(accepted), len(rejected), _charges(accepted), _charges(rejected))
