"""837P professional claims, 005010X222A1: records, the builder and a reader.

`render_837p(claims, submitter=..., receiver=..., envelope=..., reference=...)`
writes one interchange (one GS, one ST per 5,000 claims). Claims are grouped
under their billing provider (2000A) in the order first seen; each claim has
its own subscriber loop (2000B), a patient loop (2000C) when the patient is not
the subscriber, and, for a secondary claim, one 2320/2330A/2330B per earlier
payer with the line adjudications (2430) under each service line.

`parse_837p(transaction)` reads one 837P transaction set back into the same
records (used for round trips and for support staff reading a sent batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .common import (
    Address,
    Adjustment,
    adjustments_from_cas,
    cas_segments,
    is_valid_npi,
    parse_amount,
    parse_d8,
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

VERSION = "005010X222A1"
MAX_CLAIMS_PER_TRANSACTION = 5000
MAX_LINES = 50
MAX_DIAGNOSES = 12
FREQUENCIES = {"1": "original", "7": "replacement", "8": "void"}
# PAT01 / SBR02: the patient's relationship to the subscriber.
RELATIONSHIPS = {
    "01": "spouse",
    "19": "child",
    "20": "employee",
    "21": "unknown",
    "39": "organ donor",
    "40": "cadaver donor",
    "53": "life partner",
    "G8": "other relationship",
}
# SBR09 claim filing indicator codes.
FILING_INDICATORS = {
    "11": "other non-federal programs",
    "12": "PPO",
    "13": "POS",
    "14": "EPO",
    "15": "indemnity insurance",
    "16": "HMO Medicare risk",
    "17": "dental maintenance organization",
    "AM": "automobile medical",
    "BL": "Blue Cross/Blue Shield",
    "CH": "CHAMPUS (TRICARE)",
    "CI": "commercial insurance",
    "DS": "disability",
    "FI": "Federal Employees Program",
    "HM": "HMO",
    "LM": "liability medical",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "OF": "other federal program",
    "TV": "Title V",
    "VA": "Veterans Affairs plan",
    "WC": "workers' compensation",
    "ZZ": "mutually defined",
}
RESPONSIBILITY = {
    "P": "primary",
    "S": "secondary",
    "T": "tertiary",
    "A": "payer responsibility four",
    "B": "payer responsibility five",
    "C": "payer responsibility six",
    "D": "payer responsibility seven",
    "E": "payer responsibility eight",
    "F": "payer responsibility nine",
    "G": "payer responsibility ten",
    "H": "payer responsibility eleven",
    "U": "unknown",
}
TELEHEALTH_PLACES = {"02": "telehealth other than the patient's home", "10": "telehealth in home"}


@dataclass(frozen=True, slots=True)
class Submitter:
    name: str
    id: str  # the submitter's ETIN with the receiver (NM109)
    contact_name: str
    phone: str = ""  # digits only
    email: str = ""


@dataclass(frozen=True, slots=True)
class Receiver:
    name: str
    id: str


@dataclass(frozen=True, slots=True)
class BillingProvider:
    name: str  # organization name, or the last name when first_name is given
    npi: str
    tax_id: str  # EIN (REF*EI), digits only
    address: Address  # postal code with 9 digits
    taxonomy: str = ""  # PRV*BI
    first_name: str = ""  # set for a solo practitioner billing as a person


@dataclass(frozen=True, slots=True)
class Provider:
    """A rendering or referring provider (a person with an NPI)."""

    last_name: str
    first_name: str
    npi: str
    middle_name: str = ""
    taxonomy: str = ""  # PRV*PE for the rendering provider


@dataclass(frozen=True, slots=True)
class Subscriber:
    member_id: str
    last_name: str
    first_name: str
    birth_date: date | None = None
    sex: str = "U"  # F, M, U
    address: Address | None = None
    middle_name: str = ""
    suffix: str = ""
    group_number: str = ""
    group_name: str = ""


@dataclass(frozen=True, slots=True)
class Patient:
    """The patient when not the subscriber (2000C)."""

    last_name: str
    first_name: str
    birth_date: date
    sex: str
    relationship: str  # PAT01: 01 spouse, 19 child, ... (RELATIONSHIPS)
    address: Address | None = None
    middle_name: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Payer:
    name: str
    payer_id: str
    address: Address | None = None
    claim_filing_indicator: str = "CI"  # SBR09


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """2430: what an earlier payer did with this line."""

    payer_id: str  # the other payer's id, as in its 2330B
    paid: Decimal
    procedure_code: str
    units: Decimal | int
    adjudication_date: date
    modifiers: tuple[str, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    remaining_patient_liability: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ServiceLine:
    procedure_code: str  # CPT/HCPCS
    charge: Decimal
    units: Decimal | int
    service_date: date
    diagnosis_pointers: tuple[int, ...]  # 1-based positions in Claim.diagnoses, 1 to 4
    modifiers: tuple[str, ...] = ()
    place_of_service: str = ""  # only when it differs from the claim's
    line_control_number: str = ""  # REF*6R: comes back in the 835 SVC loop
    rendering_provider: Provider | None = None  # 2420A, when it differs from the claim's
    adjudications: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """2320/2330A/2330B: an earlier (or other) payer of this claim, for a secondary claim."""

    responsibility: str  # SBR01 of the other payer: P, S, T
    payer: Payer
    subscriber: Subscriber  # the other plan's insured
    relationship: str = "18"  # the patient to that insured: 18 self, 01, 19, ...
    paid: Decimal | None = None  # AMT*D, required once the payer adjudicated
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    remaining_patient_liability: Decimal | None = None  # AMT*EAF
    adjudication_date: date | None = None  # DTP*573 when no line adjudication is given


@dataclass(frozen=True, slots=True)
class Claim:
    patient_control_number: str  # CLM01: comes back in 999/277CA/835
    billing_provider: BillingProvider
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]  # ICD-10-CM without the dot; the first is the principal
    lines: tuple[ServiceLine, ...]
    patient: Patient | None = None  # None: the subscriber is the patient
    responsibility: str = "P"  # SBR01 of this payer: P, S, T
    insurance_type: str = ""  # SBR05, e.g. 12-16 when Medicare is secondary
    place_of_service: str = "11"  # CLM05-1; 02 and 10 are telehealth
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    original_reference: str = ""  # REF*F8, the payer's claim number for 7 and 8
    prior_authorization: str = ""  # REF*G1
    rendering_provider: Provider | None = None  # 2310B
    referring_provider: Provider | None = None  # 2310A
    other_payers: tuple[OtherPayer, ...] = ()
    provider_signature: bool = True  # CLM06
    assignment: str = "A"  # CLM07: A assigned, B lab only, C not assigned
    benefits_assigned: str = "Y"  # CLM08: Y, N, W
    release_of_information: str = "Y"  # CLM09: Y or I
    medical_record_number: str = ""  # REF*EA
    patient_paid: Decimal = Decimal("0.00")  # AMT*F5: paid by the patient toward this claim

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class ClaimBatch:
    """What `parse_837p` reads back from one transaction set."""

    reference: str  # BHT03
    submitter: Submitter
    receiver: Receiver
    claims: list[Claim] = field(default_factory=list)
    control_number: str = ""


def _check(claim: Claim) -> None:
    pcn = claim.patient_control_number

    def fail(reason: str) -> X12Error:
        return X12Error(f"claim {pcn!r}: {reason}")

    if not pcn or len(pcn) > 38:
        raise fail("the patient control number (CLM01) must have 1 to 38 characters")
    if not claim.lines:
        raise fail("a claim needs at least one service line")
    if len(claim.lines) > MAX_LINES:
        raise fail(f"{len(claim.lines)} service lines; an 837P claim holds at most {MAX_LINES}")
    if not claim.diagnoses or len(claim.diagnoses) > MAX_DIAGNOSES:
        raise fail(f"a claim needs 1 to {MAX_DIAGNOSES} diagnoses")
    if claim.frequency not in FREQUENCIES:
        raise fail(f"frequency code {claim.frequency!r} is not 1, 7 or 8")
    if claim.frequency != "1" and not claim.original_reference:
        raise fail("a replacement or void needs the payer's original claim number (REF*F8)")
    if claim.patient is not None and claim.patient.relationship not in RELATIONSHIPS:
        raise fail(f"unknown patient relationship code {claim.patient.relationship!r}")
    if claim.responsibility not in RESPONSIBILITY:
        raise fail(f"unknown payer responsibility {claim.responsibility!r}")
    for role, doctor in (("rendering", claim.rendering_provider),
                         ("referring", claim.referring_provider)):  # fmt: skip
        if doctor is not None and not is_valid_npi(doctor.npi):
            raise fail(f"the {role} provider's NPI {doctor.npi!r} is not a valid NPI")
    count = len(claim.diagnoses)
    for number, line in enumerate(claim.lines, 1):
        doctor = line.rendering_provider
        if doctor is not None and not is_valid_npi(doctor.npi):
            raise fail(f"line {number}: the rendering provider's NPI {doctor.npi!r} is not valid")
        pointers = line.diagnosis_pointers
        if not pointers or len(pointers) > 4 or min(pointers) < 1 or max(pointers) > count:
            raise fail(f"line {number}: diagnosis pointers must be 1 to 4 of 1..{count}")
        if len(line.modifiers) > 4:
            raise fail(f"line {number}: at most 4 modifiers")


def _check_billing(provider: BillingProvider) -> None:
    if not is_valid_npi(provider.npi):
        raise X12Error(f"billing provider {provider.name!r}: {provider.npi!r} is not a valid NPI")
    code = provider.address.postal_code
    if len(code) != 9 or not code.isdigit():
        raise X12Error(
            f"billing provider {provider.name!r}: the postal code must have 9 digits "
            f"(ZIP+4), not {code!r}"
        )
    if len(provider.tax_id) != 9 or not provider.tax_id.isdigit():
        raise X12Error(f"billing provider {provider.name!r}: the EIN must have 9 digits")


def render_837p(
    claims: Sequence[Claim],
    *,
    submitter: Submitter,
    receiver: Receiver,
    envelope: Envelope,
    reference: str,
) -> bytes:
    """The 837P interchange for these claims (see the module docstring)."""
    if not claims:
        raise X12Error("an 837P batch needs at least one claim")
    bodies = [
        TransactionBody(
            "837",
            _transaction(
                claims[start : start + MAX_CLAIMS_PER_TRANSACTION],
                submitter,
                receiver,
                envelope,
                reference,
            ),
        )
        for start in range(0, len(claims), MAX_CLAIMS_PER_TRANSACTION)
    ]
    return render_interchange(envelope, "HC", VERSION, bodies)


def _name(
    el: str,
    clean,
    code: str,
    entity: str,
    last: str,
    first: str,
    middle: str,
    suffix: str,
    qualifier: str,
    ident: str,
) -> str:
    return el.join(
        (
            "NM1",
            code,
            entity,
            clean(last),
            clean(first),
            clean(middle),
            "",
            clean(suffix),
            qualifier,
            clean(ident),
        )
    ).rstrip(el)


def _insured(el: str, clean, sub: Subscriber) -> str:
    """NM1*IL: the subscriber (2010BA) or another payer's insured (2330A)."""
    return _name(el, clean, "IL", "1", sub.last_name, sub.first_name, sub.middle_name,
                 sub.suffix, "MI", sub.member_id)  # fmt: skip


