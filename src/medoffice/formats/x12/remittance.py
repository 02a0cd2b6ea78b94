"""835 health care claim payment/advice, 005010X221A1: what the payer paid, and why not.

`parse_835(transaction)` gives a `Remittance`: the payment (BPR: amount,
method, date; TRN: the check or EFT trace number), the payer and payee, one
`ClaimPayment` per CLP (every status, claim-level CAS adjustments, patient,
dates, MOA remarks) with its `ServicePayment`s (SVC with the procedure
composite and modifiers, the originally billed code when the payer changed
it, dates, CAS, our line control number REF*6R, allowed amount, RARC remarks)
and the provider-level adjustments (PLB: interest, recoupments, ...).
`balancing_errors(remittance)` checks the three balancing rules of the guide;
`render_835` writes a remittance (tests, the demo's simulated payer and the
posting benchmark; see `synthetic.py` for a generator).

Amounts are Decimal as written; nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .common import (
    ADJUSTMENT_GROUPS,
    Address,
    Adjustment,
    Entity,
    Person,
    adjustments_from_cas,
    cas_segments,
    parse_amount,
    parse_d8,
    person_nm1,
)
from .errors import X12Error, incomplete_as_x12error
from .reader import Segment, Transaction
from .writer import Envelope, TransactionBody, amount, cleaner, d8, quantity, render_interchange

VERSION = "005010X221A1"
ZERO = Decimal("0.00")

CLAIM_STATUSES = {  # CLP02
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to additional payer(s)",
    "20": "processed as secondary, forwarded to additional payer(s)",
    "21": "processed as tertiary, forwarded to additional payer(s)",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded to additional payer(s)",
    "25": "predetermination pricing only, no payment",
}
HANDLING = {  # BPR01
    "C": "payment accompanies remittance advice",
    "D": "make payment only",
    "H": "notification only",
    "I": "remittance information only",
    "P": "prenotification of future transfers",
    "U": "split payment and remittance",
    "X": "handling party's option to split payment and remittance",
}
PAYMENT_METHODS = {  # BPR04
    "ACH": "automated clearing house (EFT)",
    "BOP": "financial institution option",
    "CHK": "check",
    "FWT": "federal reserve funds/wire transfer",
    "NON": "non-payment data",
}
PLB_REASONS = {  # PLB03-1
    "50": "late charge",
    "51": "interest penalty charge",
    "72": "authorized return",
    "90": "early payment allowance",
    "AH": "origination fee",
    "AM": "applied to borrower's account",
    "AP": "acceleration of benefits",
    "B2": "rebate",
    "B3": "recovery allowance",
    "BD": "bad debt adjustment",
    "BN": "bonus",
    "C5": "temporary allowance",
    "CR": "capitation interest",
    "CS": "adjustment",
    "CT": "capitation payment",
    "CV": "capital passthru",
    "CW": "certified registered nurse anesthetist passthru",
    "DM": "direct medical education passthru",
    "E3": "withholding",
    "FB": "forwarding balance",
    "FC": "fund allocation",
    "GO": "graduate medical education passthru",
    "HM": "hemophilia clotting factor supplement",
    "IP": "incentive premium payment",
    "IR": "internal revenue service withholding",
    "IS": "interim settlement",
    "J1": "nonreimbursable",
    "L3": "penalty",
    "L6": "interest owed",
    "LE": "levy",
    "LS": "lump sum",
    "OA": "organ acquisition passthru",
    "OB": "offset for affiliated providers",
    "PI": "periodic interim payment",
    "PL": "payment final",
    "RA": "retro-activity adjustment",
    "RE": "return on equity",
    "SL": "student loan repayment",
    "TL": "third party liability",
    "WO": "overpayment recovery",
    "WU": "unspecified recovery",
    "ZZ": "mutually defined",
}
SERVICE_QUALIFIERS = {"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU", "UI", "WK"}


@dataclass(frozen=True, slots=True)
class ServicePayment:
    procedure_code: str  # SVC01-2
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    modifiers: tuple[str, ...] = ()  # SVC01-3..6
    units: Decimal | int | None = None  # SVC05 (absent means 1)
    qualifier: str = "HC"  # SVC01-1
    revenue_code: str = ""  # SVC04
    original_procedure_code: str = ""  # SVC06-2, when the payer paid another code
    original_modifiers: tuple[str, ...] = ()
    original_units: Decimal | int | None = None  # SVC07
    service_date: date | None = None  # DTM*472 (or DTM*150)
    service_end: date | None = None  # DTM*151
    adjustments: tuple[Adjustment, ...] = ()
    line_control_number: str = ""  # REF*6R: our 837 REF*6R
    allowed: Decimal | None = None  # AMT*B6
    remarks: tuple[str, ...] = ()  # LQ*HE: RARC

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    patient_control_number: str  # CLP01: our CLM01
    status: str  # CLP02 (CLAIM_STATUSES)
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None = None  # CLP05
    filing_indicator: str = ""  # CLP06
    payer_claim_number: str = ""  # CLP07: quote it in a replacement (REF*F8)
    facility_code: str = ""  # CLP08: place of service
    frequency: str = ""  # CLP09
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    patient: Person | None = None  # NM1*QC
    insured: Person | None = None  # NM1*IL
    rendering_provider: Entity | None = None  # NM1*82
    statement_from: date | None = None  # DTM*232
    statement_to: date | None = None  # DTM*233
    received: date | None = None  # DTM*050
    remarks: tuple[str, ...] = ()  # MOA03..MOA07 (RARC)
    services: tuple[ServicePayment, ...] = ()

    @property
    def status_text(self) -> str:
        return CLAIM_STATUSES[self.status]

    @property
    def is_denied(self) -> bool:
        return self.status == "4"

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def adjusted(self) -> Decimal:
        total = sum((a.amount for a in self.adjustments), ZERO)
        for service in self.services:
            total += service.adjusted
        return total


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB reason: positive amounts reduce the payment, negative ones add (interest)."""

    provider_id: str  # PLB01: NPI or TIN
    fiscal_period_end: date  # PLB02
    reason: str  # PLB03-1 (PLB_REASONS)
    amount: Decimal
    reference: str = ""  # PLB03-2: e.g. the payer claim number of a recoupment

    @property
    def reason_text(self) -> str:
        return PLB_REASONS[self.reason]


