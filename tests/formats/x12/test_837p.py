"""837P 005010X222A1: every variant validated by pyx12 and read back unchanged."""

from dataclasses import replace
from decimal import Decimal

import pytest

from medoffice.formats.x12 import X12Error, read_interchanges, read_transactions
from medoffice.formats.x12.claim_837p import (
    MAX_CLAIMS_PER_TRANSACTION,
    BillingProvider,
    parse_837p,
    render_837p,
)
from medoffice.formats.x12.common import Address

from .claims import (
    BASE,
    DEPENDENT,
    ENVELOPE,
    RECEIVER,
    REPLACEMENT,
    SECONDARY,
    SUBMITTER,
    VARIANTS,
)
from .pyx12check import pyx12_problems


def render(claims, envelope=ENVELOPE) -> bytes:
    return render_837p(
        claims, submitter=SUBMITTER, receiver=RECEIVER, envelope=envelope, reference="BATCH41"
    )


def segments(data: bytes) -> list[str]:
    return [s.text() for t in read_transactions(data) for s in t.segments]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_is_valid_for_pyx12(name):
    assert pyx12_problems(render([VARIANTS[name]])) == []


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_reads_back_as_written(name):
    (transaction,) = read_transactions(render([VARIANTS[name]]))
    batch = parse_837p(transaction)
    assert batch.claims == [VARIANTS[name]]
    assert (batch.submitter, batch.receiver, batch.reference) == (SUBMITTER, RECEIVER, "BATCH41")


def test_a_batch_of_all_variants_is_valid_and_reads_back():
    claims = list(VARIANTS.values())
    data = render(claims)
    assert pyx12_problems(data) == []
    (transaction,) = read_transactions(data)
    assert parse_837p(transaction).claims == claims


def test_the_patient_loop_appears_only_for_a_dependent():
    own = segments(render([BASE]))
    assert "HL*2*1*22*0" in own
    assert "SBR*P*18*GRP100******CI" in own
    assert not any(s.startswith("PAT") for s in own)
    dependent = segments(render([DEPENDENT]))
    assert "HL*2*1*22*1" in dependent
    assert "HL*3*2*23*0" in dependent
    assert "PAT*19" in dependent
    assert "SBR*P**GRP100******CI" in dependent
    assert "NM1*QC*1*DOE*TIMMY" in dependent
    assert "DMG*D8*20150630*M" in dependent


def test_secondary_claim_carries_the_primary_adjudication():
    written = segments(render([SECONDARY]))
    assert "SBR*S*18*GRP100**12****MB" in written
    assert "SBR*P*18*GRP100******CI" in written  # 2320: the primary payer
    assert "AMT*D*80.00" in written
    assert "CAS*PR*2*15.00" in written
    assert "SVD*60054*80.00*HC:99213**1" in written
    assert "CAS*CO*45*30.00" in written
    assert "DTP*573*D8*20261115" in written


def test_replacement_and_void_carry_the_frequency_and_original_claim_number():
    written = segments(render([REPLACEMENT, VARIANTS["void"]]))
    assert "CLM*E1007*125.00***11:B:7*Y*A*Y*Y" in written
    assert "REF*F8*PAYERCLM123" in written
    assert "CLM*E1008*125.00***11:B:8*Y*A*Y*Y" in written


def test_claim_total_is_the_sum_of_its_lines_and_pointers_are_composites():
    written = segments(render([VARIANTS["multiple_lines_and_pointers"]]))
    assert "CLM*E1005*315.00***11:B:1*Y*A*Y*Y" in written
    assert "HI*ABK:E119*ABF:I10*ABF:E785*ABF:Z23*ABF:J45909" in written
    assert "SV1*HC:99214:25*180.00*UN*1***1:2:3" in written
    assert "SV1*HC:94010*60.00*UN*2***5:1" in written
    assert "SV1*HC:36415:59:XU:76:77*10.00*UN*1*81**1" in written


def test_claims_are_grouped_under_their_billing_provider():
    other = BillingProvider(
        "OAK CLINIC",
        "1679576722",
        "371234568",
        Address("2 OAK ST", "SPRINGFIELD", "IL", "627019999"),
    )
    claims = [BASE, replace(DEPENDENT, billing_provider=other), VARIANTS["void"]]
    data = render(claims)
    assert pyx12_problems(data) == []
    written = segments(data)
    assert [s for s in written if s.endswith("*20*1")] == ["HL*1**20*1", "HL*4**20*1"]
    (transaction,) = read_transactions(data)
    parsed = parse_837p(transaction).claims
    assert [c.patient_control_number for c in parsed] == ["E1001", "E1008", "E1002"]


def test_a_large_batch_is_split_into_transactions_of_5000_claims():
    claims = [replace(BASE, patient_control_number=f"E{n}") for n in range(5001)]
    (interchange,) = read_interchanges(render(claims))
    (group,) = interchange.groups
    assert [t.control_number for t in group.transactions] == ["0001", "0002"]
    counts = [len(parse_837p(t).claims) for t in group.transactions]
    assert counts == [MAX_CLAIMS_PER_TRANSACTION, 1]