def _address(el: str, clean, address: Address, out: list[str]) -> None:
    if address.line2:
        out.append(f"N3{el}{clean(address.line1)}{el}{clean(address.line2)}")
    else:
        out.append(f"N3{el}{clean(address.line1)}")
    n4 = f"N4{el}{clean(address.city)}{el}{clean(address.state)}{el}{clean(address.postal_code)}"
    if address.country:
        n4 += f"{el}{clean(address.country)}"
    out.append(n4)


def _transaction(claims, submitter, receiver, envelope, reference) -> list[str]:
    seps = envelope.separators
    el, co = seps.element, seps.component
    clean = cleaner(seps)
    out: list[str] = [
        bht(envelope, "0019", "00", reference, "CH"),
        _name(el, clean, "41", "2", submitter.name, "", "", "", "46", submitter.id),
    ]
    if not submitter.phone and not submitter.email:
        raise X12Error("the submitter needs a contact phone or e-mail (1000A PER)")
    per = ["PER", "IC", clean(submitter.contact_name)]
    if submitter.phone:
        per += ["TE", clean(submitter.phone)]
    if submitter.email:
        per += ["EM", clean(submitter.email)]
    out.append(el.join(per))
    out.append(_name(el, clean, "40", "2", receiver.name, "", "", "", "46", receiver.id))

    groups: dict[BillingProvider, list[Claim]] = {}
    for claim in claims:
        _check(claim)
        groups.setdefault(claim.billing_provider, []).append(claim)
    for provider in groups:
        _check_billing(provider)
    hl = 0
    append = out.append
    for provider, provider_claims in groups.items():
        hl += 1
        parent = hl
        append(f"HL{el}{hl}{el}{el}20{el}1")
        if provider.taxonomy:
            append(f"PRV{el}BI{el}PXC{el}{clean(provider.taxonomy)}")
        if provider.first_name:
            append(
                _name(
                    el,
                    clean,
                    "85",
                    "1",
                    provider.name,
                    provider.first_name,
                    "",
                    "",
                    "XX",
                    provider.npi,
                )
            )
        else:
            append(_name(el, clean, "85", "2", provider.name, "", "", "", "XX", provider.npi))
        _address(el, clean, provider.address, out)
        append(f"REF{el}EI{el}{clean(provider.tax_id)}")
        for claim in provider_claims:
            hl += 1
            subscriber_hl = hl
            patient = claim.patient
            sub = claim.subscriber
            payer = claim.payer
            append(f"HL{el}{hl}{el}{parent}{el}22{el}{'0' if patient is None else '1'}")
            append(
                el.join(
                    (
                        "SBR",
                        claim.responsibility,
                        "18" if patient is None else "",
                        clean(sub.group_number),
                        "" if sub.group_number else clean(sub.group_name),
                        claim.insurance_type,
                        "",
                        "",
                        "",
                        payer.claim_filing_indicator,
                    )
                ).rstrip(el)
            )
            append(_insured(el, clean, sub))
            if sub.address is not None:
                _address(el, clean, sub.address, out)
            if sub.birth_date is not None and patient is None:
                append(f"DMG{el}D8{el}{d8(sub.birth_date)}{el}{sub.sex}")
            append(_name(el, clean, "PR", "2", payer.name, "", "", "", "PI", payer.payer_id))
            if payer.address is not None:
                _address(el, clean, payer.address, out)
            if patient is not None:
                hl += 1
                append(f"HL{el}{hl}{el}{subscriber_hl}{el}23{el}0")
                append(f"PAT{el}{patient.relationship}")
                append(
                    _name(
                        el,
                        clean,
                        "QC",
                        "1",
                        patient.last_name,
                        patient.first_name,
                        patient.middle_name,
                        patient.suffix,
                        "",
                        "",
                    )
                )
                if patient.address is not None:
                    _address(el, clean, patient.address, out)
                append(f"DMG{el}D8{el}{d8(patient.birth_date)}{el}{patient.sex}")
            _claim(claim, out, el, co, clean)
    return out