@dataclass(frozen=True, slots=True)
class Remittance:
    total_paid: Decimal  # BPR02
    payment_method: str  # BPR04 (PAYMENT_METHODS)
    trace_number: str  # TRN02: check number or EFT trace
    payer: Entity  # N1*PR (id from REF*2U or TRN03 when N1 has none)
    payee: Entity  # N1*PE (XX NPI, FI tax id)
    claims: tuple[ClaimPayment, ...]
    payment_date: date | None = None  # BPR16
    handling: str = "I"  # BPR01 (HANDLING)
    credit: bool = True  # BPR03 C credit, D debit
    payment_format: str = ""  # BPR05: CCP, CTX
    payer_identifier: str = ""  # TRN03 / BPR10: "1" + the payer's EIN
    sender_routing: str = ""  # BPR07
    sender_account: str = ""  # BPR09
    receiver_routing: str = ""  # BPR13
    receiver_account: str = ""  # BPR15
    production_date: date | None = None  # DTM*405
    payer_address: Address | None = None
    payer_contact: str = ""  # PER*BL name
    payer_phone: str = ""  # PER*BL TE (required when writing)
    payee_tax_id: str = ""  # REF*TJ
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()


# --- reading --------------------------------------------------------------------------


def _service(svc: Segment) -> dict:
    parts = svc.components(1)
    if len(parts) < 2 or parts[0] not in SERVICE_QUALIFIERS:
        raise svc.error(f"unknown product/service id qualifier {parts[:1]}", 1)
    original = svc.components(6)
    charge = parse_amount(svc[2], svc, 2)
    paid = parse_amount(svc[3], svc, 3)
    if charge is None or paid is None:
        raise svc.error("SVC needs the charge (SVC02) and the payment (SVC03)", 2)
    return {
        "procedure_code": parts[1],
        "qualifier": parts[0],
        "modifiers": tuple(m for m in parts[2:6] if m),
        "charge": charge,
        "paid": paid,
        "revenue_code": svc[4],
        "units": _units(svc, 5),
        "original_procedure_code": original[1] if len(original) > 1 else "",
        "original_modifiers": tuple(m for m in original[2:6] if m),
        "original_units": _units(svc, 7),
        "adjustments": [],
        "remarks": [],
    }


