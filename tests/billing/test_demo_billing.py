"""The demo's billing set-up: a superbill to check and prices to sign it into charges."""

from decimal import Decimal

from medoffice.billing.demo import load_demo_billing
from medoffice.billing.models import SuperbillTemplate
from medoffice.coding.models import FeeSchedule


def test_the_demo_gets_a_superbill_and_fee_schedules_once(practice, payer):
    first = load_demo_billing(practice=practice)
    assert first["created"]
    template = SuperbillTemplate.objects.get(practice=practice)
    assert template.items.filter(kind="service", code="99213").exists()
    assert template.items.filter(kind="diagnosis", code="I10").exists()
    charges = FeeSchedule.objects.get(practice=practice, payer=None)
    assert charges.entries.get(code="99213").amount == Decimal("125.00")
    allowed = FeeSchedule.objects.get(practice=practice, payer=payer)
    assert allowed.entries.get(code="99213").amount == Decimal("90.00")
    assert load_demo_billing(practice=practice) == {"created": False}
