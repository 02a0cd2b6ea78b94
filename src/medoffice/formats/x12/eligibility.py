"""Eligibility: 270 request and 271 response, 005010X279A1.

`render_270(requests, envelope=..., reference=...)` asks one payer about one
subscriber (or a dependent) per request, echoed back by the TRN trace number.
`parse_271(transaction)` gives one `EligibilityResponse` per subscriber or
dependent loop (or one per payer/provider-level rejection), and its
`summary()` the plain benefits the front desk needs: active or not, plan,
office-visit copay, deductible and what remains of it, coinsurance,
out-of-pocket maximum and what remains, in and out of network, and AAA
rejections in words. `render_271` and `parse_270` are the other side (a
simulated payer for the demo and the tests).
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
from .writer import Envelope, TransactionBody, bht, cleaner, d8, quantity, render_interchange

VERSION = "005010X279A1"

# EB01: what a benefit line says.
BENEFIT_CODES = {
    "1": "active coverage",
    "2": "active, full risk capitation",
    "3": "active, services capitated",
    "4": "active, services capitated to primary care physician",
    "5": "active, pending investigation",
    "6": "inactive",
    "7": "inactive, pending eligibility update",
    "8": "inactive, pending investigation",
    "A": "coinsurance",
    "B": "copayment",
    "C": "deductible",
    "CB": "coverage basis",
    "D": "benefit description",
    "E": "exclusions",
    "F": "limitations",
    "G": "out of pocket (stop loss)",
    "H": "unlimited",
    "I": "non-covered",
    "J": "cost containment",
    "K": "reserve",
    "L": "primary care provider",
    "M": "pre-existing condition",
    "MC": "managed care coordinator",
    "N": "services restricted to following provider",
    "O": "not deemed a medical necessity",
    "P": "benefit disclaimer",
    "Q": "second surgical opinion required",
    "R": "other or additional payer",
    "S": "prior year(s) history",
    "T": "card(s) reported lost/stolen",
    "U": "contact following entity for eligibility or benefit information",
    "V": "cannot process",
    "W": "other source of data",
    "X": "health care facility",
    "Y": "spend down",
}
ACTIVE = {"1", "2", "3", "4", "5"}
INACTIVE = {"6", "7", "8"}
# EB03 service types we name (the code list is external and long: others show as codes).
SERVICE_TYPES = {
    "1": "medical care",
    "4": "diagnostic X-ray",
    "5": "diagnostic lab",
    "30": "health benefit plan coverage",
    "33": "chiropractic",
    "35": "dental care",
    "47": "hospital",
    "48": "hospital inpatient",
    "50": "hospital outpatient",
    "86": "emergency services",
    "88": "pharmacy",
    "98": "professional (physician) visit, office",
    "A4": "psychiatric",
    "AL": "vision (optometry)",
    "BZ": "physician visit, office: sick",
    "MH": "mental health",
    "UC": "urgent care",
}
# EB06 time periods.
TIME_PERIODS = {
    "6": "hour",
    "7": "day",
    "13": "24 hours",
    "21": "years",
    "22": "service year",
    "23": "calendar year",
    "24": "year to date",
    "25": "contract",
    "26": "episode",
    "27": "visit",
    "28": "outlier",
    "29": "remaining",
    "30": "exceeded",
    "31": "not exceeded",
    "32": "lifetime",
    "33": "lifetime remaining",
    "34": "month",
    "35": "week",
    "36": "admission",
}
# AAA03 reject reasons and AAA04 follow-up actions.
REJECT_REASONS = {
    "04": "authorized quantity exceeded",
    "15": "required application data missing",
    "33": "input errors",
    "35": "out of network",
    "41": "authorization/access restrictions",
    "42": "unable to respond at current time",
    "43": "invalid or missing provider identification",
    "44": "invalid or missing provider name",
    "45": "invalid or missing provider specialty",
    "46": "invalid or missing provider phone number",
    "47": "invalid or missing provider state",
    "48": "invalid or missing referring provider identification number",
    "49": "provider is not primary care physician",
    "50": "provider ineligible for inquiries",
    "51": "provider not on file",
    "52": "service dates not within provider plan enrollment",
    "53": "inquired benefit inconsistent with provider type",
    "54": "inappropriate product/service ID qualifier",
    "55": "inappropriate product/service ID",
    "56": "inappropriate date",
    "57": "invalid or missing date(s) of service",
    "58": "invalid or missing date of birth",
    "60": "date of birth follows date(s) of service",
    "61": "date of death precedes date(s) of service",
    "62": "date of service not within allowable inquiry period",
    "63": "date of service in future",
    "64": "invalid or missing patient ID",
    "65": "invalid or missing patient name",
    "66": "invalid or missing patient gender code",
    "67": "patient not found",
    "68": "duplicate patient ID number",
    "69": "inconsistent with patient's age",
    "70": "inconsistent with patient's gender",
    "71": "patient birth date does not match that for the patient on the database",
    "72": "invalid or missing subscriber/insured ID",
    "73": "invalid or missing subscriber/insured name",
    "74": "invalid or missing subscriber/insured gender code",
    "75": "subscriber/insured not found",
    "76": "duplicate subscriber/insured ID number",
    "77": "subscriber found, patient not found",
    "78": "subscriber/insured not in group/plan identified",
    "79": "invalid participant identification",
    "80": "no response received, transaction terminated",
    "97": "invalid or missing provider address",
    "T4": "payer name or identifier missing",
}
FOLLOW_UP_ACTIONS = {
    "C": "please correct and resubmit",
    "N": "resubmission not allowed",
    "P": "please resubmit original transaction",
    "R": "resubmission allowed",
    "S": "do not resubmit; inquiry initiated to a third party",
    "W": "please wait 30 days and resubmit",
    "X": "please wait 10 days and resubmit",
    "Y": "do not resubmit; we will hand over to the payer",
}
LEVELS = {"20": "payer", "21": "provider", "22": "subscriber", "23": "dependent"}
NETWORK = {"Y": "in network", "N": "out of network", "W": "either network", "U": "unknown"}


@dataclass(frozen=True, slots=True)
class EligibilityRequest:
    trace_number: str  # TRN02: ours, comes back in the 271's TRN*2
    originator_id: str  # TRN03: 10 characters, "1" + the practice's EIN
    payer: Entity
    provider: Entity  # qualifier XX with the NPI
    subscriber: Person
    dependent: Person | None = None  # when the patient is not the subscriber
    service_types: tuple[str, ...] = ("30",)  # EQ01
    service_date: date | None = None  # DTP*291


@dataclass(frozen=True, slots=True)
class Rejection:
    """An AAA segment: the request could not be answered, and why."""

    code: str  # AAA03
    follow_up: str  # AAA04
    level: str = "subscriber"  # payer, provider, subscriber, dependent, benefit
    valid: bool = False  # AAA01: was the request valid (Y) or not (N)

    @property
    def reason(self) -> str:
        return REJECT_REASONS.get(self.code, f"reject reason {self.code}")

    @property
    def action(self) -> str:
        return FOLLOW_UP_ACTIONS.get(self.follow_up, "")

    def explain(self) -> str:
        text = f"The {self.level} level was rejected: {self.reason}"
        return f"{text} ({self.action})." if self.action else f"{text}."


@dataclass(frozen=True, slots=True)
class Benefit:
    """One EB segment (with its MSG lines)."""

    code: str  # EB01 (BENEFIT_CODES)
    coverage_level: str = ""  # EB02: IND, FAM, EMP, ...
    service_types: tuple[str, ...] = ()  # EB03, repeated
    insurance_type: str = ""  # EB04
    plan: str = ""  # EB05
    time_period: str = ""  # EB06 (TIME_PERIODS)
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08, 0.2 is 20 %
    quantity_qualifier: str = ""  # EB09
    quantity: Decimal | None = None  # EB10
    authorization_required: str = ""  # EB11
    in_network: str = ""  # EB12: Y, N, W, U, "" (NETWORK)
    messages: tuple[str, ...] = ()
    rejections: tuple[Rejection, ...] = ()

    def describe(self) -> str:
        parts = [BENEFIT_CODES.get(self.code, self.code)]
        if self.service_types:
            parts.append("for " + ", ".join(SERVICE_TYPES.get(s, s) for s in self.service_types))
        if self.plan:
            parts.append(f"plan {self.plan}")
        if self.amount is not None:
            parts.append(f"${self.amount:.2f}")
        if self.percent is not None:
            parts.append(f"{self.percent * 100:g}%")
        if self.time_period:
            parts.append(f"per {TIME_PERIODS.get(self.time_period, self.time_period)}")
        if self.in_network:
            parts.append(NETWORK.get(self.in_network, self.in_network))
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class NetworkBenefits:
    office_visit_copay: Decimal | None = None
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    coinsurance_percent: Decimal | None = None  # 20 means 20 %
    out_of_pocket: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BenefitSummary:
    active: bool | None  # None: the payer did not say (a rejection)
    plan: str
    plan_begin: date | None
    in_network: NetworkBenefits
    out_of_network: NetworkBenefits
    rejections: tuple[str, ...]  # each explained in words


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    trace_number: str  # our TRN02 echoed (TRN*2)
    payer: Entity
    provider: Entity
    subscriber: Person | None  # None when the payer rejected above the subscriber
    dependent: Person | None = None
    benefits: tuple[Benefit, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    plan_begin: date | None = None  # DTP*346
    plan_end: date | None = None  # DTP*347
    originator_id: str = ""  # TRN03 echoed

    def summary(self) -> BenefitSummary:
        return summarize(self)


# --- 270 ------------------------------------------------------------------------------


def render_270(
    requests: Sequence[EligibilityRequest], *, envelope: Envelope, reference: str
) -> bytes:
    if not requests:
        raise X12Error("a 270 needs at least one request")
    seps = envelope.separators
    el = seps.element
    clean = cleaner(seps)
    out = [bht(envelope, "0022", "13", reference)]
    hl = 0
    for request in requests:
        if not request.trace_number:
            raise X12Error("an eligibility request needs a trace number (TRN02)")
        hl += 1
        payer_hl = hl
        out.append(f"HL{el}{hl}{el}{el}20{el}1")
        out.append(entity_nm1(el, clean, "PR", request.payer))
        hl += 1
        provider_hl = hl
        out.append(f"HL{el}{hl}{el}{payer_hl}{el}21{el}1")
        out.append(entity_nm1(el, clean, "1P", request.provider))
        hl += 1
        subscriber_hl = hl
        dependent = request.dependent
        out.append(f"HL{el}{hl}{el}{provider_hl}{el}22{el}{'0' if dependent is None else '1'}")
        trn = el.join(("TRN", "1", clean(request.trace_number), clean(request.originator_id)))
        if dependent is None:
            out.append(trn)
        out.append(person_nm1(el, clean, "IL", request.subscriber))
        if dependent is None:
            _inquiry(out, el, seps.repetition, request, request.subscriber)
        else:
            dmg = person_dmg(el, request.subscriber, d8)
            if dmg:
                out.append(dmg)
            hl += 1
            out.append(f"HL{el}{hl}{el}{subscriber_hl}{el}23{el}0")
            out.append(trn)
            out.append(person_nm1(el, clean, "03", dependent))
            _inquiry(out, el, seps.repetition, request, dependent)
    return render_interchange(envelope, "HS", VERSION, [TransactionBody("270", out)])


def _inquiry(out: list[str], el: str, rep: str, request: EligibilityRequest, person: Person):
    dmg = person_dmg(el, person, d8)
    if dmg:
        out.append(dmg)
    if request.service_date is not None:
        out.append(f"DTP{el}291{el}D8{el}{d8(request.service_date)}")
    out.append(f"EQ{el}{rep.join(request.service_types)}")


@incomplete_as_x12error
def parse_270(transaction: Transaction) -> list[EligibilityRequest]:
    _expect(transaction, "270")
    result: list[EligibilityRequest] = []
    payer = provider = None
    trace = ("", "")
    current: dict | None = None

    def finish():
        nonlocal current
        if current is not None:
            result.append(EligibilityRequest(**current))
            current = None

    segs = transaction.body()
    i, n = 1, len(segs)
    while i < n:
        s = segs[i]
        i += 1
        tag = s.id
        if tag == "HL":
            level = _level(s)
            if level in ("20", "21", "22"):
                finish()
        elif tag == "NM1" and s[1] == "PR":
            payer = entity_from(s)
        elif tag == "NM1" and s[1] == "1P":
            provider = entity_from(s)
        elif tag == "TRN":
            trace = (s[2], s[3])
        elif tag == "NM1" and s[1] in ("IL", "03"):
            dmg = segs[i] if i < n and segs[i].id == "DMG" else None
            if dmg is not None:
                i += 1
            person = person_from(s, dmg)
            if s[1] == "IL":
                current = {"subscriber": person, "payer": payer, "provider": provider}
            else:
                if current is None:
                    raise s.error("a dependent (2100D) without its subscriber (2100C)")
                current["dependent"] = person
            current["trace_number"], current["originator_id"] = trace
        elif tag == "DTP" and s[1] == "291" and current is not None:
            current["service_date"] = parse_d8(s[3][:8], s, 3)
        elif tag == "EQ" and current is not None:
            current["service_types"] = tuple(s.repeats(1))
    finish()
    return result


# --- 271 ------------------------------------------------------------------------------


def render_271(
    responses: Sequence[EligibilityResponse], *, envelope: Envelope, reference: str
) -> bytes:
    """A payer's answer (the simulated payer of the demo and the tests)."""
    if not responses:
        raise X12Error("a 271 needs at least one response")
    seps = envelope.separators
    el, rep = seps.element, seps.repetition
    clean = cleaner(seps)
    out = [bht(envelope, "0022", "11", reference)]
    hl = 0
    for response in responses:
        by_level: dict[str, list[Rejection]] = {}
        for rejection in response.rejections:
            by_level.setdefault(rejection.level, []).append(rejection)
        hl += 1
        payer_hl = hl
        out.append(f"HL{el}{hl}{el}{el}20{el}1")
        out.append(entity_nm1(el, clean, "PR", response.payer))
        _aaa(out, el, by_level.get("payer", ()))
        hl += 1
        provider_hl = hl
        has_subscriber = response.subscriber is not None
        out.append(f"HL{el}{hl}{el}{payer_hl}{el}21{el}{'1' if has_subscriber else '0'}")
        out.append(entity_nm1(el, clean, "1P", response.provider))
        _aaa(out, el, by_level.get("provider", ()))
        if response.subscriber is None:
            continue
        hl += 1
        subscriber_hl = hl
        dependent = response.dependent
        out.append(f"HL{el}{hl}{el}{provider_hl}{el}22{el}{'0' if dependent is None else '1'}")
        trn = el.join(("TRN", "2", clean(response.trace_number), clean(response.originator_id)))
        trn = trn.rstrip(el)
        if dependent is None:
            out.append(trn)
        out.append(person_nm1(el, clean, "IL", response.subscriber))
        _aaa(out, el, by_level.get("subscriber", ()))
        if dependent is None:
            _benefits(out, el, rep, clean, response, response.subscriber)
        else:
            dmg = person_dmg(el, response.subscriber, d8)
            if dmg:
                out.append(dmg)
            hl += 1
            out.append(f"HL{el}{hl}{el}{subscriber_hl}{el}23{el}0")
            out.append(trn)
            out.append(person_nm1(el, clean, "03", dependent))
            _aaa(out, el, by_level.get("dependent", ()))
            _benefits(out, el, rep, clean, response, dependent)
    return render_interchange(envelope, "HB", VERSION, [TransactionBody("271", out)])