def _units(s: Segment, index: int) -> Decimal | int | None:
    value = parse_amount(s[index], s, index)
    if value is not None and value == value.to_integral_value():
        return int(value)
    return value


def _person(nm1: Segment) -> Person:
    return Person(nm1[3], nm1[4], nm1[9], None, "", nm1[5])


@incomplete_as_x12error
def parse_835(transaction: Transaction) -> Remittance:
    """One 835 transaction set (one payment) into a `Remittance`."""
    if transaction.set_id != "835":
        raise transaction.segments[0].error(f"expected an 835, found a {transaction.set_id}", 1)
    segs = transaction.body()
    if not segs or segs[0].id != "BPR":
        raise transaction.segments[0].error("an 835 starts with BPR")
    bpr = segs[0]
    handling = bpr[1]
    if handling not in HANDLING:
        raise bpr.error(f"unknown transaction handling code {handling!r}", 1)
    method = bpr[4]
    if method not in PAYMENT_METHODS:
        raise bpr.error(f"unknown payment method code {method!r}", 4)
    if bpr[3] not in ("C", "D"):
        raise bpr.error(f"credit/debit flag must be C or D, not {bpr[3]!r}", 3)
    total = parse_amount(bpr[2], bpr, 2)
    if total is None:
        raise bpr.error("BPR02, the total payment, is missing", 2)
    head: dict = {
        "total_paid": total,
        "payment_method": method,
        "handling": handling,
        "credit": bpr[3] == "C",
        "payment_format": bpr[5],
        "sender_routing": bpr[7],
        "sender_account": bpr[9],
        "receiver_routing": bpr[13],
        "receiver_account": bpr[15],
        "payment_date": parse_d8(bpr[16], bpr, 16),
    }
    claims: list[ClaimPayment] = []
    plb: list[ProviderAdjustment] = []
    claim: dict | None = None
    service: dict | None = None
    party = ""  # "PR" or "PE" while in 1000A/1000B

    def finish_service():
        nonlocal service
        if service is not None:
            service["adjustments"] = tuple(service["adjustments"])
            service["remarks"] = tuple(service["remarks"])
            claim["services"].append(ServicePayment(**service))  # type: ignore[index]
            service = None

    def finish_claim():
        nonlocal claim
        finish_service()
        if claim is not None:
            claim["adjustments"] = tuple(claim["adjustments"])
            claim["services"] = tuple(claim["services"])
            claims.append(ClaimPayment(**claim))
            claim = None

    n = len(segs)
    i = 1
    while i < n:
        s = segs[i]
        i += 1
        tag = s.id
        if claim is not None:
            if tag == "SVC":
                finish_service()
                service = _service(s)
            elif tag == "CAS":
                target = service if service is not None else claim
                target["adjustments"].extend(adjustments_from_cas(s))
            elif tag == "CLP" or tag == "LX":
                finish_claim()
                i -= 1  # read again below, outside the claim
            elif tag == "PLB":
                finish_claim()
                i -= 1
            elif service is not None:
                if tag == "DTM":
                    day = parse_d8(s[2], s, 2)
                    if s[1] in ("472", "150"):
                        service["service_date"] = day
                    elif s[1] == "151":
                        service["service_end"] = day
                    else:
                        raise s.error(f"unknown service date qualifier {s[1]!r}", 1)
                elif tag == "REF" and s[1] == "6R":
                    service["line_control_number"] = s[2]
                elif tag == "AMT" and s[1] == "B6":
                    service["allowed"] = parse_amount(s[2], s, 2)
                elif tag == "LQ":
                    if s[1] not in ("HE", "RX"):
                        raise s.error(f"unknown remark code list qualifier {s[1]!r}", 1)
                    service["remarks"].append(s[2])
            elif tag == "NM1":
                if s[1] == "QC":
                    claim["patient"] = _person(s)
                elif s[1] == "IL":
                    claim["insured"] = _person(s)
                elif s[1] == "82":
                    claim["rendering_provider"] = Entity(s[3], s[9], s[8], s[4])
            elif tag == "DTM":
                key = {"232": "statement_from", "233": "statement_to", "050": "received"}.get(s[1])
                if key:
                    claim[key] = parse_d8(s[2], s, 2)
            elif tag == "MOA":
                claim["remarks"] = tuple(s[k] for k in range(3, 8) if s[k])
            continue
        if tag == "CLP":
            status = s[2]
            if status not in CLAIM_STATUSES:
                raise s.error(f"unknown claim status code {status!r}", 2)
            charge = parse_amount(s[3], s, 3)
            paid = parse_amount(s[4], s, 4)
            if charge is None or paid is None:
                raise s.error("CLP needs the charge (CLP03) and the payment (CLP04)", 3)
            claim = {
                "patient_control_number": s[1],
                "status": status,
                "charge": charge,
                "paid": paid,
                "patient_responsibility": parse_amount(s[5], s, 5),
                "filing_indicator": s[6],
                "payer_claim_number": s[7],
                "facility_code": s[8],
                "frequency": s[9],
                "adjustments": [],
                "services": [],
            }
        elif tag == "TRN":
            head["trace_number"] = s[2]
            head["payer_identifier"] = s[3]
        elif tag == "DTM" and s[1] == "405":
            head["production_date"] = parse_d8(s[2], s, 2)
        elif tag == "N1":
            party = s[1]
            entity = Entity(s[2], s[4], s[3])
            if party == "PR":
                head["payer"] = entity
            elif party == "PE":
                head["payee"] = entity
            else:
                raise s.error(f"unknown entity identifier code {party!r} (expected PR or PE)", 1)
        elif tag == "N3" and party == "PR":
            head["_n3"] = s
        elif tag == "N4" and party == "PR":
            n3 = head.pop("_n3", None)
            head["payer_address"] = Address(
                n3[1] if n3 else "", s[1], s[2], s[3], n3[2] if n3 else "", s[4]
            )
        elif tag == "PER" and s[1] == "BL":
            head["payer_contact"] = s[2]
            head["payer_phone"] = s[4] if s[3] == "TE" else ""
        elif tag == "REF" and party == "PR" and s[1] == "2U":
            head["payer"] = Entity(head["payer"].name, s[2], "PI")
        elif tag == "REF" and party == "PE" and s[1] == "TJ":
            head["payee_tax_id"] = s[2]
        elif tag == "PLB":
            plb.extend(_plb(s))
        # LX, TS3, TS2, CUR, other REF/PER, RDM: summaries we do not need
    finish_claim()
    for key, what in (("trace_number", "TRN"), ("payer", "N1*PR"), ("payee", "N1*PE")):
        if key not in head:
            raise transaction.segments[0].error(f"the 835 has no {what}")
    head.pop("_n3", None)
    return Remittance(claims=tuple(claims), provider_adjustments=tuple(plb), **head)


