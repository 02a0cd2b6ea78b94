"""The demo practice's billing set-up: a family-medicine superbill and fee schedules.

So that a clinician in `make demo` can check services and diagnoses on today's
checked-in visit and sign it into charges. The prices are round demo figures,
not anyone's real charges. Idempotent.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from medoffice.billing.models import ItemKind, SuperbillItem, SuperbillTemplate
from medoffice.coding.demo import DEMO_CPT
from medoffice.coding.models import FeeSchedule, FeeScheduleEntry
from medoffice.core.models import Practice
from medoffice.patients.models import Payer

SERVICES = (
    ("Office visits, established", ("99212", "99213", "99214", "99215")),
    ("Office visits, new", ("99202", "99203", "99204")),
    ("Preventive", ("99395", "99396", "99397")),
    ("In-office tests and procedures", ("93000", "36415", "81002", "87880", "90471",
                                        "90686", "20610", "69210", "94640")),
)  # fmt: skip
DIAGNOSES = (
    ("Chronic conditions", ("I10", "E11.9", "E11.65", "E78.5", "E03.9", "F41.9")),
    ("Acute", ("J06.9", "J02.0", "N39.0", "R05.1", "M54.50", "K21.9")),
    ("Preventive", ("Z00.00", "Z00.01", "Z23")),
)
# Demo charge per code: office visits by level, other services a flat figure each.
VISIT_PRICES = {"99202": 110, "99203": 160, "99204": 240, "99205": 310, "99211": 35,
                "99212": 80, "99213": 125, "99214": 185, "99215": 250}  # fmt: skip
OTHER_PRICE = 60
PAYER_SHARE = Decimal("0.72")  # the payers' expected allowed amounts: 72 % of charges


@transaction.atomic
def load_demo_billing(*, practice: Practice) -> dict:
    if SuperbillTemplate.objects.filter(practice=practice).exists():
        return {"created": False}
    template = SuperbillTemplate.objects.create(practice=practice, name="Family medicine")
    items = []
    for kind, groups in ((ItemKind.SERVICE, SERVICES), (ItemKind.DIAGNOSIS, DIAGNOSES)):
        for section, codes in groups:
            items += [
                SuperbillItem(template=template, kind=kind, section=section, code=code,
                              position=position)
                for position, code in enumerate(codes)
            ]  # fmt: skip
    SuperbillItem.objects.bulk_create(items)
    start = date(timezone.localdate().year - 1, 1, 1)
    prices = {code: Decimal(VISIT_PRICES.get(code, OTHER_PRICE)) for code, _ in DEMO_CPT}
    charges = FeeSchedule.objects.create(
        practice=practice, name="Standard charges", effective_from=start
    )
    FeeScheduleEntry.objects.bulk_create(
        FeeScheduleEntry(schedule=charges, code=code, amount=amount)
        for code, amount in prices.items()
    )
    for payer in Payer.objects.filter(is_active=True).order_by("id")[:3]:
        expected = FeeSchedule.objects.create(
            practice=practice, payer=payer, name=f"{payer.name} allowed", effective_from=start
        )
        FeeScheduleEntry.objects.bulk_create(
            FeeScheduleEntry(
                schedule=expected, code=code, amount=(amount * PAYER_SHARE).quantize(Decimal("1"))
            )
            for code, amount in prices.items()
        )
    return {"created": True, "superbill items": len(items), "priced codes": len(prices)}
