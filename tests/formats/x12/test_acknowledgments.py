"""999 (005010X231A1) and 277CA (005010X214): what the clearinghouse says about our batch."""

import io
import logging
import tempfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from medoffice.formats.x12 import X12Error, read_interchanges, read_transactions
from medoffice.formats.x12.ack_999 import (
    ElementError,
    FunctionalAck,
    SegmentError,
    acknowledge,
    parse_999,
    render_999,
)
from medoffice.formats.x12.claim_837p import render_837p
from medoffice.formats.x12.claim_ack import (
    ClaimAcknowledgment,
    ProviderClaims,
    Totals,
    parse_277ca,
    render_277ca,
)
from medoffice.formats.x12.claim_status import ClaimStatus, ServiceLineStatus, StatusCode
from medoffice.formats.x12.common import Entity, Person

from .claims import BASE, ENVELOPE, RECEIVER, SUBMITTER, VARIANTS
from .pyx12check import pyx12_problems

BATCH = render_837p(
    list(VARIANTS.values()),
    submitter=SUBMITTER,
    receiver=RECEIVER,
    envelope=ENVELOPE,
    reference="BATCH41",
)
ANSWER = replace(
    ENVELOPE,
    sender_id="GATEWAY",
    receiver_id="MAPLE01",
    interchange_control_number=9001,
    group_control_number=9001,
)


def one(data: bytes):
    (transaction,) = read_transactions(data)
    return transaction


def group_of(data: bytes):
    ((group,),) = [i.groups for i in read_interchanges(data)]
    return group


# --- 999 ------------------------------------------------------------------------------

REJECTION = SegmentError(
    "NM1",
    17,
    "8",
    "2010",
    "E1002",
    (
        ElementError(9, "7", data_element="67", bad_value="W12"),
        ElementError(3, "1", component=None, data_element="1035"),
    ),
)


def test_an_accepting_999_is_valid_for_pyx12_and_reads_back():
    ack = acknowledge(group_of(BATCH))
    data = render_999([ack], envelope=ANSWER)
    assert pyx12_problems(data) == []
    parsed = parse_999(one(data))
    assert parsed == ack
    assert parsed.accepted
    assert parsed.group_control_number == "41"
    assert parsed.transactions[0].control_number == "0001"


def test_a_rejecting_999_names_the_claim_the_segment_and_the_element():
    ack = acknowledge(group_of(BATCH), {"0001": (REJECTION,)})
    data = render_999([ack], envelope=ANSWER)
    assert pyx12_problems(data) == []
    parsed = parse_999(one(data))
    assert parsed == ack
    assert not parsed.accepted
    assert parsed.explain() == [
        "group 41: rejected",
        "transaction set 0001: rejected",
        "one or more segments in error",
        "claim E1002: NM1 at segment 17: segment has data element errors "
        "(element 9: invalid code value ('W12'); element 3: required data element missing)",
    ]


def test_partial_acceptance_of_a_group_of_two_transaction_sets():
    claims = [replace(BASE, patient_control_number=f"P{n}") for n in range(5001)]
    batch = render_837p(
        claims, submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE, reference="BIG"
    )
    ack = acknowledge(group_of(batch), {"0002": (REJECTION,)})
    assert ack.status == "P"
    parsed = parse_999(one(render_999([ack], envelope=ANSWER)))
    assert [t.accepted for t in parsed.transactions] == [True, False]
    assert (parsed.included, parsed.received, parsed.accepted_count) == (2, 2, 1)


def test_a_999_written_by_pyx12_itself_reads():
    """An independent implementation's 999: pyx12 answers a broken 837P with one."""
    broken = BATCH.replace(b"NM1*IL*1*DOE*JANE*Q***MI*W123456789~", b"NM1*IL*1*DOE~", 1)
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "broken.837"
        path.write_bytes(broken)
        out = io.StringIO()
        pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), out, None)
    written = out.getvalue().encode()
    assert written.startswith(b"ISA")
    parsed = parse_999(one(written))
    assert parsed.group_control_number == "41"
    assert not parsed.accepted
    (transaction,) = parsed.transactions
    assert transaction.status == "R"
    (error,) = transaction.segment_errors
    assert error.segment_id == "NM1"
    assert error.elements


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"IK5*A", b"IK5*Q", "unknown transaction set acknowledgment code 'Q'"),
        (b"AK9*A*1*1*1", b"AK9*A*1*one*1", "'one' is not a count"),
        (b"AK9*A*1*1*1", b"AK9*Z*1*1*1", "unknown functional group acknowledgment code 'Z'"),
    ],
)
def test_a_bad_999_is_refused_with_the_reason(old, new, reason):
    data = render_999([acknowledge(group_of(BATCH))], envelope=ANSWER).replace(old, new)
    with pytest.raises(X12Error) as caught:
        parse_999(one(data))
    assert caught.value.reason == reason
    assert caught.value.segment_id in ("IK5", "AK9")


def test_a_999_without_its_ak9_is_refused():
    data = render_999([acknowledge(group_of(BATCH))], envelope=ANSWER)
    data = data.replace(b"AK9*A*1*1*1~\n", b"").replace(b"SE*6*", b"SE*5*")
    with pytest.raises(X12Error, match="AK9, which is missing"):
        parse_999(one(data))


# --- 277CA ----------------------------------------------------------------------------

