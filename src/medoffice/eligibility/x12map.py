"""Between our records and the X12 codec (formats/x12, 005010X279A1): a check becomes an
`Inquiry` and a 270; a 271 becomes `Answer`s. The codec does every byte; this module only
maps fields, so it is the one place that knows both sides.
"""

from medoffice.eligibility import rules
from medoffice.patients.models import SubscriberRelationship


def inquiry_for(check) -> rules.Inquiry:
    coverage, patient, practice = check.coverage, check.patient, check.practice
    if coverage.relationship == SubscriberRelationship.SELF:
        subscriber = rules.Person(
            last_name=patient.last_name, first_name=patient.first_name,
            member_id=coverage.member_id, dob=patient.dob, sex=patient.sex_at_birth,
        )  # fmt: skip
        dependant = None
    else:
        subscriber = rules.Person(
            last_name=coverage.subscriber_last_name, first_name=coverage.subscriber_first_name,
            member_id=coverage.member_id, dob=coverage.subscriber_dob,
            sex=coverage.subscriber_sex,
        )  # fmt: skip
        dependant = rules.Person(
            last_name=patient.last_name, first_name=patient.first_name, dob=patient.dob,
            sex=patient.sex_at_birth,
        )  # fmt: skip
    return rules.Inquiry(
        trace_number=check.trace_number,
        payer_id=coverage.payer.payer_id,
        payer_name=coverage.payer.name,
        provider_name=practice.name,
        provider_npi=practice.group_npi,
        subscriber=subscriber,
        patient=dependant,
        relationship=coverage.relationship,
        service_date=check.service_date,
        service_types=(check.service_type,),
        group_number=coverage.group_number,
    )


def build_270(check) -> bytes:
    raise NotImplementedError("the 270 builder comes with formats/x12 (branch x12)")


def read_270(content: bytes) -> rules.Inquiry:
    raise NotImplementedError("the 270 reader comes with formats/x12 (branch x12)")


def build_271(inquiry: rules.Inquiry, answer: rules.Answer) -> bytes:
    raise NotImplementedError("the 271 builder comes with formats/x12 (branch x12)")


def read_271(content: bytes) -> list[rules.Answer]:
    raise NotImplementedError("the 271 reader comes with formats/x12 (branch x12)")


def is_271(content: bytes) -> bool:
    """A cheap look at a file in a shared inbox: an interchange holding a 271 (the element
    separator is the byte after ISA; the codec reads the file properly afterwards)."""
    head = content.lstrip()[:4]
    if len(head) < 4 or not head.startswith(b"ISA"):
        return False
    separator = head[3:4]
    return b"ST" + separator + b"271" in content