_POINTERS: dict[tuple[int, ...], str] = {}  # (1, 2) -> "1:2": few distinct, many uses


def _claim(claim: Claim, out: list[str], el: str, co: str, clean) -> None:
    append = out.append
    lines = claim.lines
    total = Decimal(0)
    for line in lines:
        total += line.charge
    append(
        f"CLM{el}{clean(claim.patient_control_number)}{el}{amount(total)}{el}{el}{el}"
        f"{claim.place_of_service}{co}B{co}{claim.frequency}{el}"
        f"{'Y' if claim.provider_signature else 'N'}{el}{claim.assignment}{el}"
        f"{claim.benefits_assigned}{el}{claim.release_of_information}"
    )
    if claim.patient_paid:
        append(f"AMT{el}F5{el}{amount(claim.patient_paid)}")
    if claim.prior_authorization:
        append(f"REF{el}G1{el}{clean(claim.prior_authorization)}")
    if claim.original_reference:
        append(f"REF{el}F8{el}{clean(claim.original_reference)}")
    if claim.medical_record_number:
        append(f"REF{el}EA{el}{clean(claim.medical_record_number)}")
    diagnoses = claim.diagnoses
    hi = [f"ABK{co}{clean(diagnoses[0]).replace('.', '')}"]
    for code in diagnoses[1:]:
        hi.append(f"ABF{co}{clean(code).replace('.', '')}")
    append("HI" + el + el.join(hi))
    referring = claim.referring_provider
    if referring is not None:
        append(
            _name(
                el,
                clean,
                "DN",
                "1",
                referring.last_name,
                referring.first_name,
                referring.middle_name,
                "",
                "XX",
                referring.npi,
            )
        )
    rendering = claim.rendering_provider
    if rendering is not None:
        append(
            _name(
                el,
                clean,
                "82",
                "1",
                rendering.last_name,
                rendering.first_name,
                rendering.middle_name,
                "",
                "XX",
                rendering.npi,
            )
        )
        if rendering.taxonomy:
            append(f"PRV{el}PE{el}PXC{el}{clean(rendering.taxonomy)}")
    if claim.other_payers:
        line_adjudicated = {a.payer_id for line in lines for a in line.adjudications}
        for other in claim.other_payers:
            _other_payer(other, out, el, clean, other.payer.payer_id in line_adjudicated)
    pos = claim.place_of_service
    for number, line in enumerate(lines, 1):
        append(f"LX{el}{number}")
        procedure = "HC" + co + clean(line.procedure_code)
        if line.modifiers:
            procedure += co + co.join(map(clean, line.modifiers))
        pointers = line.diagnosis_pointers
        composite = _POINTERS.get(pointers)
        if composite is None:
            composite = _POINTERS[pointers] = ":".join(map(str, pointers))
        if co != ":":
            composite = composite.replace(":", co)
        units = line.units
        line_pos = line.place_of_service if line.place_of_service != pos else ""
        append(
            f"SV1{el}{procedure}{el}{amount(line.charge)}{el}UN{el}"
            f"{units if units.__class__ is int else quantity(units)}{el}"
            f"{line_pos}{el}{el}{composite}"
        )
        append(f"DTP{el}472{el}D8{el}{d8(line.service_date)}")
        if line.line_control_number:
            append(f"REF{el}6R{el}{clean(line.line_control_number)}")
        provider = line.rendering_provider
        if provider is not None:
            append(
                _name(
                    el,
                    clean,
                    "82",
                    "1",
                    provider.last_name,
                    provider.first_name,
                    provider.middle_name,
                    "",
                    "XX",
                    provider.npi,
                )
            )
            if provider.taxonomy:
                append(f"PRV{el}PE{el}PXC{el}{clean(provider.taxonomy)}")
        for adjudication in line.adjudications:
            code = "HC" + co + clean(adjudication.procedure_code)
            if adjudication.modifiers:
                code += co + co.join(clean(m) for m in adjudication.modifiers)
            append(
                f"SVD{el}{clean(adjudication.payer_id)}{el}{amount(adjudication.paid)}{el}{code}"
                f"{el}{el}{quantity(adjudication.units)}"
            )
            out.extend(cas_segments(adjudication.adjustments, el, amount, quantity))
            append(f"DTP{el}573{el}D8{el}{d8(adjudication.adjudication_date)}")
            if adjudication.remaining_patient_liability is not None:
                append(f"AMT{el}EAF{el}{amount(adjudication.remaining_patient_liability)}")


