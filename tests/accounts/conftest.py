"""Accounts fixtures: visits with charges posted to the ledger (made with the ORM and the
ledger's own API), and a small generated practice for the reports' reconciliation."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from medoffice.billing.models import Charge, Encounter, EncounterLine
from medoffice.payments import ledger
from tests.clock import CHICAGO
from tests.payments.summary_check import summaries_equal_the_ledger  # noqa: F401 - autouse

# `coverage` (our patient insured from 2024) is tests/billing/conftest.py's, registered for
# every test by tests/payments/remitted.py.


def visit_charges(patient, day: date, services, *, provider, location, coverage=None):
    """A signed visit of `patient` on `day` with one charge per (code, amount), posted to
    the ledger (the payer's if insured, else the patient's); returns the charges."""
    encounter = Encounter.objects.create(
        practice=patient.practice,
        patient=patient,
        provider=provider,
        location=location,
        date_of_service=day,
        place_of_service="11",
        coverage=coverage,
        status="signed",
        signed_at=timezone.now(),
    )
    charges = []
    for number, (code, amount) in enumerate(services, start=1):
        line = EncounterLine.objects.create(
            encounter=encounter, number=number, code=code, description=f"Service {code}"
        )
        charges.append(
            Charge.objects.create(
                encounter=encounter,
                line=line,
                provider=provider,
                coverage=coverage,
                date_of_service=day,
                code=code,
                units=1,
                amount=Decimal(amount),
                encounter_version=1,
                created_at=timezone.now(),
            )
        )
    ledger.post_charges(charges=charges)
    return charges


@pytest.fixture
def make_visit(provider, location):
    """make_visit(patient, day, [(code, amount), ...], coverage=None) -> the visit's charges,
    posted to the ledger (the payer's if insured, else the patient's)."""

    def make(patient, day: date, services, coverage=None, provider_=None, location_=None):
        return visit_charges(
            patient, day, services, provider=provider_ or provider,
            location=location_ or location, coverage=coverage,
        )  # fmt: skip

    return make


@pytest.fixture
def at_desk(freeze):
    """Freeze the clock at `hour` Chicago time on `day`."""

    def set_(day: date, hour: int = 10):
        return freeze(datetime.combine(day, time(hour, 0), tzinfo=CHICAGO))

    return set_


def generate_ledger(*, practice, patients, payers, make_visit, by, seed=7, visits=40, post_on=None):
    """Random visits with insurance payments, contractual adjustments, transfers to the
    patient, patient payments and write-offs, through the ledger's API. `post_on(day)`,
    when given, sets the clock before each posting (charges on the visit's day, the rest
    some days later), so the entries are effective on many days."""
    rng = random.Random(seed)
    from medoffice.payments.models import PaymentKind

    codes = ("99213", "99214", "36415", "81002", "90686")
    for n in range(visits):
        patient = rng.choice(patients)
        coverage = rng.choice(payers + [None])
        day = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + rng.randrange(0, 170))
        if post_on is not None:
            post_on(day)
        charges = make_visit(
            patient,
            day,
            [
                (rng.choice(codes), f"{rng.randrange(20, 300)}.{rng.randrange(100):02d}")
                for _ in range(rng.randrange(1, 4))
            ],
            coverage=coverage,
        )
        for charge in charges:
            if post_on is not None:
                post_on(day + timedelta(days=rng.randrange(0, 150)))
            roll = rng.random()
            if coverage is not None and roll < 0.7:
                allowed = (charge.amount * Decimal(rng.randrange(40, 90)) / 100).quantize(
                    Decimal("0.01")
                )
                paid = (allowed * Decimal("0.8")).quantize(Decimal("0.01"))
                payment = ledger.receive_payment(
                    practice=practice,
                    kind=PaymentKind.INSURANCE,
                    amount=paid,
                    method="eft",
                    reference=f"EFT{n}",
                    payer=coverage.payer,
                    by=by,
                )
                ledger.apply_payment(payment, allocations=[(charge, paid)], by=by)
                ledger.adjust(charge, charge.amount - allowed, group="CO", reason="45", by=by)
                ledger.transfer(
                    charge,
                    allowed - paid,
                    to_party=ledger.Responsible.patient(),
                    group="PR",
                    reason="2",
                    by=by,
                )
            if rng.random() < 0.4:
                payment = ledger.receive_payment(
                    practice=practice,
                    kind=PaymentKind.PATIENT,
                    amount=f"{rng.randrange(5, 60)}.00",
                    method="cash",
                    patient=patient,
                    by=by,
                )
                ledger.apply_payment(payment, by=by)
    return rng