def _aaa(out: list[str], el: str, rejections) -> None:
    for r in rejections:
        out.append(el.join(("AAA", "Y" if r.valid else "N", "", r.code, r.follow_up)))


def _benefits(out, el, rep, clean, response: EligibilityResponse, person: Person) -> None:
    dmg = person_dmg(el, person, d8)
    if dmg:
        out.append(dmg)
    if response.plan_begin is not None:
        out.append(f"DTP{el}346{el}D8{el}{d8(response.plan_begin)}")
    if response.plan_end is not None:
        out.append(f"DTP{el}347{el}D8{el}{d8(response.plan_end)}")
    for b in response.benefits:
        out.append(
            el.join(
                (
                    "EB",
                    b.code,
                    b.coverage_level,
                    rep.join(b.service_types),
                    b.insurance_type,
                    clean(b.plan),
                    b.time_period,
                    "" if b.amount is None else f"{b.amount:.2f}",
                    "" if b.percent is None else format(b.percent, "f"),
                    b.quantity_qualifier,
                    "" if b.quantity is None else quantity(b.quantity),
                    b.authorization_required,
                    b.in_network,
                )
            ).rstrip(el)
        )
        _aaa(out, el, b.rejections)
        for message in b.messages:
            out.append(f"MSG{el}{clean(message)}")