def _other_payer(other: OtherPayer, out: list[str], el: str, clean, has_lines: bool) -> None:
    append = out.append
    sub = other.subscriber
    payer = other.payer
    append(
        el.join(
            (
                "SBR",
                other.responsibility,
                other.relationship,
                clean(sub.group_number),
                "" if sub.group_number else clean(sub.group_name),
                "",
                "",
                "",
                "",
                payer.claim_filing_indicator,
            )
        ).rstrip(el)
    )
    out.extend(cas_segments(other.adjustments, el, amount, quantity))
    if other.paid is not None:
        append(f"AMT{el}D{el}{amount(other.paid)}")
    if other.remaining_patient_liability is not None:
        append(f"AMT{el}EAF{el}{amount(other.remaining_patient_liability)}")
    append(f"OI{el}{el}{el}Y{el}{el}{el}Y")
    append(_insured(el, clean, sub))
    if sub.address is not None:
        _address(el, clean, sub.address, out)
    append(_name(el, clean, "PR", "2", payer.name, "", "", "", "PI", payer.payer_id))
    if payer.address is not None:
        _address(el, clean, payer.address, out)
    if other.adjudication_date is not None and not has_lines:
        append(f"DTP{el}573{el}D8{el}{d8(other.adjudication_date)}")


# --- reading -------------------------------------------------------------------------