def _plb(s: Segment) -> list[ProviderAdjustment]:
    fiscal = parse_d8(s[2], s, 2)
    if fiscal is None:
        raise s.error("PLB02, the fiscal period date, is missing", 2)
    result = []
    for index in range(3, 15, 2):
        composite = s.components(index)
        if not composite:
            continue
        reason = composite[0]
        if reason not in PLB_REASONS:
            raise s.error(f"unknown provider adjustment reason {reason!r}", index)
        value = parse_amount(s[index + 1], s, index + 1)
        if value is None:
            raise s.error(f"provider adjustment {reason} has no amount", index + 1)
        result.append(
            ProviderAdjustment(
                s[1], fiscal, reason, value, composite[1] if len(composite) > 1 else ""
            )
        )
    if not result:
        raise s.error("PLB without any adjustment", 3)
    return result


def balancing_errors(remittance: Remittance) -> list[str]:
    """The guide's balancing rules, each broken one as a sentence ([] when it balances).

    Service: charge - paid = its CAS. Claim: charge - paid = claim CAS + service CAS.
    Payment: BPR02 = sum of CLP04 - sum of PLB amounts (a debit BPR counts negative).
    """
    problems = []
    for claim in remittance.claims:
        pcn = claim.patient_control_number
        for number, service in enumerate(claim.services, 1):
            if service.charge - service.paid != service.adjusted:
                problems.append(
                    f"claim {pcn} line {number} ({service.procedure_code}): charge "
                    f"{service.charge} - paid {service.paid} != adjustments {service.adjusted}"
                )
        if claim.charge - claim.paid != claim.adjusted:
            problems.append(
                f"claim {pcn}: charge {claim.charge} - paid {claim.paid} != adjustments "
                f"{claim.adjusted}"
            )
    expected = sum((c.paid for c in remittance.claims), ZERO) - sum(
        (p.amount for p in remittance.provider_adjustments), ZERO
    )
    total = remittance.total_paid if remittance.credit else -remittance.total_paid
    if total != expected:
        problems.append(
            f"the payment {remittance.total_paid} != claim payments - provider adjustments "
            f"({expected})"
        )
    return problems