JANE = Person("DOE", "JANE", "W123456789")
TIMMY = Person("DOE", "TIMMY", "W123456789")
ACCEPTED = ClaimStatus(
    "E1001",
    (StatusCode("A2", "20", "PR"),),
    date(2026, 11, 24),
    Decimal("125.00"),
    action="WQ",
    payer_claim_number="PAY998877",
    clearinghouse_trace="CH1",
    service_from=date(2026, 11, 2),
    service_to=date(2026, 11, 2),
    patient=JANE,
)
REJECTED = ClaimStatus(
    "E1002",
    (StatusCode("A7", "21", "IL"), StatusCode("A7", "562", "85")),
    date(2026, 11, 24),
    Decimal("125.00"),
    action="U",
    service_from=date(2026, 11, 2),
    service_to=date(2026, 11, 3),
    patient=TIMMY,
    lines=(
        ServiceLineStatus(
            "99213",
            Decimal("125.00"),
            (StatusCode("A7", "454"),),
            units=1,
            modifiers=("25",),
            effective_date=date(2026, 11, 24),
            line_control_number="L1",
            service_date=date(2026, 11, 2),
        ),
    ),
)
ACK = ClaimAcknowledgment(
    reference="CA0001",
    source=Entity("GATEWAY CLEARINGHOUSE", "GATEWAY", "46"),
    source_trace="GW-555",
    received=date(2026, 11, 23),
    processed=date(2026, 11, 24),
    receiver=Entity("MAPLE FAMILY MEDICINE", "MAPLE01", "46"),
    receiver_trace="BATCH41",
    receiver_statuses=(StatusCode("A1", "19", "PR"),),
    totals=Totals(1, 1, Decimal("125.00"), Decimal("125.00")),
    providers=(
        ProviderClaims(
            Entity("MAPLE FAMILY MEDICINE", "1234567893", "XX"),
            (StatusCode("A1", "19", "PR"),),
            (ACCEPTED, REJECTED),
            totals=Totals(1, 1, Decimal("125.00"), Decimal("125.00")),
        ),
    ),
)


def test_a_277ca_is_valid_for_pyx12_and_reads_back():
    data = render_277ca(ACK, envelope=ANSWER)
    assert pyx12_problems(data) == []
    assert parse_277ca(one(data)) == ACK


def test_277ca_tells_accepted_from_rejected_claims_with_reasons():
    parsed = parse_277ca(one(render_277ca(ACK, envelope=ANSWER)))
    accepted, rejected = parsed.claims()
    assert accepted.patient_control_number == "E1001"
    assert accepted.is_accepted
    assert not accepted.is_rejected
    assert rejected.is_rejected
    assert rejected.explain() == [
        "acknowledgement: rejected for invalid information; missing or invalid information "
        "(subscriber)",
        "acknowledgement: rejected for invalid information; status code 562 (billing provider)",
    ]
    assert rejected.lines[0].line_control_number == "L1"


def test_a_277ca_is_not_written_for_a_provider_without_claims():
    ack = replace(ACK, providers=(replace(ACK.providers[0], claims=()),))
    with pytest.raises(X12Error, match="a 277CA lists its claims"):
        render_277ca(ack, envelope=ANSWER)
    no_member_id = replace(REJECTED, patient=Person("DOE", "TIMMY"))
    ack = replace(ACK, providers=(replace(ACK.providers[0], claims=(no_member_id,)),))
    with pytest.raises(X12Error, match="member id"):
        render_277ca(ack, envelope=ANSWER)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"STC*A7:21:IL", b"STC*Z9:21:IL", "unknown claim status category code 'Z9'"),
        (b"*U*125.00", b"*XX*125.00", "unknown action code 'XX' (expected WQ or U)"),
        (b"HL*4*3*PT", b"HL*4*3*QQ", "unknown hierarchical level code 'QQ'"),
        (b"QTY*90*1", b"QTY*90*1.5", "'1.5' is not a whole count"),
        (
            b"DTP*472*RD8*20261102-20261103",
            b"DTP*472*RD8*20261102-20261341",
            "'20261341' is not a date (CCYYMMDD)",
        ),
    ],
)
def test_a_bad_277ca_is_refused_with_the_segment_and_reason(old, new, reason):
    data = render_277ca(ACK, envelope=ANSWER)
    assert old in data
    with pytest.raises(X12Error) as caught:
        parse_277ca(one(data.replace(old, new, 1)))
    assert caught.value.reason == reason
    assert caught.value.segment_number is not None


def test_an_acknowledgment_that_is_not_a_277():
    with pytest.raises(X12Error, match="expected a 277, found a 837"):
        parse_277ca(one(BATCH))


def test_functional_ack_record_is_plain_data():
    ack = acknowledge(group_of(BATCH))
    assert isinstance(ack, FunctionalAck)
    assert ack.functional_id == "HC"
    assert ack.version == "005010X222A1"


def test_a_clearinghouse_acknowledges_a_batch_it_read():
    from medoffice.formats.x12.claim_837p import parse_837p
    from medoffice.formats.x12.claim_ack import acknowledge_claims

    (transaction,) = read_transactions(BATCH)
    batch = parse_837p(transaction)
    ack = acknowledge_claims(
        batch,
        source=Entity("GATEWAY CLEARINGHOUSE", "GATEWAY", "46"),
        source_trace="GW-1",
        received=date(2026, 11, 23),
        processed=date(2026, 11, 23),
        rejected={"E1002": (StatusCode("A7", "562", "85"),)},
    )
    data = render_277ca(ack, envelope=ANSWER)
    assert pyx12_problems(data) == []
    parsed = parse_277ca(one(data))
    assert parsed.receiver_trace == "BATCH41"
    results = {c.patient_control_number: c.is_rejected for c in parsed.claims()}
    assert results == {
        c.patient_control_number: c.patient_control_number == "E1002" for c in batch.claims
    }
    assert parsed.totals.rejected_quantity == 1
    assert parsed.totals.accepted_quantity == len(batch.claims) - 1
