"""276/277 005010X212: asking a payer where our claims are, and reading the answer."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.claim_status import (
    ClaimStatus,
    ClaimStatusRequest,
    ClaimStatusResponse,
    ServiceLineStatus,
    StatusCode,
    parse_276,
    parse_277,
    render_276,
    render_277,
)
from medoffice.formats.x12.common import Entity, Person

from .claims import ENVELOPE
from .samples import sample

PAYER = Entity("ACME HEALTH PLAN", "60054")
US = Entity("MAPLE FAMILY MEDICINE", "MAPLE01", "46")
PROVIDER = Entity("MAPLE FAMILY MEDICINE", "1234567893", "XX")
JANE = Person("DOE", "JANE", "W123456789", date(1980, 1, 2), "F")
TIMMY = Person("DOE", "TIMMY", "", date(2015, 6, 30), "M")
REQUEST = ClaimStatusRequest(
    trace_number="CS-1",
    payer=PAYER,
    receiver=US,
    provider=PROVIDER,
    subscriber=JANE,
    patient_control_number="E1001",
    total_charge=Decimal("125.00"),
    service_from=date(2026, 11, 2),
    service_to=date(2026, 11, 2),
)
PAID = ClaimStatus(
    "E1001",
    (StatusCode("F1", "65"),),
    date(2026, 11, 20),
    Decimal("125.00"),
    paid=Decimal("80.00"),
    paid_date=date(2026, 11, 21),
    check_number="EFT123",
    payer_claim_number="PAY998877",
    service_from=date(2026, 11, 2),
    service_to=date(2026, 11, 2),
    trace_number="CS-1",
    lines=(
        ServiceLineStatus(
            "99213",
            Decimal("125.00"),
            (StatusCode("F1", "65"),),
            Decimal("80.00"),
            1,
            ("25",),
            date(2026, 11, 20),
            "L1",
            date(2026, 11, 2),
        ),
    ),
)
RESPONSE = ClaimStatusResponse(PAYER, US, PROVIDER, Person("DOE", "JANE", "W123456789"), (PAID,))


def one(data: bytes):
    (transaction,) = read_transactions(data)
    return transaction


def test_276_for_a_subscriber_and_a_dependent_reads_back():
    requests = [
        REQUEST,
        # for a dependent, only the dependent's birth date is sent
        replace(
            REQUEST,
            trace_number="CS-2",
            dependent=TIMMY,
            payer_claim_number="P2",
            service_to=date(2026, 11, 3),
            subscriber=replace(JANE, birth_date=None, sex=""),
        ),
    ]
    data = render_276(requests, envelope=ENVELOPE, reference="CS")
    assert b"DTP*472*RD8*20261102-20261103~" in data
    assert b"HL*5**20*1~" in data
    assert parse_276(one(data)) == requests


@pytest.mark.parametrize(
    "response",
    [
        RESPONSE,
        replace(
            RESPONSE,
            dependent=Person("DOE", "TIMMY"),
            claims=(
                replace(
                    PAID,
                    statuses=(StatusCode("P1", ""),),
                    paid=None,
                    paid_date=None,
                    check_number="",
                    lines=(),
                ),
            ),
        ),
        replace(
            RESPONSE,
            subscriber=None,
            claims=(),
            trace_number="0",
            statuses=(StatusCode("E0", "24", "85"),),
        ),
        replace(
            RESPONSE,
            provider=None,
            subscriber=None,
            claims=(),
            trace_number="CS",
            statuses=(StatusCode("E1", "0"),),
        ),
    ],
    ids=["paid", "dependent_pending", "provider_level", "receiver_level"],
)
def test_277_reads_back_as_written(response):
    data = render_277([response], envelope=ENVELOPE, reference="R")
    assert parse_277(one(data)) == [response]


def test_277_statuses_in_words():
    (response,) = parse_277(one(render_277([RESPONSE], envelope=ENVELOPE, reference="R")))
    (claim,) = response.claims
    assert claim.explain() == ["finalized: payment; status code 65"]
    assert not claim.is_rejected


def test_public_sample_277_claim_level():
    responses = parse_277(one(sample("277_005010X212/claim-level-status.277")))
    smith, jones, mann = responses
    (claim,) = smith.claims
    assert claim.trace_number == "ABCXYZ1"
    assert claim.patient_control_number == "SM123456"
    assert claim.payer_claim_number == "05347006051"
    assert claim.statuses == (StatusCode("P3", "317"),)
    assert claim.total_charge == Decimal("8513.88")
    assert (claim.service_from, claim.service_to) == (date(2005, 8, 31), date(2005, 9, 6))
    assert jones.claims[0].paid == Decimal("7599.00")
    assert mann.dependent.first_name == "JOSEPH"
    (line,) = mann.claims[0].lines
    assert (line.procedure_code, line.charge, line.paid, line.units) == (
        "99203",
        Decimal("150.00"),
        Decimal("0.00"),
        1,
    )
    assert mann.claims[0].statuses[0].explain() == ("finalized: denial; status code 88 (patient)")


def test_public_sample_277_provider_and_receiver_level():
    smith, rejected = parse_277(one(sample("277_005010X212/provider-level-status.277")))
    assert smith.claims[0].patient_control_number == "SM123456"
    assert rejected.subscriber is None
    assert rejected.provider.id == "6166666666"
    assert rejected.statuses == (StatusCode("E0", "24", "85"),)
    (receiver,) = parse_277(one(sample("277_005010X212/information-receiver-level-status.277")))
    assert receiver.provider is None
    assert receiver.trace_number == "ABC276XXX"
    assert receiver.statuses == (StatusCode("E0", "0"),)


@pytest.mark.parametrize(
    "name",
    [
        "claim-level-status.276",
        "provider-level-status.276",
        "information-receiver-level-status.276",
        "claim-level-status-ncpdp.276",
    ],
)
def test_public_sample_276s(name):
    requests = parse_276(one(sample(f"276_005010X212/{name}")))
    first = requests[0]
    assert first.trace_number == "ABCXYZ1"
    assert first.subscriber.member_id == "123456789A"
    assert first.subscriber.birth_date == date(1930, 12, 10)
    assert first.payer == Entity("ABC INSURANCE", "12345")
    if name == "claim-level-status.276":
        assert [r.patient_control_number for r in requests] == ["SM123456", "J0234567", "MA345678"]
        assert requests[2].dependent.first_name == "JOSEPH"


def test_a_277_with_an_unknown_category_is_refused():
    data = render_277([RESPONSE], envelope=ENVELOPE, reference="R").replace(
        b"STC*F1:65", b"STC*ZZ:65", 1
    )
    with pytest.raises(X12Error) as caught:
        parse_277(one(data))
    assert caught.value.reason == "unknown claim status category code 'ZZ'"
    assert caught.value.segment_id == "STC"
