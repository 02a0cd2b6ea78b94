"""A simulated payer for the demo and the tests: it reads a real 270 and answers with a
real 271, built from the coverage on file, so every byte goes through the codec.

How it answers each request (docs/operations.md):
- the payer id is in MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE: AAA 42, "unable to respond
  at current time", follow-up R (the check is an error: ask again later);
- the member id does not have the payer's member id format (Configuration -> Payers):
  AAA 72, "invalid member id";
- no coverage with that payer and member id, or a member id ending in 9999 (the "not
  enrolled" member of clearinghouse test systems): AAA 75, "subscriber not found";
- the subscriber's last name or birth date differs from the coverage: AAA 73 or 71;
- the coverage is not in force on the date asked: EB 6, inactive;
- otherwise EB 1, active, with the plan, the card's copay (or $25) in network and twice
  that out of network, 20 % / 40 % coinsurance, and a deductible and out-of-pocket
  maximum with what remains, derived from the member id so that the same member always
  gets the same figures.
"""

import hashlib
import re
from decimal import Decimal

from django.conf import settings

from medoffice.core.sealing import member_id_index
from medoffice.eligibility import x12map
from medoffice.formats.x12 import eligibility as codec
from medoffice.formats.x12.common import Person
from medoffice.patients.models import Coverage, CoverageStatus, Payer, SubscriberRelationship

DEFAULT_COPAY = Decimal("25.00")
SENDER_ID = "SIMPAYER"


def answer_270(request: bytes, *, receiver_id: str = "MEDOFFICE") -> bytes:
    inquiries = x12map.read_270(request)
    responses = [answer(inquiry) for inquiry in inquiries]
    number = int(hashlib.sha256(request).hexdigest()[:8], 16) % 999_999_999 + 1
    return x12map.render_271(
        responses, sender_id=SENDER_ID, receiver_id=receiver_id, control_number=number,
        reference=inquiries[0].trace_number if inquiries else "none",
    )  # fmt: skip


def _response(inquiry: codec.EligibilityRequest, **fields) -> codec.EligibilityResponse:
    return codec.EligibilityResponse(
        trace_number=inquiry.trace_number, originator_id=inquiry.originator_id,
        payer=inquiry.payer, provider=inquiry.provider, subscriber=inquiry.subscriber,
        dependent=inquiry.dependent, **fields,
    )  # fmt: skip


def _reject(inquiry, code: str, follow_up: str = "C") -> codec.EligibilityResponse:
    return _response(inquiry, rejections=(codec.Rejection(code, follow_up, "subscriber"),))


def _figure(member_id: str, salt: str, choices: tuple[int, ...]) -> Decimal:
    digest = hashlib.sha256(f"{salt}:{member_id}".encode()).digest()
    return Decimal(choices[digest[0] % len(choices)]).quantize(Decimal("0.01"))


def _on_file(coverage: Coverage) -> Person:
    """The subscriber as the payer has them: the patient, or the subscriber named."""
    if coverage.relationship == SubscriberRelationship.SELF:
        return Person(coverage.patient.last_name, coverage.patient.first_name,
                      birth_date=coverage.patient.dob)  # fmt: skip
    return Person(coverage.subscriber_last_name, coverage.subscriber_first_name,
                  birth_date=coverage.subscriber_dob)  # fmt: skip


def answer(inquiry: codec.EligibilityRequest) -> codec.EligibilityResponse:
    outage = getattr(settings, "MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE", ())
    if inquiry.payer.id in outage:
        return _reject(inquiry, "42", follow_up="R")
    member_id = inquiry.subscriber.member_id
    payer = Payer.objects.filter(payer_id=inquiry.payer.id).first()
    pattern = payer.member_id_pattern if payer is not None else ""
    if pattern and not re.fullmatch(pattern, member_id):
        return _reject(inquiry, "72")
    coverage = (
        Coverage.objects.select_related("patient", "payer")
        .filter(payer__payer_id=inquiry.payer.id, member_id_index=member_id_index(member_id))
        .exclude(status=CoverageStatus.ENTERED_IN_ERROR)
        .order_by("-effective_start")
        .first()
    )
    if coverage is None or member_id.endswith("9999"):
        return _reject(inquiry, "75")
    on_file = _on_file(coverage)
    if on_file.last_name.strip().upper() != inquiry.subscriber.last_name.strip().upper():
        return _reject(inquiry, "73")
    born = inquiry.subscriber.birth_date
    if born is not None and on_file.birth_date is not None and born != on_file.birth_date:
        return _reject(inquiry, "71")
    plan = coverage.plan_name or coverage.payer.name
    dates = {"plan_begin": coverage.effective_start, "plan_end": coverage.effective_end}
    day = inquiry.service_date
    if day is None or not coverage.is_active_on(day):
        return _response(inquiry, benefits=(codec.Benefit("6", "IND", ("30",), plan=plan),),
                         **dates)  # fmt: skip
    return _response(inquiry, benefits=_active_benefits(coverage, plan), **dates)


def _active_benefits(coverage: Coverage, plan: str) -> tuple[codec.Benefit, ...]:
    member = coverage.member_id.upper()
    copay = coverage.copay if coverage.copay is not None else DEFAULT_COPAY
    deductible = _figure(member, "deductible", (500, 1000, 1500, 2500))
    met = min(_figure(member, "met", (0, 150, 400, 900)), deductible)
    oop = _figure(member, "oop", (3000, 4500, 6000, 8150))
    spent = min(_figure(member, "spent", (0, 250, 800, 1700)), oop)
    twenty, forty = Decimal("0.2"), Decimal("0.4")
    b = codec.Benefit
    return (
        b("1", "IND", ("30",), plan=plan),
        b("B", "IND", ("98",), time_period="27", amount=copay, in_network="Y"),
        b("B", "IND", ("98",), time_period="27", amount=copay * 2, in_network="N"),
        b("A", "IND", ("98",), percent=twenty, in_network="Y"),
        b("A", "IND", ("98",), percent=forty, in_network="N"),
        b("C", "IND", ("30",), time_period="23", amount=deductible, in_network="Y"),
        b("C", "IND", ("30",), time_period="29", amount=deductible - met, in_network="Y"),
        b("C", "IND", ("30",), time_period="23", amount=deductible * 2, in_network="N"),
        b("C", "IND", ("30",), time_period="29", amount=deductible * 2 - met, in_network="N"),
        b("G", "IND", ("30",), time_period="23", amount=oop, in_network="Y"),
        b("G", "IND", ("30",), time_period="29", amount=oop - spent, in_network="Y"),
        b("G", "IND", ("30",), time_period="23", amount=oop * 2, in_network="N"),
        b("G", "IND", ("30",), time_period="29", amount=oop * 2 - spent, in_network="N"),
    )
