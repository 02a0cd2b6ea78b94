"""A simulated payer for the demo and the tests: it reads a real 270 and answers with a
real 271, built from the coverage on file, so every byte goes through the codec.

How it answers (docs/operations.md):
- the payer id is in MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE: AAA 42, "unable to respond
  at current time" (the check is an error: ask again later);
- no coverage with that payer and member id: AAA 72 when the id does not have the payer's
  member id format, else AAA 75, "subscriber not found";
- the subscriber's last name or birth date differs from the coverage: AAA 73 or 71;
- a member id ending in 9999: AAA 75 (the sandbox's "not enrolled" member, as
  clearinghouse test systems have);
- the coverage is not in force on the date asked: EB 6, inactive;
- otherwise EB 1, active, with the plan, the card's copay (or $25), 20 % coinsurance, and
  a deductible and out-of-pocket maximum with what remains, derived from the member id so
  that the same member always gets the same figures.
"""

import hashlib
import re
from decimal import Decimal

from django.conf import settings

from medoffice.eligibility import rules, x12map
from medoffice.patients.models import Coverage, CoverageStatus, Payer, SubscriberRelationship

DEFAULT_COPAY = Decimal("25.00")


def answer_270(request: bytes) -> bytes:
    inquiry = x12map.read_270(request)
    return x12map.build_271(inquiry, simulate(inquiry))


def _reject(inquiry: rules.Inquiry, code: str, loop: str, follow_up: str = "C") -> rules.Answer:
    return rules.Answer(
        trace_number=inquiry.trace_number, rejects=(rules.Reject(code, follow_up, loop),)
    )


def _figure(member_id: str, salt: str, choices: tuple[int, ...]) -> Decimal:
    digest = hashlib.sha256(f"{salt}:{member_id}".encode()).digest()
    return Decimal(choices[digest[0] % len(choices)]).quantize(Decimal("0.01"))


def _subscriber_of(coverage: Coverage) -> tuple[str, object]:
    if coverage.relationship == SubscriberRelationship.SELF:
        return coverage.patient.last_name, coverage.patient.dob
    return coverage.subscriber_last_name, coverage.subscriber_dob


def simulate(inquiry: rules.Inquiry) -> rules.Answer:
    outage = getattr(settings, "MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE", ())
    if inquiry.payer_id in outage:
        return _reject(inquiry, "42", "2100A", follow_up="R")
    member_id = inquiry.subscriber.member_id
    coverage = (
        Coverage.objects.select_related("patient", "payer")
        .filter(payer__payer_id=inquiry.payer_id, member_id__iexact=member_id)
        .exclude(status=CoverageStatus.ENTERED_IN_ERROR)
        .order_by("-effective_start")
        .first()
    )
    if coverage is None:
        payer = Payer.objects.filter(payer_id=inquiry.payer_id).first()
        pattern = payer.member_id_pattern if payer else ""
        wrong_format = pattern and not re.fullmatch(pattern, member_id)
        return _reject(inquiry, "72" if wrong_format else "75", "2100C")
    if member_id.endswith("9999"):
        return _reject(inquiry, "75", "2100C")
    last_name, dob = _subscriber_of(coverage)
    if last_name.strip().upper() != inquiry.subscriber.last_name.strip().upper():
        return _reject(inquiry, "73", "2100C")
    if inquiry.subscriber.dob is not None and dob is not None and dob != inquiry.subscriber.dob:
        return _reject(inquiry, "71", "2100C")
    day = inquiry.service_date
    plan = coverage.plan_name or coverage.payer.name
    if day is None or not coverage.is_active_on(day):
        return rules.Answer(
            trace_number=inquiry.trace_number,
            benefits=(rules.BenefitLine("6", "IND", ("30",), plan=plan),),
            plan_name=plan, group_number=coverage.group_number,
            coverage_begins=coverage.effective_start, coverage_ends=coverage.effective_end,
        )  # fmt: skip
    return rules.Answer(
        trace_number=inquiry.trace_number,
        benefits=_active_benefits(coverage, plan),
        plan_name=plan,
        group_number=coverage.group_number,
        coverage_begins=coverage.effective_start,
        coverage_ends=coverage.effective_end,
    )


def _active_benefits(coverage: Coverage, plan: str) -> tuple[rules.BenefitLine, ...]:
    member = coverage.member_id.upper()
    copay = coverage.copay if coverage.copay is not None else DEFAULT_COPAY
    deductible = _figure(member, "deductible", (500, 1000, 1500, 2500))
    met = _figure(member, "met", (0, 150, 400, 900)).min(deductible)
    oop = _figure(member, "oop", (3000, 4500, 6000, 8150))
    spent = _figure(member, "spent", (0, 250, 800, 1700)).min(oop)
    twenty, forty = Decimal("0.2"), Decimal("0.4")
    line = rules.BenefitLine
    return (
        line("1", "IND", ("30",), plan=plan),
        line("B", "IND", ("98",), period="27", amount=copay, network="Y"),
        line("B", "IND", ("98",), period="27", amount=copay * 2, network="N"),
        line("A", "IND", ("98",), percent=twenty, network="Y"),
        line("A", "IND", ("98",), percent=forty, network="N"),
        line("C", "IND", ("30",), period="23", amount=deductible, network="Y"),
        line("C", "IND", ("30",), period="29", amount=deductible - met, network="Y"),
        line("C", "IND", ("30",), period="23", amount=deductible * 2, network="N"),
        line("C", "IND", ("30",), period="29", amount=deductible * 2 - met, network="N"),
        line("G", "IND", ("30",), period="23", amount=oop, network="Y"),
        line("G", "IND", ("30",), period="29", amount=oop - spent, network="Y"),
        line("G", "IND", ("30",), period="23", amount=oop * 2, network="N"),
        line("G", "IND", ("30",), period="29", amount=oop * 2 - spent, network="N"),
    )
