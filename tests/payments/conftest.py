"""Signed encounters with charges in the ledger, for the ledger and the ERA posting."""

import pytest

from medoffice.billing.models import Charge
from medoffice.core.roles import Role
from medoffice.payments import ledger
from tests.billing.conftest import (  # noqa: F401 - encounters to bill
    billing_office,
    code_sets,
    coded,
    coverage,
    fee_schedule,
    line,
    open_encounter,
    signed,
)
from tests.payments.summary_check import summaries_equal_the_ledger  # noqa: F401 - autouse


@pytest.fixture
def biller(make_user):
    return make_user(Role.BILLER)


@pytest.fixture
def posted(signed, biller):  # noqa: F811 - the imported fixture
    """posted(lines=[line("99213"), ...], **kwargs) -> the signed encounter's charges, in the
    ledger (a list of Charge, in line order)."""

    def make(lines=None, **kwargs):
        encounter = signed(lines=lines or [line("99213"), line("36415")], **kwargs)
        ledger.post_charges(encounter=encounter, by=biller)
        return list(Charge.objects.filter(encounter=encounter).order_by("id"))

    return make


# ---------------------------------------------------------------- claims and remittances

from dataclasses import replace  # noqa: E402
from datetime import date, datetime  # noqa: E402
from decimal import Decimal  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from medoffice.billing.states import ClaimStatus  # noqa: E402
from medoffice.formats.x12 import Envelope  # noqa: E402
from medoffice.formats.x12.common import Address, Adjustment, Entity, Person  # noqa: E402
from medoffice.formats.x12.remittance import (  # noqa: E402
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    render_835,
)
from tests.billing.claimwork import claim_for  # noqa: E402

PAYER = Entity("AETNA", "60054", "PI")
PAYEE = Entity("RIVERSIDE TEST PRACTICE", "1234567893", "XX")
PAID_ON = date(2026, 3, 20)
ENVELOPE_TIME = datetime(2026, 3, 20, 9, 0, tzinfo=ZoneInfo("America/Chicago"))


@pytest.fixture
def sent(posted):
    """sent(lines=[...], **kwargs) -> the primary claim of a signed, posted encounter, sent."""

    def make(lines=None, status=ClaimStatus.SENT, **kwargs):
        charges = posted(lines, **kwargs)
        return claim_for(charges[0].encounter, status)

    return make


def service(line, paid, *adjustments, modifiers=None, control=True, remarks=(), **changes):
    """An SVC answering claim line `line`: (group, reason, amount) CAS rows."""
    svc = ServicePayment(
        procedure_code=line.code,
        charge=line.amount,
        paid=Decimal(paid),
        modifiers=tuple(line.modifier_list if modifiers is None else modifiers),
        units=line.units,
        service_date=line.date_of_service,
        adjustments=tuple(Adjustment(g, r, Decimal(a)) for g, r, a in adjustments),
        line_control_number=line.control_number if control else "",
        remarks=tuple(remarks),
    )
    return replace(svc, **changes) if changes else svc


def claim_payment(claim, services, *, status="1", number="PCN0001", adjustments=(), **changes):
    services = tuple(services)
    payment = ClaimPayment(
        patient_control_number=claim.patient_control_number if claim else "UNKNOWN0001",
        status=status,
        charge=sum((s.charge for s in services), Decimal("0.00")),
        paid=sum((s.paid for s in services), Decimal("0.00")),
        patient_responsibility=sum(
            (a.amount for s in services for a in s.adjustments if a.group == "PR"),
            Decimal("0.00"),
        ),
        filing_indicator="CI",
        payer_claim_number=number,
        patient=Person("DOE", "JANE", "W12345678"),
        adjustments=tuple(Adjustment(g, r, Decimal(a)) for g, r, a in adjustments),
        services=services,
    )
    return replace(payment, **changes) if changes else payment


def reversal(payment: ClaimPayment) -> ClaimPayment:
    from medoffice.formats.x12.synthetic import _reversal

    return _reversal(payment)


def era_bytes(payments, *, trace="EFT0001", plb=(), control=1, total=None) -> bytes:
    plb = tuple(ProviderAdjustment(PAYEE.id, date(2026, 12, 31), r, Decimal(a), ref)
                for r, a, ref in plb)  # fmt: skip
    amount = sum((p.paid for p in payments), Decimal("0.00")) - sum(
        (p.amount for p in plb), Decimal("0.00")
    )
    remittance = Remittance(
        total_paid=amount if total is None else Decimal(total),
        payment_method="ACH",
        payment_format="CCP",
        trace_number=trace,
        payer=PAYER,
        payee=PAYEE,
        claims=tuple(payments),
        payment_date=PAID_ON,
        handling="C",
        payer_identifier="1600540000",
        sender_routing="021000021",
        sender_account="123456789",
        receiver_routing="071000013",
        receiver_account="987654321",
        production_date=PAID_ON,
        payer_address=Address("PO BOX 1000", "HARTFORD", "CT", "06101"),
        payer_contact="EDI SUPPORT",
        payer_phone="8005550199",
        payee_tax_id="123456789",
        provider_adjustments=plb,
    )
    envelope = Envelope(
        sender_id="AETNA",
        receiver_id="MEDOFFICE01",
        interchange_control_number=control,
        group_control_number=control,
        created=ENVELOPE_TIME,
    )
    return render_835([remittance], envelope=envelope)
