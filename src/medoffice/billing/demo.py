"""The demo practice's billing set-up: a family-medicine superbill and fee schedules, a
clearinghouse connection and a few visits ready to bill.

So that a clinician in `make demo` can check services and diagnoses on today's
checked-in visit and sign it into charges, and a biller can send a batch at once
(Claims -> Send), see the simulated clearinghouse's 999 and 277CA, and work the one
rejection. The prices are round demo figures, not anyone's real charges. Idempotent.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from medoffice.billing.models import ItemKind, SuperbillItem, SuperbillTemplate
from medoffice.coding.demo import DEMO_CPT
from medoffice.coding.models import FeeSchedule, FeeScheduleEntry
from medoffice.core.clock import today_at
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
    start = date(today_at(practice).year - 1, 1, 1)
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
    ready = _demo_exchange(practice)
    return {
        "created": True, "superbill items": len(items), "priced codes": len(prices),
        "ready claims": ready,
    }  # fmt: skip


# Ready to bill: signed visits of the last days, each (diagnoses, services).
READY_VISITS = (
    (("I10", "E78.5"), ("99214",)),
    (("E11.9",), ("99213", "36415")),
    (("J06.9",), ("99213",)),
    (("N39.0",), ("99212", "81002")),
    (("K21.9",), ("99213",)),
)


def _demo_exchange(practice: Practice) -> int:
    """A folder clearinghouse connection answered by the simulated clearinghouse, and a few
    signed visits ready to bill: a new biller sends a batch at once, gets the 999 and the
    277CA back, and finds one claim rejected (its member id, as the simulated payer sees it)
    to fix and send again. Returns how many visits were signed."""
    from medoffice.billing import services
    from medoffice.billing.models import ClearinghouseConnection
    from medoffice.billing.rules import LineInput
    from medoffice.core.models import Location, Provider
    from medoffice.patients.models import Coverage

    location = Location.objects.filter(practice=practice).order_by("id").first()
    provider = Provider.objects.filter(practice=practice, is_active=True).order_by("id").first()
    signer = provider.user if provider is not None and getattr(provider, "user", None) else None
    if signer is None:
        from django.contrib.auth import get_user_model

        signer = get_user_model().objects.filter(username="clinician").first()
    if location is None or provider is None or signer is None:
        return 0
    today = today_at(practice)
    coverages = list(
        Coverage.objects.filter(
            patient__practice=practice, order=1, status="active",
            effective_start__lte=today - timedelta(days=10), effective_end__isnull=True,
            payer__is_active=True,
        ).select_related("patient").order_by("id")[: len(READY_VISITS)]
    )  # fmt: skip
    signed = 0
    for n, (coverage, (diagnoses, codes)) in enumerate(zip(coverages, READY_VISITS, strict=False)):
        encounter = services.encounter_open(
            patient=coverage.patient, provider=provider, location=location,
            date_of_service=today - timedelta(days=n + 1),
        )  # fmt: skip
        encounter = services.superbill_save(
            encounter=encounter, diagnoses=list(diagnoses),
            lines=[LineInput(code=code, units=1, modifiers=(), pointers=()) for code in codes],
        )  # fmt: skip
        services.encounter_sign(encounter=encounter, signed_by=signer)
        signed += 1
    # The simulated payer does not know the last patient's member id: that claim comes back
    # rejected (277CA A7:21, the subscriber) until the biller corrects the coverage.
    refused = coverages[-1].member_id if coverages else ""
    ClearinghouseConnection.objects.create(
        practice=practice, name="Demo clearinghouse (simulated)", sender_id="RIVERSIDE01",
        receiver_id="DEMOCLEARING", receiver_name="Demo Clearinghouse",
        contact_name="Billing office", contact_phone="(217) 555-0142",
        simulate_responses=True,
        simulate_member_id_pattern=f"(?!{re.escape(refused)}$).+" if refused else "",
    )  # fmt: skip
    return signed
