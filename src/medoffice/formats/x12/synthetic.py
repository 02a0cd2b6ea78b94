"""Generated X12 data for benchmarks, the demo and tests: deterministic from a seed.

`prepared_claims(count, seed=...)` makes 837P claim records of realistic
variety (dependents, telehealth, several lines and pointers, rendering
providers, secondaries). `adjudicate(claims, seed=...)` plays a payer: it
answers claims with a balanced `Remittance` (835) covering every claim status
the guide knows (paid, patient responsibility split into deductible,
coinsurance and copay, denials, line denials, reversals with their
correction, forwarded to a secondary; a secondary paying what the primary left, with
CAS OA*23 for the rest), CARC/RARC codes, and provider-level
adjustments (interest, recoupments); optionally with the messiness real
payers add (modifiers dropped or reordered, no line control number).
Synthetic people only.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .claim_837p import (
    BillingProvider,
    Claim,
    LineAdjudication,
    OtherPayer,
    Patient,
    Payer,
    Provider,
    ServiceLine,
    Subscriber,
)
from .common import Address, Adjustment, Entity, Person
from .remittance import ClaimPayment, ProviderAdjustment, Remittance, ServicePayment

CENT = Decimal("0.01")
LAST = [
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
]
FIRST = [
    "MARY",
    "JAMES",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "ROBERT",
    "LINDA",
    "MICHAEL",
    "ELIZABETH",
    "DAVID",
    "BARBARA",
    "WILLIAM",
    "SUSAN",
    "RICHARD",
    "JESSICA",
]
# (code, charge, typical diagnosis pointers count)
PROCEDURES = [
    ("99213", "125.00"),
    ("99214", "180.00"),
    ("99203", "160.00"),
    ("99396", "220.00"),
    ("90686", "40.00"),
    ("90471", "25.00"),
    ("36415", "12.00"),
    ("81002", "20.00"),
    ("93000", "65.00"),
    ("94010", "60.00"),
    ("87880", "35.00"),
    ("99406", "30.00"),
]
DIAGNOSES = [
    "J069",
    "I10",
    "E119",
    "E785",
    "Z0000",
    "Z23",
    "R051",
    "M5450",
    "F419",
    "K219",
    "N390",
    "E039",
    "J45909",
]
BILLING = BillingProvider(
    "MAPLE FAMILY MEDICINE",
    "1234567893",
    "371234567",
    Address("100 MAIN ST", "SPRINGFIELD", "IL", "627011234"),
    taxonomy="207Q00000X",
)
PAYERS = [
    Payer("ACME HEALTH PLAN", "60054", Address("PO BOX 1000", "HARTFORD", "CT", "06101")),
    Payer("BLUE PRAIRIE", "00621", claim_filing_indicator="BL"),
    Payer("MEDICARE PART B", "00952", claim_filing_indicator="MB"),
    Payer("STATE MEDICAID", "77027", claim_filing_indicator="MC"),
]
PAYER = Entity("ACME HEALTH PLAN", "60054", "PI")
PAYEE = Entity("MAPLE FAMILY MEDICINE", "1234567893", "XX")
DOCTORS = [
    Provider("SMITH", "ANNA", "1245319599", taxonomy="207Q00000X"),
    Provider("JONES", "MARK", "1003000126", taxonomy="207R00000X"),
]


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(LAST), rng.choice(FIRST)


def prepared_claims(count: int, *, seed: int = 1, start: date = date(2026, 10, 1)) -> list[Claim]:
    """`count` ready-to-send claims (about 1 in 5 for a dependent, 1 in 10 telehealth,
    1 in 10 a secondary claim with the primary's adjudication)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    claims = []
    for n in range(count):
        last, first = _person(rng)
        birth = date(1940 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29))
        sex = rng.choice("FM")
        address = Address(f"{rng.randrange(1, 9999)} ELM ST", "SPRINGFIELD", "IL", "62704")
        subscriber = Subscriber(
            f"W{rng.randrange(10**8, 10**9)}",
            last,
            first,
            birth,
            sex,
            address,
            group_number=f"G{rng.randrange(1000, 9999)}",
        )
        patient = None
        if rng.random() < 0.2:
            subscriber = replace(subscriber, birth_date=None, sex="U")
            patient = Patient(
                last,
                rng.choice(FIRST),
                date(2005 + rng.randrange(18), 6, 15),
                rng.choice("FM"),
                "19",
                address,
            )
        diagnoses = tuple(rng.sample(DIAGNOSES, rng.randrange(1, 5)))
        service_date = start + timedelta(days=rng.randrange(60))
        telehealth = rng.random() < 0.1
        lines = []
        for number, (code, charge) in enumerate(rng.sample(PROCEDURES, rng.randrange(1, 5)), 1):
            pointers = tuple(range(1, min(len(diagnoses), rng.randrange(1, 5)) + 1))
            modifiers = ("95",) if telehealth and code.startswith("992") else ()
            if code in ("99213", "99214") and number > 1:
                modifiers += ("25",)
            lines.append(
                ServiceLine(
                    code,
                    Decimal(charge),
                    1,
                    service_date,
                    pointers,
                    modifiers,
                    line_control_number=f"{n + 1}-{number}",
                )
            )
        claim = Claim(
            patient_control_number=f"C{seed % 1000:03d}{n + 1:07d}",
            billing_provider=BILLING,
            subscriber=subscriber,
            payer=rng.choice(PAYERS),
            diagnoses=diagnoses,
            lines=tuple(lines),
            patient=patient,
            place_of_service=rng.choice(("02", "10")) if telehealth else "11",
            rendering_provider=rng.choice(DOCTORS),
        )
        if rng.random() < 0.1:
            claim = _secondary(claim, rng)
        claims.append(claim)
    return claims