@incomplete_as_x12error
def parse_271(transaction: Transaction) -> list[EligibilityResponse]:
    """Every answer in one 271 (see the module docstring)."""
    _expect(transaction, "271")
    segs = transaction.body()
    result: list[EligibilityResponse] = []
    payer = provider = None
    upper: list[Rejection] = []  # payer- and provider-level rejections
    current: dict | None = None
    benefit: dict | None = None
    pending_trace = ("", "")
    level = ""
    provider_has_children = True

    def finish_benefit():
        nonlocal benefit
        if benefit is not None and current is not None:
            current["benefits"].append(Benefit(**benefit))
        benefit = None

    def finish():
        nonlocal current
        finish_benefit()
        if current is not None:
            current["benefits"] = tuple(current["benefits"])
            current["rejections"] = tuple(upper) + tuple(current["rejections"])
            result.append(EligibilityResponse(**current))
            current = None

    i, n = 1, len(segs)
    in_ls = False
    while i < n:
        s = segs[i]
        i += 1
        tag = s.id
        if in_ls:
            in_ls = tag != "LE"
            continue
        if tag == "HL":
            new_level = _level(s)
            if new_level in ("20", "21", "22"):
                if level == "21" and not provider_has_children and current is None:
                    result.append(
                        EligibilityResponse(
                            "",
                            payer,
                            provider,
                            None,  # type: ignore[arg-type]
                            rejections=tuple(upper),
                        )
                    )
                finish()
                if new_level in ("20", "21"):
                    upper = [r for r in upper if r.level == "payer"] if new_level == "21" else []
                    provider_has_children = s[4] != "0"
            elif new_level == "23":
                finish_benefit()
                if current is not None:
                    current["benefits"] = []
            level = new_level
        elif tag == "NM1" and s[1] == "PR" and level == "20":
            payer = entity_from(s)
        elif tag == "NM1" and s[1] in ("1P", "FA", "80", "2B", "36") and level == "21":
            provider = entity_from(s)
        elif tag == "TRN":
            if s[1] != "2" and s[1] != "1":
                raise s.error(f"unknown trace type {s[1]!r} (expected 2, or 1 for our own)", 1)
            pending_trace = (s[2], s[3])
            if current is not None and level == "23":
                current["trace_number"], current["originator_id"] = pending_trace
        elif tag == "NM1" and s[1] == "IL":
            current = {
                "trace_number": pending_trace[0],
                "originator_id": pending_trace[1],
                "payer": payer,
                "provider": provider,
                "subscriber": None,
                "benefits": [],
                "rejections": [],
            }
            i = _person_into(segs, i, current, "subscriber", s)
        elif tag == "NM1" and s[1] == "03":
            if current is None:
                raise s.error("a dependent (2100D) without its subscriber (2100C)")
            i = _person_into(segs, i, current, "dependent", s)
        elif tag == "AAA":
            rejection = _rejection(s, level, benefit is not None)
            if benefit is not None:
                benefit["rejections"] += (rejection,)
            elif current is not None:
                current["rejections"].append(rejection)
            else:
                upper.append(rejection)
        elif tag == "DTP" and current is not None and benefit is None:
            if s[1] in ("346", "356", "291", "307") and s[2] == "D8":
                current.setdefault("plan_begin", parse_d8(s[3], s, 3))
            elif s[1] in ("347", "357") and s[2] == "D8":
                current["plan_end"] = parse_d8(s[3], s, 3)
            elif s[1] in ("291", "307") and s[2] == "RD8":
                begin, _, end = s[3].partition("-")
                current.setdefault("plan_begin", parse_d8(begin, s, 3))
                current.setdefault("plan_end", parse_d8(end, s, 3))
        elif tag == "EB":
            if current is None:
                raise s.error("a benefit (EB) outside a subscriber or dependent loop")
            finish_benefit()
            benefit = _benefit(s)
        elif tag == "MSG" and benefit is not None:
            benefit["messages"] += (s[1],)
        elif tag == "LS":
            in_ls = True
    if level == "21" and not provider_has_children and current is None:
        result.append(EligibilityResponse("", payer, provider, None, rejections=tuple(upper)))  # type: ignore[arg-type]
    finish()
    return result