# --- writing --------------------------------------------------------------------------


def render_835(remittances: Sequence[Remittance], *, envelope: Envelope) -> bytes:
    """One 835 transaction set per remittance (ST03 left out: the guide does not use it)."""
    if not remittances:
        raise X12Error("an 835 needs at least one remittance")
    seps = envelope.separators
    el, co = seps.element, seps.component
    clean = cleaner(seps)
    bodies = [TransactionBody("835", _body(r, el, co, clean, envelope)) for r in remittances]
    return render_interchange(envelope, "HP", VERSION, bodies, st03=False)


def _body(r: Remittance, el: str, co: str, clean, envelope: Envelope) -> list[str]:
    bpr = [
        "BPR",
        r.handling,
        amount(r.total_paid),
        "C" if r.credit else "D",
        r.payment_method,
        r.payment_format,
    ]
    if r.sender_routing or r.receiver_routing:
        bpr += [
            "01",
            clean(r.sender_routing),
            "DA",
            clean(r.sender_account),
            clean(r.payer_identifier),
            "",
            "01",
            clean(r.receiver_routing),
            "DA",
            clean(r.receiver_account),
        ]
    else:
        bpr += [""] * 10
    bpr.append(d8(r.payment_date) if r.payment_date else "")
    out = [el.join(bpr).rstrip(el)]
    trn = ["TRN", "1", clean(r.trace_number), clean(r.payer_identifier)]
    out.append(el.join(trn).rstrip(el))
    if r.production_date is not None:
        out.append(f"DTM{el}405{el}{d8(r.production_date)}")
    payer = r.payer
    n1 = ["N1", "PR", clean(payer.name)]
    if payer.id and payer.qualifier == "XV":
        n1 += ["XV", clean(payer.id)]
    out.append(el.join(n1))
    address = r.payer_address
    if address is None:
        raise X12Error("an 835 needs the payer's address (1000A N3/N4)")
    out.append(el.join(("N3", clean(address.line1), clean(address.line2))).rstrip(el))
    out.append(
        el.join(("N4", clean(address.city), clean(address.state), clean(address.postal_code)))
    )
    if payer.id and payer.qualifier != "XV":
        out.append(f"REF{el}2U{el}{clean(payer.id)}")
    if not r.payer_phone:
        raise X12Error("an 835 needs the payer's technical contact phone (PER*BL)")
    contact = clean(r.payer_contact)
    out.append(el.join(("PER", "BL", contact, "TE", clean(r.payer_phone))))
    payee = r.payee
    out.append(el.join(("N1", "PE", clean(payee.name), payee.qualifier or "XX", clean(payee.id))))
    if r.payee_tax_id:
        out.append(f"REF{el}TJ{el}{clean(r.payee_tax_id)}")
    if r.claims:
        out.append(f"LX{el}1")
    for c in r.claims:
        _claim(out, c, el, co, clean)
    by_provider: dict[tuple[str, date], list[ProviderAdjustment]] = {}
    for p in r.provider_adjustments:
        by_provider.setdefault((p.provider_id, p.fiscal_period_end), []).append(p)
    for (provider_id, fiscal), items in by_provider.items():
        for start in range(0, len(items), 6):
            parts = ["PLB", clean(provider_id), d8(fiscal)]
            for p in items[start : start + 6]:
                composite = p.reason + (co + clean(p.reference) if p.reference else "")
                parts += [composite, amount(p.amount)]
            out.append(el.join(parts))
    return out