def test_separators_and_production_flag_come_from_the_envelope():
    from medoffice.formats.x12 import Separators

    envelope = replace(ENVELOPE, separators=Separators("|", ">", "!", "\n"), production=True)
    data = render([VARIANTS["multiple_lines_and_pointers"]], envelope)
    assert b"SV1|HC>99214>25|180.00|UN|1|||1>2>3\n" in data
    (transaction,) = read_transactions(data)
    assert transaction.group.interchange.is_production
    assert parse_837p(transaction).claims == [VARIANTS["multiple_lines_and_pointers"]]


def test_separator_characters_in_data_cannot_break_the_file():
    claim = replace(BASE, subscriber=replace(BASE.subscriber, last_name="O*BRIEN~X:Y"))
    (transaction,) = read_transactions(render([claim]))
    assert parse_837p(transaction).claims[0].subscriber.last_name == "O BRIEN X Y"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lines": ()}, "at least one service line"),
        ({"diagnoses": ()}, "1 to 12 diagnoses"),
        ({"frequency": "7"}, "original claim number"),
        ({"frequency": "5", "original_reference": "X"}, "frequency code '5'"),
        ({"lines": (replace(BASE.lines[0], diagnosis_pointers=(3,)),)}, "diagnosis pointers"),
        ({"lines": (replace(BASE.lines[0], modifiers=("25",) * 5),)}, "at most 4 modifiers"),
        ({"lines": BASE.lines * 51}, "at most 50"),
        ({"patient_control_number": ""}, "1 to 38 characters"),
    ],
)
def test_a_claim_that_cannot_be_written_is_refused_with_the_reason(change, reason):
    with pytest.raises(X12Error, match=reason) as caught:
        render([BASE, replace(BASE, **change)])
    assert "claim" in caught.value.reason


def test_control_numbers_must_be_in_range():
    with pytest.raises(X12Error, match="interchange control number"):
        render([BASE], replace(ENVELOPE, interchange_control_number=1_000_000_000))
    with pytest.raises(X12Error, match="sender id"):
        render([BASE], replace(ENVELOPE, sender_id="X" * 16))


def test_amounts_are_written_in_cents():
    claim = replace(BASE, lines=(replace(BASE.lines[0], charge=Decimal("99.5")),))
    assert "SV1*HC:99213*99.50*UN*1***1:2" in segments(render([claim]))


def test_generated_claims_for_the_benchmark_are_valid_and_read_back():
    from medoffice.formats.x12.synthetic import prepared_claims

    claims = prepared_claims(300, seed=11)
    assert any(c.patient for c in claims)
    assert any(c.other_payers for c in claims)
    assert any(c.place_of_service in ("02", "10") for c in claims)
    data = render(claims)
    assert pyx12_problems(data) == []
    (transaction,) = read_transactions(data)
    assert parse_837p(transaction).claims == claims


@pytest.mark.parametrize(
    ("old", "new", "segment", "reason"),
    [
        (b"HL*2*1*22*0", b"HL*2*1*99*0", "HL", "unknown hierarchical level code '99' in an 837P"),
        (b"HI*ABK:J069", b"HI*ZZ:J069", "HI", "unknown diagnosis qualifier ['ZZ']"),
        (b"SV1*HC:99213", b"SV1*XX:99213", "SV1", "unknown procedure code qualifier ['XX']"),
        (b"CLM*E1001*125.00***11:B:1", b"CLM*E1001*125.00***11", "CLM", "CLM05 must be"),
        (b"DTP*472*D8*20261102", b"DTP*472*D8*20261302", "DTP", "'20261302' is not a date"),
    ],
)
def test_a_bad_837p_is_refused_with_the_segment_and_reason(old, new, segment, reason):
    data = render([BASE])
    assert old in data
    (transaction,) = read_transactions(data.replace(old, new, 1))
    with pytest.raises(X12Error) as caught:
        parse_837p(transaction)
    assert caught.value.segment_id == segment
    assert caught.value.reason.startswith(reason)
    assert caught.value.segment_number > 3


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        (replace(BASE, rendering_provider=replace(VARIANTS["rendering_referring_prior_auth"]
                                                  .rendering_provider, npi="1234567890")),
         "rendering provider's NPI '1234567890' is not a valid NPI"),
        (replace(BASE, billing_provider=replace(BASE.billing_provider, npi="123")),
         "'123' is not a valid NPI"),
        (replace(BASE, billing_provider=replace(
            BASE.billing_provider,
            address=replace(BASE.billing_provider.address, postal_code="62701"))),
         "postal code must have 9 digits"),
    ],
)  # fmt: skip
def test_provider_identifiers_are_checked_before_writing(claim, reason):
    with pytest.raises(X12Error, match=reason):
        render([claim])


def test_the_submitter_needs_a_way_to_be_reached():
    with pytest.raises(X12Error, match="contact phone or e-mail"):
        render_837p([BASE], submitter=replace(SUBMITTER, phone=""), receiver=RECEIVER,
                    envelope=ENVELOPE, reference="X")  # fmt: skip