def _person_into(segs: list[Segment], i: int, current: dict, key: str, nm1: Segment) -> int:
    dmg = None
    n = len(segs)
    while i < n and segs[i].id in ("REF", "N3", "N4", "AAA", "PRV", "DMG", "INS", "HI", "MPI"):
        seg = segs[i]
        if seg.id == "DMG":
            dmg = seg
        elif seg.id == "AAA":
            current["rejections"].append(_rejection(seg, "22" if key == "subscriber" else "23"))
        i += 1
    current[key] = person_from(nm1, dmg)
    return i


def _rejection(s: Segment, level: str, in_benefit: bool = False) -> Rejection:
    code, follow_up = s[3], s[4]
    if code not in REJECT_REASONS:
        raise s.error(f"unknown reject reason code {code!r}", 3)
    if follow_up not in FOLLOW_UP_ACTIONS:
        raise s.error(f"unknown follow-up action code {follow_up!r}", 4)
    name = "benefit" if in_benefit else LEVELS.get(level, "subscriber")
    return Rejection(code, follow_up, name, s[1] == "Y")


def _benefit(s: Segment) -> dict:
    code = s[1]
    if code not in BENEFIT_CODES:
        raise s.error(f"unknown eligibility or benefit code {code!r}", 1)
    network = s[12]
    if network and network not in NETWORK:
        raise s.error(f"unknown in-plan-network indicator {network!r}", 12)
    return {
        "code": code,
        "coverage_level": s[2],
        "service_types": tuple(s.repeats(3)),
        "insurance_type": s[4],
        "plan": s[5],
        "time_period": s[6],
        "amount": parse_amount(s[7], s, 7),
        "percent": parse_amount(s[8], s, 8),
        "quantity_qualifier": s[9],
        "quantity": parse_amount(s[10], s, 10),
        "authorization_required": s[11],
        "in_network": network,
        "messages": (),
        "rejections": (),
    }


