"""270/271 005010X279A1: requests out, plain benefits in, rejections explained."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.common import Entity, Person
from medoffice.formats.x12.eligibility import (
    Benefit,
    EligibilityRequest,
    EligibilityResponse,
    NetworkBenefits,
    Rejection,
    parse_270,
    parse_271,
    render_270,
    render_271,
)

from .claims import ENVELOPE
from .samples import sample

PAYER = Entity("ACME HEALTH PLAN", "60054")
PRACTICE = Entity("MAPLE FAMILY MEDICINE", "1234567893", "XX")
JANE = Person("DOE", "JANE", "W123456789", date(1980, 1, 2), "F", "Q")
TIMMY = Person("DOE", "TIMMY", "", date(2015, 6, 30), "M")
REQUEST = EligibilityRequest(
    trace_number="ELG-77",
    originator_id="1371234567",
    payer=PAYER,
    provider=PRACTICE,
    subscriber=JANE,
    service_types=("30", "98"),
    service_date=date(2026, 11, 24),
)
GOLD = (
    Benefit("1", "IND", ("30",), "PR", "GOLD PPO"),
    Benefit("B", "IND", ("98",), amount=Decimal("25.00"), time_period="27", in_network="Y"),
    Benefit("B", "IND", ("98",), amount=Decimal("50.00"), time_period="27", in_network="N"),
    Benefit("C", "IND", ("30",), time_period="23", amount=Decimal("1500.00"), in_network="Y"),
    Benefit("C", "IND", ("30",), time_period="29", amount=Decimal("420.50"), in_network="Y"),
    Benefit("C", "FAM", ("30",), time_period="23", amount=Decimal("3000.00"), in_network="Y"),
    Benefit("A", "IND", ("30",), percent=Decimal("0.2"), in_network="Y"),
    Benefit("A", "IND", ("30",), percent=Decimal("0.4"), in_network="N"),
    Benefit("G", "IND", ("30",), time_period="23", amount=Decimal("6000.00"), in_network="Y"),
    Benefit(
        "G",
        "IND",
        ("30",),
        time_period="29",
        amount=Decimal("5100.00"),
        in_network="Y",
        messages=("MET AMOUNTS AS OF 11/20/2026",),
    ),
)
RESPONSE = EligibilityResponse(
    trace_number="ELG-77",
    originator_id="1371234567",
    payer=PAYER,
    provider=PRACTICE,
    subscriber=JANE,
    benefits=GOLD,
    plan_begin=date(2026, 1, 1),
)


def one(data: bytes):
    (transaction,) = read_transactions(data)
    return transaction


def test_270_for_a_subscriber_and_a_dependent_reads_back():
    requests = [REQUEST, replace(REQUEST, trace_number="ELG-78", dependent=TIMMY)]
    data = render_270(requests, envelope=ENVELOPE, reference="ELG")
    text = data.decode()
    assert "EQ*30^98~" in text
    assert "HL*4*3*23*0" not in text  # each request has its own payer/provider loops
    assert "HL*7*6*23*0~\nTRN*1*ELG-78*1371234567~\nNM1*03*1*DOE*TIMMY~" in text
    assert parse_270(one(data)) == requests


@pytest.mark.parametrize(
    "response",
    [
        RESPONSE,
        replace(RESPONSE, dependent=TIMMY, plan_end=date(2026, 12, 31)),
        replace(RESPONSE, benefits=(Benefit("6", "IND", ("30",)),)),
        replace(RESPONSE, benefits=(), rejections=(Rejection("75", "C"),)),
        replace(
            RESPONSE, subscriber=None, benefits=(), rejections=(Rejection("51", "N", "provider"),)
        ),
        replace(
            RESPONSE, benefits=(replace(GOLD[0], rejections=(Rejection("57", "C", "benefit"),)),)
        ),
    ],
    ids=[
        "benefits",
        "dependent",
        "inactive",
        "subscriber_not_found",
        "provider_rejected",
        "benefit_rejected",
    ],
)
def test_271_reads_back_as_written(response):
    data = render_271([response], envelope=ENVELOPE, reference="R1")
    expected = response
    if response.subscriber is None:  # nothing below the provider: no trace, no plan dates
        expected = replace(response, trace_number="", originator_id="", plan_begin=None)
    assert parse_271(one(data)) == [expected]


def test_summary_gives_the_front_desk_plain_benefits():
    data = render_271([RESPONSE], envelope=ENVELOPE, reference="R1")
    (response,) = parse_271(one(data))
    summary = response.summary()
    assert summary.active is True
    assert summary.plan == "GOLD PPO"
    assert summary.plan_begin == date(2026, 1, 1)
    assert summary.in_network == NetworkBenefits(
        office_visit_copay=Decimal("25.00"),
        deductible=Decimal("1500.00"),
        deductible_remaining=Decimal("420.50"),
        coinsurance_percent=Decimal("20"),
        out_of_pocket=Decimal("6000.00"),
        out_of_pocket_remaining=Decimal("5100.00"),
    )
    assert summary.out_of_network.office_visit_copay == Decimal("50.00")
    assert summary.out_of_network.coinsurance_percent == Decimal("40")
    assert summary.rejections == ()


def test_rejections_are_explained_in_words():
    response = replace(RESPONSE, benefits=(), rejections=(Rejection("72", "C"),))
    (parsed,) = parse_271(one(render_271([response], envelope=ENVELOPE, reference="R")))
    summary = parsed.summary()
    assert summary.active is None
    assert summary.rejections == (
        "The subscriber level was rejected: invalid or missing subscriber/insured ID "
        "(please correct and resubmit).",
    )


def test_inactive_coverage():
    response = replace(RESPONSE, benefits=(Benefit("6", "IND", ("30",)),))
    (parsed,) = parse_271(one(render_271([response], envelope=ENVELOPE, reference="R")))
    assert parsed.summary().active is False


def test_public_sample_271_for_a_subscriber():
    (response,) = parse_271(one(sample("271_005010X279A1/subscriber-health-benefit-check.271")))
    assert response.trace_number == "93175-012547"
    assert response.subscriber.last_name == "SMITH"
    assert response.subscriber.birth_date == date(1963, 5, 19)
    assert response.payer == Entity("ABC COMPANY", "841610001", "PI")
    summary = response.summary()
    assert summary.active is True
    assert summary.plan == "GOLD 123 PLAN"
    assert summary.plan_begin == date(2006, 1, 1)
    assert summary.in_network.office_visit_copay == Decimal("10.00")
    assert summary.out_of_network.office_visit_copay == Decimal("30.00")


def test_public_sample_271_for_a_dependent():
    (response,) = parse_271(one(sample("271_005010X279A1/dependent-health-benefit-check.271")))
    assert response.dependent.first_name == "MARY"
    assert response.dependent.birth_date == date(1998, 10, 14)
    assert response.trace_number == "93175-012547"
    assert response.summary().in_network.office_visit_copay == Decimal("10.00")


def test_public_sample_271_rejection_has_a_wrong_se02_and_is_refused_at_it():
    path = sample("271_005010X279A1/subscriber-health-benefit-check-error.271")
    with pytest.raises(X12Error) as caught:
        read_transactions(path)
    assert caught.value.segment_id == "SE"
    assert caught.value.segment_number == 10
    assert caught.value.reason == "SE02 '4323' does not match ST02 '4321'"
    fixed = path.read_bytes().replace(b"SE*8*4323", b"SE*8*4321")
    (response,) = parse_271(one(fixed))
    assert response.subscriber is None
    assert response.rejections == (Rejection("50", "N", "provider", True),)
    assert response.summary().rejections == (
        "The provider level was rejected: provider ineligible for inquiries "
        "(resubmission not allowed).",
    )


@pytest.mark.parametrize(
    "name", ["subscriber-health-benefit-check.270", "dependent-health-benefit-check.270"]
)
def test_public_sample_270s(name):
    (request,) = parse_270(one(sample(f"270_005010X279A1/{name}")))
    assert request.trace_number == "93175-012547"
    assert request.service_types == ("30",)
    assert request.service_date == date(2006, 5, 1)


@pytest.mark.parametrize(
    ("old", "new", "element", "reason"),
    [
        (b"EB*A*IND", b"EB*Z9*IND", 1, "unknown eligibility or benefit code 'Z9'"),
        (b"AAA*N**75*C", b"AAA*N**99*C", 3, "unknown reject reason code '99'"),
        (b"AAA*N**75*C", b"AAA*N**75*Q", 4, "unknown follow-up action code 'Q'"),
        (b"HL*3*2*22*0", b"HL*3*2*99*0", 3, "unknown hierarchical level code '99'"),
    ],
)
def test_unknown_qualifiers_are_refused_with_the_segment(old, new, element, reason):
    response = replace(RESPONSE, rejections=(Rejection("75", "C"),))
    data = render_271([response], envelope=ENVELOPE, reference="R").replace(old, new, 1)
    with pytest.raises(X12Error) as caught:
        parse_271(one(data))
    assert caught.value.reason == reason
    assert caught.value.element == element
    assert caught.value.segment_number is not None


def test_a_270_is_not_a_271():
    data = render_270([REQUEST], envelope=ENVELOPE, reference="E")
    with pytest.raises(X12Error, match="expected a 271, found a 270"):
        parse_271(one(data))


def test_a_simulated_payer_answers_a_270_it_read():
    from medoffice.formats.x12.eligibility import respond

    data = render_270(
        [REQUEST, replace(REQUEST, trace_number="ELG-78", dependent=TIMMY)],
        envelope=ENVELOPE,
        reference="ELG",
    )
    answers = [respond(r, benefits=GOLD, plan_begin=date(2026, 1, 1)) for r in parse_270(one(data))]
    parsed = parse_271(one(render_271(answers, envelope=ENVELOPE, reference="A")))
    assert [r.trace_number for r in parsed] == ["ELG-77", "ELG-78"]
    assert parsed[1].dependent.first_name == "TIMMY"
    assert parsed[0].summary().in_network.office_visit_copay == Decimal("25.00")
