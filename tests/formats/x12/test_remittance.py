"""835 005010X221A1: every claim status and adjustment group read, balanced, round-tripped."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.common import Adjustment
from medoffice.formats.x12.remittance import (
    CLAIM_STATUSES,
    ClaimPayment,
    ProviderAdjustment,
    balancing_errors,
    parse_835,
    render_835,
)
from medoffice.formats.x12.synthetic import adjudicate, prepared_claims

from .claims import ENVELOPE
from .pyx12check import pyx12_problems
from .samples import sample

PAYER_ENVELOPE = replace(ENVELOPE, sender_id="ACME", receiver_id="MAPLE01")
CLAIMS = prepared_claims(60, seed=7)
REMITTANCE = adjudicate(CLAIMS, seed=7, messy=True)


def one(data: bytes):
    (transaction,) = read_transactions(data)
    return transaction


def every_status_and_group():
    """One claim per CLP02 status; CAS groups CO, OA, PI, PR at claim and line level."""
    base = adjudicate(CLAIMS[:1], seed=3).claims[0]
    claims = []
    for n, status in enumerate(CLAIM_STATUSES):
        claim = replace(base, patient_control_number=f"S{n}", status=status)
        if status == "4":
            denied = next(c for c in REMITTANCE.claims if c.is_denied)
            claim = replace(denied, patient_control_number=f"S{n}")
        claims.append(claim)
    service = base.services[0]
    odd = replace(
        base,
        patient_control_number="GROUPS",
        paid=base.paid - Decimal("6.00"),
        adjustments=(
            Adjustment("OA", "23", Decimal("1.00")),
            Adjustment("PI", "59", Decimal("2.00")),
        ),
        services=(
            replace(
                service,
                paid=service.paid - Decimal("3.00"),
                adjustments=service.adjustments
                + (Adjustment("OA", "94", Decimal("3.00"), Decimal("1")),),
            ),
            *base.services[1:],
        ),
    )
    claims.append(odd)
    total = sum((c.paid for c in claims), Decimal("0.00"))
    return replace(REMITTANCE, claims=tuple(claims), total_paid=total, provider_adjustments=())


def test_generated_remittance_is_valid_for_pyx12_balances_and_reads_back():
    data = render_835([REMITTANCE], envelope=PAYER_ENVELOPE)
    assert pyx12_problems(data) == []
    parsed = parse_835(one(data))
    assert parsed == REMITTANCE
    assert balancing_errors(parsed) == []


def test_the_generated_835_covers_what_posting_must_handle():
    statuses = {c.status for c in REMITTANCE.claims}
    assert {"1", "4", "22"} <= statuses
    groups = {a.group for c in REMITTANCE.claims for s in c.services for a in s.adjustments}
    assert {"CO", "PR"} <= groups
    reasons = {a.reason for c in REMITTANCE.claims for s in c.services for a in s.adjustments}
    assert {"1", "2", "45"} <= reasons
    assert {p.reason for p in REMITTANCE.provider_adjustments} & {"L6", "WO"}
    reversal = next(c for c in REMITTANCE.claims if c.is_reversal)
    assert reversal.paid < 0


def test_every_claim_status_and_adjustment_group():
    remittance = every_status_and_group()
    data = render_835([remittance], envelope=PAYER_ENVELOPE)
    assert pyx12_problems(data) == []
    parsed = parse_835(one(data))
    assert parsed == remittance
    assert [c.status for c in parsed.claims][: len(CLAIM_STATUSES)] == list(CLAIM_STATUSES)
    assert balancing_errors(parsed) == []
    groups = {a.group for c in parsed.claims for a in c.adjustments}
    groups |= {a.group for c in parsed.claims for s in c.services for a in s.adjustments}
    assert groups == {"CO", "OA", "PI", "PR"}
    assert parsed.claims[3].status_text == "denied"


def test_service_lines_keep_composite_codes_modifiers_dates_and_control_numbers():
    data = render_835([REMITTANCE], envelope=PAYER_ENVELOPE)
    parsed = parse_835(one(data))
    with_modifier = [s for c in parsed.claims for s in c.services if s.modifiers]
    assert with_modifier
    assert all(s.service_date for c in parsed.claims for s in c.services)
    assert any(s.line_control_number for c in parsed.claims for s in c.services)
    assert b"SVC*HC:" in data


def test_several_remittances_in_one_file():
    second = replace(REMITTANCE, trace_number="EFT0000002")
    data = render_835([REMITTANCE, second], envelope=PAYER_ENVELOPE)
    assert [parse_835(t).trace_number for t in read_transactions(data)] == [
        "EFT0000001",
        "EFT0000002",
    ]


def test_balancing_errors_name_the_claim_and_line():
    claim = REMITTANCE.claims[0]
    service = claim.services[0]
    broken = replace(
        REMITTANCE,
        claims=(
            replace(claim, services=(replace(service, paid=service.paid + 1), *claim.services[1:])),
        )
        + REMITTANCE.claims[1:],
    )
    assert balancing_errors(broken) == [
        f"claim {claim.patient_control_number} line 1 ({service.procedure_code}): charge "
        f"{service.charge} - paid {service.paid + 1} != adjustments {service.adjusted}"
    ]
    short = replace(REMITTANCE, total_paid=REMITTANCE.total_paid - Decimal("0.01"))
    assert balancing_errors(short) == [
        f"the payment {short.total_paid} != claim payments - provider adjustments "
        f"({REMITTANCE.total_paid})"
    ]


def test_provider_adjustments_reduce_or_add_to_the_payment():
    parsed = parse_835(one(render_835([REMITTANCE], envelope=PAYER_ENVELOPE)))
    paid = sum((c.paid for c in parsed.claims), Decimal("0.00"))
    adjustments = sum((p.amount for p in parsed.provider_adjustments), Decimal("0.00"))
    assert parsed.total_paid == paid - adjustments


def test_public_sample_managed_care_has_an_impossible_payment_date_and_is_refused_at_it():
    path = sample("835_005010X221A1/managed-care.835")
    with pytest.raises(X12Error) as caught:
        parse_835(one(path))
    assert (caught.value.segment_id, caught.value.element) == ("BPR", 16)
    assert caught.value.reason == "'20002316' is not a date (CCYYMMDD)"
    remittance = parse_835(one(path.read_bytes().replace(b"*20002316~", b"*20020316~")))
    assert remittance.payment_date == date(2002, 3, 16)
    assert remittance.total_paid == Decimal("945.00")
    assert remittance.trace_number == "7170066655"
    assert remittance.payment_method == "ACH"
    assert remittance.payee.id == "5544667733"
    assert remittance.payee_tax_id == "777667755"
    first, second = remittance.claims
    assert first.patient_control_number == "5554555444"
    assert first.adjustments == (Adjustment("CO", "A2", Decimal("50.00")),)
    (service,) = first.services
    assert (service.procedure_code, service.charge, service.paid) == (
        "99211",
        Decimal("800.00"),
        Decimal("500.00"),
    )
    assert (service.service_date, service.service_end) == (date(2002, 3, 1), date(2002, 3, 4))
    assert second.services[0].adjustments == (
        Adjustment("PR", "1", Decimal("600.00")),
        Adjustment("CO", "45", Decimal("50.00")),
    )
    assert balancing_errors(remittance) == []


def test_public_sample_medicare_part_a_with_plb():
    remittance = parse_835(one(sample("835_005010X221A1/medicare-part-a.835")))
    assert remittance.total_paid == Decimal("150000.00")
    assert remittance.payer.id == "999"
    assert remittance.payment_date == date(2002, 9, 13)
    assert remittance.provider_adjustments == (
        ProviderAdjustment("6543210903", date(2002, 12, 31), "CV", Decimal("-1.27"), "CP"),
    )
    assert [c.remarks for c in remittance.claims] == [(), ("MA02",)]
    assert balancing_errors(remittance) == []


def test_public_sample_secondary_payment_uses_a_component_separator_its_isa_does_not_announce():
    path = sample("835_005010X221A1/secondary-payment.835")
    with pytest.raises(X12Error) as caught:
        parse_835(one(path))
    assert caught.value.segment_id == "SVC"
    assert caught.value.reason == "unknown product/service id qualifier ['HC>12345>26']"
    fixed = path.read_bytes().replace(b">", b":")
    remittance = parse_835(one(fixed))
    assert [c.status for c in remittance.claims] == ["2", "2"]
    assert remittance.claims[1].services[1].adjustments == (
        Adjustment("PR", "1", Decimal("150.00")),
        Adjustment("PR", "2", Decimal("70.00")),
        Adjustment("CO", "42", Decimal("85.00")),
    )
    assert remittance.claims[1].services[0].allowed == Decimal("150.00")
    assert balancing_errors(remittance) == []


@pytest.mark.parametrize(
    ("old", "new", "segment", "reason"),
    [
        (b"CLP*C007", b"CLP*C007", None, None),
        (b"*1*", b"*9*", "CLP", "unknown claim status code '9'"),
        (b"CAS*CO*45", b"CAS*XX*45", "CAS", "unknown claim adjustment group 'XX'"),
        (b"*WO:", b"*QQ:", "PLB", "unknown provider adjustment reason 'QQ'"),
        (b"BPR*C*", b"BPR*Q*", "BPR", "unknown transaction handling code 'Q'"),
        (b"*ACH*", b"*CASH*", "BPR", "unknown payment method code 'CASH'"),
        (b"SVC*HC:", b"SVC*ZZ:", "SVC", "unknown product/service id qualifier ['ZZ'"),
    ],
)
def test_unknown_qualifiers_are_refused_at_their_segment(old, new, segment, reason):
    data = render_835([REMITTANCE], envelope=PAYER_ENVELOPE)
    if reason is None:
        assert old in data
        return
    at = data.index(b"CLP") if segment == "CLP" else 0
    data = data[:at] + data[at:].replace(old, new, 1)
    with pytest.raises(X12Error) as caught:
        parse_835(one(data))
    assert caught.value.segment_id == segment
    assert caught.value.reason.startswith(reason)


def test_a_truncated_835_is_refused_before_any_claim_is_read():
    data = render_835([REMITTANCE], envelope=PAYER_ENVELOPE)
    with pytest.raises(X12Error, match="truncated"):
        read_transactions(data[: len(data) // 2])


def test_builder_refuses_a_remittance_it_cannot_write():
    with pytest.raises(X12Error, match="payer's address"):
        render_835([replace(REMITTANCE, payer_address=None)], envelope=PAYER_ENVELOPE)
    claim = replace(REMITTANCE.claims[0], patient=None)
    with pytest.raises(X12Error, match="NM1\\*QC"):
        render_835([replace(REMITTANCE, claims=(claim,))], envelope=PAYER_ENVELOPE)
    assert isinstance(REMITTANCE.claims[0], ClaimPayment)