def _level(s: Segment) -> str:
    level = s[3]
    if level not in LEVELS:
        raise s.error(f"unknown hierarchical level code {level!r}", 3)
    return level


def _expect(transaction: Transaction, set_id: str) -> None:
    if transaction.set_id != set_id:
        raise transaction.segments[0].error(f"expected a {set_id}, found a {transaction.set_id}", 1)
    body = transaction.body()
    if not body or body[0].id != "BHT":
        raise transaction.segments[0].error(f"a {set_id} starts with BHT")


# --- plain benefits -------------------------------------------------------------------

_REMAINING = {"29", "33"}


def summarize(response: EligibilityResponse) -> BenefitSummary:
    active: bool | None = None
    plan = ""
    networks: dict[str, dict] = {"Y": {}, "N": {}}
    for b in response.benefits:
        if b.code in ACTIVE:
            active = True
            plan = plan or b.plan
        elif b.code in INACTIVE and active is None:
            active = False
        targets = [b.in_network] if b.in_network in ("Y", "N") else ["Y", "N"]
        individual = b.coverage_level in ("", "IND", "EMP", "CHD", "SPO", "DEP")
        for net in targets:
            values = networks[net]
            if b.code == "B" and b.amount is not None and _office_visit(b):
                if "office_visit_copay" not in values or "98" in b.service_types:
                    values["office_visit_copay"] = b.amount
            elif b.code == "C" and b.amount is not None and individual:
                key = "deductible_remaining" if b.time_period in _REMAINING else "deductible"
                values.setdefault(key, b.amount)
            elif b.code == "G" and b.amount is not None and individual:
                key = "out_of_pocket_remaining" if b.time_period in _REMAINING else "out_of_pocket"
                values.setdefault(key, b.amount)
            elif b.code == "A" and b.percent is not None:
                values.setdefault("coinsurance_percent", (b.percent * 100).normalize())
    return BenefitSummary(
        active=active,
        plan=plan,
        plan_begin=response.plan_begin,
        in_network=NetworkBenefits(**networks["Y"]),
        out_of_network=NetworkBenefits(**networks["N"]),
        rejections=tuple(r.explain() for r in response.rejections),
    )


def _office_visit(b: Benefit) -> bool:
    return not b.service_types or bool({"98", "BZ", "30", "1"} & set(b.service_types))


def respond(
    request: EligibilityRequest,
    *,
    benefits: Sequence[Benefit] = (),
    rejections: Sequence[Rejection] = (),
    plan_begin: date | None = None,
    plan_end: date | None = None,
) -> EligibilityResponse:
    """A payer's answer to one request (the simulated payer): the request's people and
    trace number echoed, with these benefits or rejections."""
    return EligibilityResponse(
        trace_number=request.trace_number,
        originator_id=request.originator_id,
        payer=request.payer,
        provider=request.provider,
        subscriber=request.subscriber,
        dependent=request.dependent,
        benefits=tuple(benefits),
        rejections=tuple(rejections),
        plan_begin=plan_begin,
        plan_end=plan_end,
    )