def _secondary(claim: Claim, rng: random.Random) -> Claim:
    primary = PAYERS[0] if claim.payer is not PAYERS[0] else PAYERS[1]
    when = claim.lines[0].service_date + timedelta(days=21)
    lines = []
    total_paid = Decimal(0)
    for line in claim.lines:
        allowed = (line.charge * Decimal("0.8")).quantize(CENT)
        owed = (allowed * Decimal("0.2")).quantize(CENT)
        paid = allowed - owed
        total_paid += paid
        adjudication = LineAdjudication(
            primary.payer_id,
            paid,
            line.procedure_code,
            line.units,
            when,
            line.modifiers,
            (Adjustment("CO", "45", line.charge - allowed), Adjustment("PR", "2", owed)),
        )
        lines.append(replace(line, adjudications=(adjudication,)))
    other = OtherPayer(
        "P",
        primary,
        replace(claim.subscriber, birth_date=None, sex="U", address=None),
        paid=total_paid,
    )
    return replace(claim, responsibility="S", lines=tuple(lines), other_payers=(other,))


# CLP06 has a shorter list than SBR09: commercial and Blue plans answer as PPO here.
_FILING_835 = {"CI": "12", "BL": "12", "MB": "MB", "MC": "MC", "MA": "MA", "HM": "HM", "CH": "CH"}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def adjudicate(
    claims: Sequence[Claim],
    *,
    seed: int = 1,
    payer: Entity = PAYER,
    payee: Entity = PAYEE,
    trace_number: str = "EFT0000001",
    payment_date: date = date(2026, 11, 20),
    messy: bool = False,
    takebacks: bool = True,
) -> Remittance:
    """A balanced 835 answering these claims (see the module docstring). `takebacks`:
    now and then a claim's earlier payment is reversed before its corrected one; that
    earlier payment was never sent, so a payer playing to a real ledger (the demo's
    simulated clearinghouse) leaves them out rather than fill the suspense queue."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    payments: list[ClaimPayment] = []
    plb: list[ProviderAdjustment] = []
    for claim in claims:
        roll = rng.random()
        if roll < 0.08:
            payments.append(_denied(claim, rng))
            continue
        payment = _paid(claim, rng, line_denial=roll < 0.15, messy=messy)
        if takebacks and roll > 0.97:  # an earlier payment taken back, then this corrected one
            other = random.Random(rng.random())  # noqa: S311 - synthetic data
            previous = _paid(claim, other, line_denial=False, messy=False)
            payments.append(_reversal(previous))
        if payment.status == "1" and claim.responsibility == "P" and rng.random() < 0.05:
            payment = replace(payment, status="19")  # forwarded to the secondary payer
        payments.append(payment)
    if claims and rng.random() < 0.5:
        plb.append(
            ProviderAdjustment(
                payee.id,
                date(payment_date.year, 12, 31),
                "L6",
                Decimal("-3.27"),
                claims[0].patient_control_number,
            )
        )
    if len(claims) > 2:
        plb.append(
            ProviderAdjustment(
                payee.id,
                date(payment_date.year, 12, 31),
                "WO",
                Decimal("25.00"),
                "OVERPAID-" + str(rng.randrange(10**6)),
            )
        )
    total = sum((p.paid for p in payments), Decimal("0.00")) - sum(
        (p.amount for p in plb), Decimal("0.00")
    )
    return Remittance(
        total_paid=total,
        payment_method="ACH" if total > 0 else "NON",
        payment_format="CCP" if total > 0 else "",
        trace_number=trace_number,
        payer=payer,
        payee=payee,
        claims=tuple(payments),
        payment_date=payment_date,
        handling="C" if total > 0 else "H",
        payer_identifier="1" + payer.id.rjust(9, "0")[-9:],
        sender_routing="021000021" if total > 0 else "",
        sender_account="123456789" if total > 0 else "",
        receiver_routing="071000013" if total > 0 else "",
        receiver_account="987654321" if total > 0 else "",
        production_date=payment_date - timedelta(days=1),
        payer_address=Address("PO BOX 1000", "HARTFORD", "CT", "06101"),
        payer_contact="EDI SUPPORT",
        payer_phone="8005550199",
        payee_tax_id="371234567",
        provider_adjustments=tuple(plb),
    )


def _patient(claim: Claim) -> Person:
    p = claim.patient or claim.subscriber
    return Person(p.last_name, p.first_name, claim.subscriber.member_id)


def _paid(claim: Claim, rng: random.Random, *, line_denial: bool, messy: bool) -> ClaimPayment:
    services = []
    deductible_left = _money(Decimal(rng.choice((0, 0, 0, 50, 150))))
    copay = _money(Decimal(rng.choice((0, 20, 30))))
    copay = claim.patient_paid or copay  # the plan's copay, as the desk collected it
    denied_line = rng.randrange(len(claim.lines)) if line_denial and len(claim.lines) > 1 else -1
    for number, line in enumerate(claim.lines):
        if number == denied_line:
            services.append(
                _service(
                    line,
                    Decimal("0.00"),
                    (Adjustment("CO", "97", line.charge),),
                    ("M15",),
                    messy,
                    rng,
                )
            )
            continue
        if line.adjudications:
            services.append(_after_prior_payer(line, rng, messy))
            continue
        allowed = _money(line.charge * Decimal(rng.choice(("0.55", "0.62", "0.7", "0.8", "0.9"))))
        adjustments = [Adjustment("CO", "45", line.charge - allowed)]
        rest = allowed
        if copay and rest >= copay and line.procedure_code.startswith("992"):
            adjustments.append(Adjustment("PR", "3", copay))
            rest -= copay
            copay = Decimal(0)
        if deductible_left and rest:
            used = min(deductible_left, rest)
            adjustments.append(Adjustment("PR", "1", used))
            rest -= used
            deductible_left -= used
        coinsurance = _money(rest * Decimal("0.2"))
        if coinsurance:
            adjustments.append(Adjustment("PR", "2", coinsurance))
            rest -= coinsurance
        services.append(
            _service(line, rest, tuple(a for a in adjustments if a.amount), (), messy, rng, allowed)
        )
    paid = sum((s.paid for s in services), Decimal("0.00"))
    responsibility = sum(
        (a.amount for s in services for a in s.adjustments if a.group == "PR"), Decimal("0.00")
    )
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status={"P": "1", "S": "2", "T": "3"}.get(claim.responsibility, "1"),
        charge=claim.total_charge,
        paid=paid,
        patient_responsibility=responsibility,
        filing_indicator=_FILING_835.get(claim.payer.claim_filing_indicator, "ZZ"),
        payer_claim_number=f"PCN{rng.randrange(10**9, 10**10)}",
        facility_code=claim.place_of_service,
        frequency=claim.frequency,
        patient=_patient(claim),
        rendering_provider=_rendering(claim),
        statement_from=claim.lines[0].service_date,
        statement_to=claim.lines[-1].service_date,
        services=tuple(services),
    )


def _after_prior_payer(line: ServiceLine, rng: random.Random, messy: bool) -> ServicePayment:
    """A secondary's answer to a line the primary adjudicated (2430): it pays what the
    primary left to the patient, now and then keeping some coinsurance of its own, and
    reports the rest of the charge as the prior payer's part (CAS OA*23), as payers do
    under coordination of benefits."""
    prior = line.adjudications[-1]
    left = prior.remaining_patient_liability
    if left is None:
        left = sum((a.amount for a in prior.adjustments if a.group == "PR"), Decimal("0.00"))
    own = _money(left * Decimal(rng.choice(("0", "0", "0", "0.2"))))
    adjustments = (Adjustment("OA", "23", line.charge - left), Adjustment("PR", "2", own))
    return _service(line, left - own, tuple(a for a in adjustments if a.amount), (), messy, rng)


def _rendering(claim: Claim) -> Entity | None:
    doctor = claim.rendering_provider
    if doctor is None:
        return None
    return Entity(doctor.last_name, doctor.npi, "XX", doctor.first_name)


def _service(
    line: ServiceLine,
    paid: Decimal,
    adjustments,
    remarks,
    messy: bool,
    rng: random.Random,
    allowed: Decimal | None = None,
) -> ServicePayment:
    modifiers = line.modifiers
    control = line.line_control_number
    if messy and modifiers and rng.random() < 0.3:
        modifiers = tuple(reversed(modifiers)) if len(modifiers) > 1 else ()
    if messy and rng.random() < 0.2:
        control = ""
    return ServicePayment(
        procedure_code=line.procedure_code,
        charge=line.charge,
        paid=paid,
        modifiers=modifiers,
        units=line.units,
        service_date=line.service_date,
        adjustments=tuple(adjustments),
        line_control_number=control,
        allowed=allowed,
        remarks=tuple(remarks),
    )


def _denied(claim: Claim, rng: random.Random) -> ClaimPayment:
    reason, remark = rng.choice((("50", "N115"), ("197", "N54"), ("16", "M51"), ("29", "")))
    services = tuple(
        _service(
            line,
            Decimal("0.00"),
            (Adjustment("CO", reason, line.charge),),
            (remark,) if remark else (),
            False,
            rng,
        )
        for line in claim.lines
    )
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status="4",
        charge=claim.total_charge,
        paid=Decimal("0.00"),
        patient_responsibility=Decimal("0.00"),
        filing_indicator=_FILING_835.get(claim.payer.claim_filing_indicator, "ZZ"),
        payer_claim_number=f"PCN{rng.randrange(10**9, 10**10)}",
        facility_code=claim.place_of_service,
        frequency=claim.frequency,
        patient=_patient(claim),
        statement_from=claim.lines[0].service_date,
        statement_to=claim.lines[-1].service_date,
        services=services,
    )


def _reversal(payment: ClaimPayment) -> ClaimPayment:
    """CLP status 22: every amount of an earlier payment with its sign turned."""

    def negate(adjustments):
        return tuple(replace(a, amount=-a.amount) for a in adjustments)

    return replace(
        payment,
        status="22",
        charge=-payment.charge,
        paid=-payment.paid,
        patient_responsibility=-(payment.patient_responsibility or Decimal(0)),
        adjustments=negate(payment.adjustments),
        services=tuple(
            replace(
                s, charge=-s.charge, paid=-s.paid, adjustments=negate(s.adjustments), allowed=None
            )
            for s in payment.services
        ),
    )