def _claim(out: list[str], c: ClaimPayment, el: str, co: str, clean) -> None:
    if c.status not in CLAIM_STATUSES:
        raise X12Error(f"claim {c.patient_control_number!r}: unknown claim status {c.status!r}")
    out.append(
        el.join(
            (
                "CLP",
                clean(c.patient_control_number),
                c.status,
                amount(c.charge),
                amount(c.paid),
                "" if c.patient_responsibility is None else amount(c.patient_responsibility),
                c.filing_indicator,
                clean(c.payer_claim_number),
                c.facility_code,
                c.frequency,
            )
        ).rstrip(el)
    )
    for group in {a.group for a in c.adjustments} - set(ADJUSTMENT_GROUPS):
        raise X12Error(f"claim {c.patient_control_number!r}: unknown adjustment group {group!r}")
    out.extend(cas_segments(c.adjustments, el, amount, quantity))
    if c.patient is None:
        raise X12Error(f"claim {c.patient_control_number!r}: the patient (NM1*QC) is required")
    for code, person in (("QC", c.patient), ("IL", c.insured)):
        if person is None:
            continue
        out.append(person_nm1(el, clean, code, person))
    provider = c.rendering_provider
    if provider is not None:
        out.append(
            el.join(
                (
                    "NM1",
                    "82",
                    "1" if provider.first_name else "2",
                    clean(provider.name),
                    clean(provider.first_name),
                    "",
                    "",
                    "",
                    provider.qualifier or "XX",
                    clean(provider.id),
                )
            ).rstrip(el)
        )
    if c.remarks:
        out.append(el.join(("MOA", "", "", *c.remarks[:5])))
    for qualifier, day in (("232", c.statement_from), ("233", c.statement_to), ("050", c.received)):
        if day is not None:
            out.append(f"DTM{el}{qualifier}{el}{d8(day)}")
    for s in c.services:
        code = co.join((s.qualifier, clean(s.procedure_code), *(clean(m) for m in s.modifiers)))
        original = ""
        if s.original_procedure_code:
            original = co.join(
                (
                    s.qualifier,
                    clean(s.original_procedure_code),
                    *(clean(m) for m in s.original_modifiers),
                )
            )
        out.append(
            el.join(
                (
                    "SVC",
                    code,
                    amount(s.charge),
                    amount(s.paid),
                    s.revenue_code,
                    "" if s.units is None else quantity(s.units),
                    original,
                    "" if s.original_units is None else quantity(s.original_units),
                )
            ).rstrip(el)
        )
        if s.service_date is not None:
            if s.service_end is not None:
                out.append(f"DTM{el}150{el}{d8(s.service_date)}")
                out.append(f"DTM{el}151{el}{d8(s.service_end)}")
            else:
                out.append(f"DTM{el}472{el}{d8(s.service_date)}")
        out.extend(cas_segments(s.adjustments, el, amount, quantity))
        if s.line_control_number:
            out.append(f"REF{el}6R{el}{clean(s.line_control_number)}")
        if s.allowed is not None:
            out.append(f"AMT{el}B6{el}{amount(s.allowed)}")
        for remark in s.remarks:
            out.append(f"LQ{el}HE{el}{clean(remark)}")