def _address_from(segments: list[Segment], i: int) -> tuple[Address | None, int]:
    """An N3/N4 pair at segments[i] (if there), and the index after it."""
    if i < len(segments) and segments[i].id == "N3":
        n3 = segments[i]
        n4 = segments[i + 1] if i + 1 < len(segments) else None
        if n4 is None or n4.id != "N4":
            raise n3.error("N3 without the N4 after it")
        return Address(n3[1], n4[1], n4[2], n4[3], n3[2], n4[4]), i + 2
    return None, i


def _provider(nm1: Segment) -> Provider:
    return Provider(nm1[3], nm1[4], nm1[9], nm1[5])


@incomplete_as_x12error
def parse_837p(transaction: Transaction) -> ClaimBatch:
    """One 837P transaction set back into records (what `render_837p` wrote)."""
    if transaction.set_id != "837":
        raise transaction.segments[0].error(f"expected an 837, found {transaction.set_id}", 1)
    segs = transaction.body()
    n = len(segs)
    if not segs or segs[0].id != "BHT":
        raise transaction.segments[0].error("an 837 starts with BHT")
    reference = segs[0][3]
    submitter = receiver = None
    claims: list[Claim] = []
    state: dict = {}
    claim: dict | None = None
    line: dict | None = None
    other: dict | None = None
    adjudication: dict | None = None

    def finish_claim() -> None:
        nonlocal claim, line, other, adjudication
        if claim is None:
            return
        finish_line()
        if other is not None:
            claim["other_payers"].append(_other_from(other))
            other = None
        claims.append(
            Claim(**{k: tuple(v) if isinstance(v, list) else v for k, v in claim.items()})
        )
        claim = None

    def finish_line() -> None:
        nonlocal line, adjudication
        if line is None:
            return
        if adjudication is not None:
            line["adjudications"].append(LineAdjudication(**adjudication))
            adjudication = None
        line["adjudications"] = tuple(line["adjudications"])
        claim["lines"].append(ServiceLine(**line))  # type: ignore[index]
        line = None

    i = 1
    while i < n:
        s = segs[i]
        tag = s.id
        i += 1
        if tag == "NM1" and s[1] == "41":
            per = segs[i] if i < n and segs[i].id == "PER" else None
            phone = email = ""
            if per is not None:
                i += 1
                for q in (3, 5, 7):
                    if per[q] == "TE":
                        phone = per[q + 1]
                    elif per[q] == "EM":
                        email = per[q + 1]
            submitter = Submitter(s[3], s[9], per[2] if per else "", phone, email)
        elif tag == "NM1" and s[1] == "40":
            receiver = Receiver(s[3], s[9])
        elif tag == "HL":
            finish_claim()
            level = s[3]
            if level == "20":
                state = {"taxonomy": ""}
            elif level == "22":
                state.pop("patient", None)
            elif level != "23":
                raise s.error(f"unknown hierarchical level code {level!r} in an 837P", 3)
        elif tag == "PRV" and s[1] == "BI":
            state["taxonomy"] = s[3]
        elif tag == "NM1" and s[1] == "85":
            address, i = _address_from(segs, i)
            tax_id = ""
            while i < n and segs[i].id == "REF":
                if segs[i][1] == "EI":
                    tax_id = segs[i][2]
                i += 1
            person = s[2] == "1"
            state["billing"] = BillingProvider(
                s[3],
                s[9],
                tax_id,
                address,
                state["taxonomy"],
                s[4] if person else "",  # type: ignore[arg-type]
            )
        elif tag == "SBR" and other is None and claim is None:
            state["sbr"] = s
        elif tag == "NM1" and s[1] == "IL" and claim is None:
            address, i = _address_from(segs, i)
            birth, sex = None, "U"
            if i < n and segs[i].id == "DMG":
                birth, sex = parse_d8(segs[i][2], segs[i], 2), segs[i][3]
                i += 1
            sbr = state["sbr"]
            state["subscriber"] = Subscriber(
                s[9], s[3], s[4], birth, sex, address, s[5], s[7], sbr[3], sbr[4]
            )
        elif tag == "NM1" and s[1] == "PR" and claim is None:
            address, i = _address_from(segs, i)
            state["payer"] = Payer(s[3], s[9], address, state["sbr"][9])
        elif tag == "PAT":
            state["relationship"] = s[1]
        elif tag == "NM1" and s[1] == "QC":
            address, i = _address_from(segs, i)
            dmg = segs[i] if i < n and segs[i].id == "DMG" else None
            if dmg is None:
                raise s.error("the patient (2010CA) needs a DMG")
            i += 1
            state["patient"] = Patient(
                s[3],
                s[4],
                parse_d8(dmg[2], dmg, 2),
                dmg[3],  # type: ignore[arg-type]
                state.get("relationship", ""),
                address,
                s[5],
                s[7],
            )
        elif tag == "CLM":
            finish_claim()
            place = s.components(5)
            if len(place) < 3:
                raise s.error("CLM05 must be place of service, B and the frequency code", 5)
            sbr = state["sbr"]
            claim = {
                "patient_control_number": s[1],
                "billing_provider": state["billing"],
                "subscriber": state["subscriber"],
                "payer": state["payer"],
                "diagnoses": [],
                "lines": [],
                "patient": state.get("patient"),
                "responsibility": sbr[1],
                "insurance_type": sbr[5],
                "place_of_service": place[0],
                "frequency": place[2],
                "provider_signature": s[6] == "Y",
                "assignment": s[7],
                "benefits_assigned": s[8],
                "release_of_information": s[9],
                "other_payers": [],
            }
        elif claim is None:
            raise s.error(f"unexpected {tag} before the claim (CLM)")
        elif tag == "REF" and line is None and other is None:
            key = {
                "G1": "prior_authorization",
                "F8": "original_reference",
                "EA": "medical_record_number",
            }.get(s[1])
            if key:
                claim[key] = s[2]
        elif tag == "HI":
            for index in range(1, s.size):
                parts = s.components(index)
                if len(parts) < 2 or parts[0] not in ("ABK", "ABF", "BK", "BF"):
                    raise s.error(f"unknown diagnosis qualifier {parts[:1]}", index)
                claim["diagnoses"].append(parts[1])
        elif tag == "NM1" and s[1] in ("DN", "82") and line is None:
            key = "referring_provider" if s[1] == "DN" else "rendering_provider"
            provider = _provider(s)
            if i < n and segs[i].id == "PRV":
                provider = Provider(
                    provider.last_name,
                    provider.first_name,
                    provider.npi,
                    provider.middle_name,
                    segs[i][3],
                )
                i += 1
            claim[key] = provider
        elif tag == "SBR":
            if other is not None:
                claim["other_payers"].append(_other_from(other))
            other = {"sbr": s, "cas": [], "amounts": {}}
        elif tag == "CAS" and line is None and other is not None:
            other["cas"].extend(adjustments_from_cas(s))
        elif tag == "AMT" and line is None and other is None and s[1] == "F5":
            claim["patient_paid"] = parse_amount(s[2], s, 2)
        elif tag == "AMT" and line is None and other is not None:
            other["amounts"][s[1]] = parse_amount(s[2], s, 2)
        elif tag == "OI":
            continue
        elif tag == "NM1" and s[1] == "IL" and other is not None:
            address, i = _address_from(segs, i)
            other["insured"] = (s, address)
        elif tag == "NM1" and s[1] == "PR" and other is not None:
            address, i = _address_from(segs, i)
            other["payer"] = (s, address)
            if i < n and segs[i].id == "DTP" and segs[i][1] == "573":
                other["date"] = parse_d8(segs[i][3], segs[i], 3)
                i += 1
        elif tag == "LX":
            finish_line()
            if other is not None:
                claim["other_payers"].append(_other_from(other))
                other = None
            line = {"adjudications": []}
        elif line is None:
            raise s.error(f"unexpected {tag} in the claim loop (2300)")
        elif tag == "SV1":
            parts = s.components(1)
            if not parts or parts[0] not in ("HC", "ER", "WK"):
                raise s.error(f"unknown procedure code qualifier {parts[:1]}", 1)
            pointers = s.components(7)
            if not all(p.isdigit() and p.isascii() for p in pointers):
                raise s.error(f"SV107 diagnosis pointers must be numbers, got {s[7]!r}", 7)
            line.update(
                procedure_code=parts[1],
                modifiers=tuple(m for m in parts[2:6] if m),
                charge=parse_amount(s[2], s, 2),
                units=_units(s[4], s),
                place_of_service=s[5],
                diagnosis_pointers=tuple(int(p) for p in pointers),
            )
        elif tag == "DTP" and s[1] == "472" and adjudication is None:
            line["service_date"] = parse_d8(s[3][:8], s, 3)
        elif tag == "REF" and s[1] == "6R":
            line["line_control_number"] = s[2]
        elif tag == "NM1" and s[1] == "82":
            provider = _provider(s)
            if i < n and segs[i].id == "PRV":
                provider = Provider(
                    provider.last_name,
                    provider.first_name,
                    provider.npi,
                    provider.middle_name,
                    segs[i][3],
                )
                i += 1
            line["rendering_provider"] = provider
        elif tag == "SVD":
            if adjudication is not None:
                line["adjudications"].append(LineAdjudication(**adjudication))
            parts = s.components(3)
            adjudication = {
                "payer_id": s[1],
                "paid": parse_amount(s[2], s, 2),
                "procedure_code": parts[1] if len(parts) > 1 else "",
                "modifiers": tuple(m for m in parts[2:6] if m),
                "units": _units(s[5], s),
                "adjustments": (),
                "adjudication_date": None,
            }
        elif tag == "CAS" and adjudication is not None:
            adjudication["adjustments"] += tuple(adjustments_from_cas(s))
        elif tag == "DTP" and s[1] == "573" and adjudication is not None:
            adjudication["adjudication_date"] = parse_d8(s[3], s, 3)
        elif tag == "AMT" and s[1] == "EAF" and adjudication is not None:
            adjudication["remaining_patient_liability"] = parse_amount(s[2], s, 2)
        # other segments of the guide (PWK, NTE, CR1, ...) are not ours to read back.
    finish_claim()
    if submitter is None or receiver is None:
        raise transaction.segments[0].error("the 837 has no submitter (1000A) or receiver (1000B)")
    return ClaimBatch(reference, submitter, receiver, claims, transaction.control_number)


def _units(value: str, segment: Segment) -> Decimal | int:
    number = parse_amount(value, segment) or Decimal(0)
    return int(number) if number == number.to_integral_value() else number


def _other_from(other: dict) -> OtherPayer:
    sbr = other["sbr"]
    if "insured" not in other or "payer" not in other:
        raise sbr.error("other-payer loop (2320) without its insured (2330A) and payer (2330B)")
    insured, insured_address = other["insured"]
    payer, payer_address = other["payer"]
    return OtherPayer(
        responsibility=sbr[1],
        payer=Payer(payer[3], payer[9], payer_address, sbr[9]),
        subscriber=Subscriber(
            insured[9],
            insured[3],
            insured[4],
            None,
            "U",
            insured_address,
            insured[5],
            insured[7],
            sbr[3],
            sbr[4],
        ),
        relationship=sbr[2],
        paid=other["amounts"].get("D"),
        adjustments=tuple(other["cas"]),
        remaining_patient_liability=other["amounts"].get("EAF"),
        adjudication_date=other.get("date"),
    )
