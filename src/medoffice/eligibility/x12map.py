"""Between our records and the X12 codec (formats/x12/eligibility.py, 005010X279A1): a
check becomes a 270, a 271 becomes `Answer`s. The codec writes and reads every byte and
picks the figures (its summary); this module only maps fields, so it is the one place
that knows both sides.

Control numbers: ISA13 and GS06 of a 270 are the check's own row id (unique, increasing),
so two 270s never share one.
"""

import re

from django.utils import timezone

from medoffice.eligibility import rules
from medoffice.eligibility.errors import NotCheckableError
from medoffice.formats.x12 import Envelope, read_transactions
from medoffice.formats.x12 import eligibility as codec
from medoffice.formats.x12.common import Entity, Person
from medoffice.formats.x12.errors import X12Error
from medoffice.formats.x12.writer import MAX_CONTROL_NUMBER
from medoffice.patients.models import SubscriberRelationship


def _originator(practice) -> str:
    """TRN03: "1" and the practice's EIN (or, without one, "9" and the group NPI)."""
    ein = re.sub(r"\D", "", practice.tax_id or "")
    if len(ein) == 9:
        return "1" + ein
    return "9" + (practice.group_npi or "")[:9]


def _control(number: int) -> int:
    return (number - 1) % MAX_CONTROL_NUMBER + 1


def request_for(check) -> codec.EligibilityRequest:
    coverage, patient, practice = check.coverage, check.patient, check.practice
    if not practice.group_npi:
        raise NotCheckableError(
            "The practice has no group NPI: the payer needs it to answer. Ask the administrator"
            " to enter it in Configuration."
        )
    patient_person = Person(
        last_name=patient.last_name, first_name=patient.first_name,
        birth_date=patient.dob, sex=patient.sex_at_birth,
    )  # fmt: skip
    if coverage.relationship == SubscriberRelationship.SELF:
        subscriber = Person(**{**_fields(patient_person), "member_id": coverage.member_id})
        dependent = None
    else:
        subscriber = Person(
            last_name=coverage.subscriber_last_name, first_name=coverage.subscriber_first_name,
            member_id=coverage.member_id, birth_date=coverage.subscriber_dob,
            sex=coverage.subscriber_sex,
        )  # fmt: skip
        dependent = patient_person
    return codec.EligibilityRequest(
        trace_number=check.trace_number,
        originator_id=_originator(practice),
        payer=Entity(name=coverage.payer.name, id=coverage.payer.payer_id, qualifier="PI"),
        provider=Entity(name=practice.name, id=practice.group_npi, qualifier="XX"),
        subscriber=subscriber,
        dependent=dependent,
        service_types=(check.service_type,),
        service_date=check.service_date,
    )


def _fields(person: Person) -> dict:
    return {name: getattr(person, name) for name in Person.__slots__}


def build_270(
    check, *, sender_id: str, receiver_id: str, control_number: int, production: bool = False,
    sender_qualifier: str = "ZZ", receiver_qualifier: str = "ZZ",
) -> bytes:  # fmt: skip
    envelope = Envelope(
        sender_id=sender_id, receiver_id=receiver_id, sender_qualifier=sender_qualifier,
        receiver_qualifier=receiver_qualifier,
        interchange_control_number=_control(control_number),
        group_control_number=_control(control_number), created=timezone.localtime(),
        production=production,
    )  # fmt: skip
    try:
        return codec.render_270(
            [request_for(check)], envelope=envelope, reference=check.trace_number
        )
    except X12Error as exc:
        raise NotCheckableError(f"The request could not be written: {exc.reason}") from exc


def read_270(content: bytes) -> list[codec.EligibilityRequest]:
    requests = []
    for transaction in read_transactions(content):
        requests.extend(codec.parse_270(transaction))
    return requests


def render_271(
    responses: list[codec.EligibilityResponse], *, sender_id: str, receiver_id: str,
    control_number: int, reference: str,
) -> bytes:  # fmt: skip
    envelope = Envelope(
        sender_id=sender_id, receiver_id=receiver_id,
        interchange_control_number=_control(control_number),
        group_control_number=_control(control_number), created=timezone.localtime(),
    )  # fmt: skip
    return codec.render_271(responses, envelope=envelope, reference=reference)


def _amounts(network: codec.NetworkBenefits) -> rules.Amounts:
    return rules.Amounts(
        copay=network.office_visit_copay,
        coinsurance_percent=network.coinsurance_percent,
        deductible=network.deductible,
        deductible_remaining=network.deductible_remaining,
        out_of_pocket=network.out_of_pocket,
        out_of_pocket_remaining=network.out_of_pocket_remaining,
    )


def _line(benefit: codec.Benefit) -> dict:
    return {
        "code": benefit.code, "level": benefit.coverage_level,
        "service_types": list(benefit.service_types), "period": benefit.time_period,
        "amount": None if benefit.amount is None else str(benefit.amount),
        "percent": None if benefit.percent is None else str(benefit.percent),
        "network": benefit.in_network, "messages": list(benefit.messages),
        "text": benefit.describe(),
    }  # fmt: skip


def answer_from(response: codec.EligibilityResponse) -> rules.Answer:
    summary = response.summary()
    rejections = [*response.rejections, *(r for b in response.benefits for r in b.rejections)]
    return rules.Answer(
        trace_number=response.trace_number,
        active=summary.active,
        rejects=tuple(rules.Reject(r.code, r.follow_up, r.level) for r in rejections),
        plan_name=summary.plan,
        coverage_begins=response.plan_begin,
        coverage_ends=response.plan_end,
        in_network=_amounts(summary.in_network),
        out_of_network=_amounts(summary.out_of_network),
        lines=tuple(_line(b) for b in response.benefits),
    )


def read_271(content: bytes) -> list[rules.Answer]:
    """Every answer in a 271 file; X12Error (a ValueError) names the segment and the reason
    when the file cannot be read, or holds anything but 271s."""
    answers = []
    for transaction in read_transactions(content):
        if transaction.set_id != "271":
            raise X12Error(f"a {transaction.set_id} where a 271 was expected")
        answers.extend(answer_from(r) for r in codec.parse_271(transaction))
    return answers


def is_271(content: bytes) -> bool:
    """A cheap look at a file in a shared inbox: an interchange holding a 271 (the element
    separator is the byte after ISA; the codec reads the file properly afterwards)."""
    head = content.lstrip()[:4]
    if len(head) < 4 or not head.startswith(b"ISA"):
        return False
    separator = head[3:4]
    return b"ST" + separator + b"271" in content
