"""FHIR R4 Claim, ClaimResponse and ExplanationOfBenefit from our claims and their
remittances (835 postings). Plain dataclasses in, resource dicts out (no Django).

Codes: ICD-10-CM diagnoses in claim order; CPT (AMA) or HCPCS Level II for services with
their modifiers; CMS place-of-service codes; amounts as Money with Decimal values in USD
(the JSON writer keeps them exact). Adjudication categories come from the 835's CAS group
and CARC: the base `adjudication` code system where it has the concept (submitted,
eligible, benefit, deductible, copay), CARIN Blue Button's otherwise (coinsurance,
memberliability, discount, noncovered); the X12 group and reason go along as codings so
nothing of the remittance is lost.

Ids: the Claim's is the claim's public id. FHIR ids are unique per type, so on the REST API
its ClaimResponse and ExplanationOfBenefit have the same id (`same_ids=True`); inside a
Bundle (urn:uuid fullUrls, unique across types) theirs are derived from it (uuid5). Either
way the same claim always answers with the same ids.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from medoffice.formats.fhir.bundle import ICD10CM_SYSTEM, NPI_SYSTEM, _instant, urn_ref

CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEM = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
POS_SYSTEM = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
RELATED_CLAIM = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
PAYEE_TYPE = "http://terminology.hl7.org/CodeSystem/payeetype"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
C4BB_ADJUDICATION = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
CARC_SYSTEM = "https://x12.org/codes/claim-adjustment-reason-codes"
CAS_GROUP_SYSTEM = "urn:x12:cas-group"  # CAS01: CO, CR, OA, PI, PR
CONTROL_NUMBER_SYSTEM = "urn:x12:clm01"  # our patient control number (837 CLM01)
PAYER_CLAIM_SYSTEM = "urn:x12:payer-claim-number"  # the payer's ICN (835 CLP07)
TRACE_SYSTEM = "urn:x12:trn02"  # the check or EFT trace number of the payment
CURRENCY = "USD"

# Our claim status -> Claim.status (financial resource status codes)
CLAIM_STATUS = {"draft": "draft", "scrubbed": "draft"}
ADJUDICATED = frozenset({"paid", "partially_paid", "denied", "appealed", "closed"})
# Our claim frequency (CLM05-3) -> how a correction relates to the claim it corrects
CORRECTION = {"7": "prior", "8": "prior"}


@dataclass(frozen=True)
class ClaimLineData:
    sequence: int
    code: str  # CPT or HCPCS
    units: int
    amount: Decimal
    service_date: date
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = ()  # diagnosis sequences, 1-based


@dataclass(frozen=True)
class AdjustmentData:
    group: str  # CAS01
    reason: str  # CARC
    amount: Decimal


@dataclass(frozen=True)
class AdjudicationData:
    line: int | None  # the line's sequence; None for the claim as a whole
    paid: Decimal
    paid_date: date
    allowed: Decimal | None = None
    adjustments: tuple[AdjustmentData, ...] = ()


@dataclass(frozen=True)
class PaymentData:
    """One payer payment that carried this claim (an ERA's BPR/TRN), and this claim's share."""

    paid_on: date
    amount: Decimal
    trace_number: str = ""


@dataclass(frozen=True)
class ClaimData:
    id: str
    control_number: str
    status: str  # our ClaimStatus
    patient_id: str
    provider_id: str  # Practitioner
    provider_npi: str
    payer_id: str  # Organization (insurer)
    coverage_id: str
    created: datetime
    service_from: date
    service_to: date
    place_of_service: str
    total: Decimal
    diagnoses: tuple[tuple[str, str], ...] = ()  # (ICD-10-CM with dot, description)
    lines: tuple[ClaimLineData, ...] = ()
    responsibility: int = 1  # 1 primary, 2 secondary, 3 tertiary
    frequency: str = "1"
    original_id: str = ""  # the claim a replacement or void corrects
    status_reason: str = ""
    payer_claim_number: str = ""
    prior_authorization: str = ""
    paid: Decimal = Decimal("0.00")
    patient_responsibility: Decimal = Decimal("0.00")
    adjudications: tuple[AdjudicationData, ...] = ()  # current ones (not superseded)
    payments: tuple[PaymentData, ...] = ()


Ref = Callable[[str, str], dict]


def money(amount: Decimal) -> dict:
    if not isinstance(amount, Decimal):
        raise TypeError("money is Decimal")
    return {"value": amount, "currency": CURRENCY}


def _coding(system: str, code: str, display: str = "") -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _concept(system: str, code: str, display: str = "") -> dict:
    return {"coding": [_coding(system, code, display)]}


def procedure_system(code: str) -> str:
    """HCPCS Level II codes start with a letter; CPT codes are five digits (or four and F/T/U)."""
    return HCPCS_SYSTEM if code[:1].isalpha() else CPT_SYSTEM


def adjustment_category(group: str, reason: str) -> dict:
    """The adjudication category of one CAS amount, with its X12 group and reason beside it."""
    if group == "PR" and reason == "1":
        system, code = ADJUDICATION, "deductible"
    elif group == "PR" and reason == "3":
        system, code = ADJUDICATION, "copay"
    elif group == "PR" and reason == "2":
        system, code = C4BB_ADJUDICATION, "coinsurance"
    elif group == "PR":
        system, code = C4BB_ADJUDICATION, "memberliability"
    elif reason == "45":  # charge exceeds the fee schedule: the contracted discount
        system, code = C4BB_ADJUDICATION, "discount"
    else:
        system, code = C4BB_ADJUDICATION, "noncovered"
    return {"coding": [_coding(system, code), _coding(CAS_GROUP_SYSTEM, group)]}


def _adjudication_entries(
    submitted: Decimal | None, a: AdjudicationData | None, *, with_reason: bool
) -> list[dict]:
    out: list[dict] = []
    if submitted is not None:
        out.append({"category": _concept(ADJUDICATION, "submitted"), "amount": money(submitted)})
    if a is None:
        return out
    if a.allowed is not None:
        out.append({"category": _concept(ADJUDICATION, "eligible"), "amount": money(a.allowed)})
    for adj in a.adjustments:
        entry: dict = {
            "category": adjustment_category(adj.group, adj.reason),
            "amount": money(adj.amount),
        }
        if with_reason:
            entry["reason"] = _concept(CARC_SYSTEM, adj.reason)
        out.append(entry)
    out.append({"category": _concept(ADJUDICATION, "benefit"), "amount": money(a.paid)})
    return out


def _identifiers(c: ClaimData) -> list[dict]:
    out = [{"system": CONTROL_NUMBER_SYSTEM, "value": c.control_number}]
    if c.payer_claim_number:
        out.append({"system": PAYER_CLAIM_SYSTEM, "value": c.payer_claim_number})
    return out


def _diagnoses(c: ClaimData) -> list[dict]:
    return [
        {
            "sequence": sequence,
            "diagnosisCodeableConcept": _concept(ICD10CM_SYSTEM, code, description),
        }
        for sequence, (code, description) in enumerate(c.diagnoses, start=1)
    ]


def _service(line: ClaimLineData) -> dict:
    system = procedure_system(line.code)
    out: dict = {"productOrService": _concept(system, line.code)}
    if line.modifiers:
        out["modifier"] = [_concept(system, m) for m in line.modifiers]
    out["servicedDate"] = line.service_date.isoformat()
    return out


def _common(c: ClaimData, ref: Ref) -> dict:
    return {
        "type": _concept(CLAIM_TYPE, "professional"),
        "use": "claim",
        "patient": ref("Patient", c.patient_id),
        "billablePeriod": {
            "start": c.service_from.isoformat(),
            "end": c.service_to.isoformat(),
        },
        "created": _instant(c.created),
        "insurer": ref("Organization", c.payer_id),
    }


def _provider(c: ClaimData, ref: Ref) -> dict:
    provider = ref("Practitioner", c.provider_id)
    if c.provider_npi:
        provider["identifier"] = {"system": NPI_SYSTEM, "value": c.provider_npi}
    return provider


def _insurance(c: ClaimData, ref: Ref) -> list[dict]:
    insurance: dict = {"sequence": 1, "focal": True, "coverage": ref("Coverage", c.coverage_id)}
    if c.prior_authorization:
        insurance["preAuthRef"] = [c.prior_authorization]
    return [insurance]


def claim(c: ClaimData, *, ref: Ref = urn_ref) -> dict:
    status = CLAIM_STATUS.get(c.status, "active")
    if c.frequency == "8":
        status = "cancelled"
    resource: dict = {
        "resourceType": "Claim",
        "id": c.id,
        "identifier": _identifiers(c),
        "status": status,
        **_common(c, ref),
        "provider": _provider(c, ref),
        "priority": _concept(PROCESS_PRIORITY, "normal"),
        "insurance": _insurance(c, ref),
        "total": money(c.total),
    }
    if c.original_id and c.frequency in CORRECTION:
        resource["related"] = [
            {
                "claim": ref("Claim", c.original_id),
                "relationship": _concept(RELATED_CLAIM, CORRECTION[c.frequency]),
            }
        ]
    if c.diagnoses:
        resource["diagnosis"] = _diagnoses(c)
    if c.lines:
        resource["item"] = [
            {
                "sequence": line.sequence,
                **({"diagnosisSequence": list(line.pointers)} if line.pointers else {}),
                **_service(line),
                "locationCodeableConcept": _concept(POS_SYSTEM, c.place_of_service),
                "quantity": {"value": line.units},
                "net": money(line.amount),
            }
            for line in c.lines
        ]
    return resource


def is_adjudicated(c: ClaimData) -> bool:
    """The payer has decided on it: an ERA posted an adjudication."""
    return bool(c.adjudications)


def has_response(c: ClaimData) -> bool:
    """The payer has answered: adjudicated, or rejected/denied with a reason."""
    return is_adjudicated(c) or c.status in ("rejected", "denied")


def claim_response_id(claim_id: str, *, same_ids: bool = False) -> str:
    return claim_id if same_ids else str(uuid.uuid5(uuid.UUID(claim_id), "claim-response"))


def explanation_of_benefit_id(claim_id: str, *, same_ids: bool = False) -> str:
    if same_ids:
        return claim_id
    return str(uuid.uuid5(uuid.UUID(claim_id), "explanation-of-benefit"))


def _outcome(c: ClaimData) -> str:
    if c.status == "rejected" and not c.adjudications:
        return "error"
    if is_adjudicated(c) or c.status in ADJUDICATED:
        return "complete"
    return "queued"


def _by_line(c: ClaimData) -> tuple[dict[int, AdjudicationData], AdjudicationData | None]:
    lines: dict[int, AdjudicationData] = {}
    header = None
    for a in c.adjudications:
        if a.line is None:
            header = a
        else:
            lines[a.line] = a
    return lines, header


def _totals(c: ClaimData) -> list[dict]:
    out = [
        {"category": _concept(ADJUDICATION, "submitted"), "amount": money(c.total)},
        {"category": _concept(ADJUDICATION, "benefit"), "amount": money(c.paid)},
    ]
    if c.patient_responsibility:
        out.append(
            {
                "category": _concept(C4BB_ADJUDICATION, "memberliability"),
                "amount": money(c.patient_responsibility),
            }
        )
    return out


def _payment(c: ClaimData) -> dict | None:
    if not c.payments:
        return None
    last = max(c.payments, key=lambda p: p.paid_on)
    total = sum((p.amount for p in c.payments), Decimal("0.00"))
    out: dict = {
        "type": _concept(PAYMENT_TYPE, "complete" if len(c.payments) == 1 else "partial"),
        "date": last.paid_on.isoformat(),
        "amount": money(total),
    }
    if last.trace_number:
        out["identifier"] = {"system": TRACE_SYSTEM, "value": last.trace_number}
    return out


def _disposition(c: ClaimData) -> str:
    return c.status_reason or {
        "paid": "Paid",
        "partially_paid": "Partially paid",
        "denied": "Denied",
        "rejected": "Rejected",
    }.get(c.status, "Processed")


def claim_response(c: ClaimData, *, ref: Ref = urn_ref, same_ids: bool = False) -> dict:
    """What the payer answered (ClaimResponse): its outcome and per-line adjudication."""
    lines, header = _by_line(c)
    resource: dict = {
        "resourceType": "ClaimResponse",
        "id": claim_response_id(c.id, same_ids=same_ids),
        "identifier": _identifiers(c),
        "status": "active",
        **{k: v for k, v in _common(c, ref).items() if k != "billablePeriod"},
        "requestor": ref("Practitioner", c.provider_id),
        "request": ref("Claim", c.id),
        "outcome": _outcome(c),
        "disposition": _disposition(c),
    }
    items = [
        {"itemSequence": line.sequence, "adjudication": _adjudication_entries(
            line.amount, lines[line.sequence], with_reason=True)}
        for line in c.lines if line.sequence in lines
    ]  # fmt: skip
    if items:
        resource["item"] = items
    if header is not None:
        resource["adjudication"] = _adjudication_entries(None, header, with_reason=True)
    if is_adjudicated(c):
        resource["payeeType"] = _concept(PAYEE_TYPE, "provider")
        resource["total"] = _totals(c)
    payment = _payment(c)
    if payment:
        resource["payment"] = payment
    return resource


def explanation_of_benefit(c: ClaimData, *, ref: Ref = urn_ref, same_ids: bool = False) -> dict:
    """The claim and its adjudication together (ExplanationOfBenefit), for a decided claim."""
    lines, header = _by_line(c)
    resource: dict = {
        "resourceType": "ExplanationOfBenefit",
        "id": explanation_of_benefit_id(c.id, same_ids=same_ids),
        "identifier": _identifiers(c),
        "status": "cancelled" if c.frequency == "8" else "active",
        **_common(c, ref),
        "provider": _provider(c, ref),
        "payee": {
            "type": _concept(PAYEE_TYPE, "provider"),
            "party": ref("Practitioner", c.provider_id),
        },
        "claim": ref("Claim", c.id),
        "claimResponse": ref("ClaimResponse", claim_response_id(c.id, same_ids=same_ids)),
        "outcome": _outcome(c),
        "disposition": _disposition(c),
        "insurance": [{"focal": True, "coverage": ref("Coverage", c.coverage_id)}],
        "total": _totals(c),
    }
    if c.diagnoses:
        resource["diagnosis"] = _diagnoses(c)
    if c.lines:
        resource["item"] = [
            {
                "sequence": line.sequence,
                **({"diagnosisSequence": list(line.pointers)} if line.pointers else {}),
                **_service(line),
                "locationCodeableConcept": _concept(POS_SYSTEM, c.place_of_service),
                "quantity": {"value": line.units},
                "net": money(line.amount),
                "adjudication": _adjudication_entries(
                    line.amount, lines.get(line.sequence), with_reason=True
                ),
            }
            for line in c.lines
        ]
    if header is not None:
        resource["adjudication"] = _adjudication_entries(None, header, with_reason=True)
    payment = _payment(c)
    if payment:
        resource["payment"] = payment
    return resource


def financial_resources(c: ClaimData, *, ref: Ref = urn_ref, same_ids: bool = False) -> list[dict]:
    """The claim, and its response and explanation once the payer has answered."""
    out = [claim(c, ref=ref)]
    if has_response(c):
        out.append(claim_response(c, ref=ref, same_ids=same_ids))
    if is_adjudicated(c):
        out.append(explanation_of_benefit(c, ref=ref, same_ids=same_ids))
    return out
