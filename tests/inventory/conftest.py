"""Fixtures for the supply closet and the equipment register."""

from datetime import timedelta
from decimal import Decimal

import pytest

from medoffice.core.models import Location
from medoffice.core.roles import Role
from medoffice.inventory.models import InventorySettings, Item, Vendor
from medoffice.inventory.services import stock_receive
from tests.billing.conftest import (  # noqa: F401 - encounters for the shelf link
    billing_office,
    code_sets,
    coded,
    coverage,
    fee_schedule,
    open_encounter,
    signed,
)
from tests.clock import office_today
from tests.scheduling.conftest import (  # noqa: F401 - the schedule the register blocks
    book,
    ecg,
    ecg_type,
    office,
    patients,
    rooms,
    second_provider,
    visit_type,
    weekday_mornings,
)

TODAY = office_today()


@pytest.fixture
def manager(make_user):
    return make_user(Role.OFFICE_MANAGER)


@pytest.fixture
def assistant(make_user, location):
    user = make_user(Role.MEDICAL_ASSISTANT)
    user.staff.locations.add(location)
    return user


@pytest.fixture
def vendor(practice):
    return Vendor.objects.create(
        practice=practice, name="Midwest Medical Supply", email="orders@midwest.example",
        account_number="RV-1001",
    )  # fmt: skip


@pytest.fixture
def gloves(practice, vendor):
    return Item.objects.create(
        practice=practice, name="Nitrile gloves, medium", sku="GLV-M", category="supply",
        unit="box", pack_size=10, par_level=40, reorder_point=12, preferred_vendor=vendor,
        unit_cost=Decimal("8.50"),
    )  # fmt: skip


@pytest.fixture
def flu_vaccine(practice, vendor):
    return Item.objects.create(
        practice=practice, name="Influenza vaccine, quadrivalent, 0.5 mL", sku="FLU-Q",
        category="vaccine", unit="syringe", pack_size=10, par_level=30, reorder_point=10,
        preferred_vendor=vendor, unit_cost=Decimal("18.00"), lot_tracked=True,
        billing_code="90686", storage="Vaccine fridge",
    )  # fmt: skip


@pytest.fixture
def b12(practice, vendor):
    """Billed as J3420 (up to 1,000 mcg): one vial a unit."""
    return Item.objects.create(
        practice=practice, name="Cyanocobalamin 1,000 mcg/mL vial", sku="B12-1000",
        category="drug", unit="vial", pack_size=25, par_level=25, reorder_point=5,
        preferred_vendor=vendor, unit_cost=Decimal("2.10"), lot_tracked=True,
        billing_code="J3420",
    )  # fmt: skip


@pytest.fixture
def annex(practice):
    return Location.objects.create(
        practice=practice, name="Annex", address1="9 Elm St", city="Springfield", state="IL",
        zip_code="62702", time_zone="America/Chicago",
    )  # fmt: skip


@pytest.fixture
def stocked(location, assistant):
    """stocked(item, quantity, lot=..., expires=...) receives units at the main location."""

    def receive(item, quantity, lot="", expires=None, where=None):
        if item.lot_tracked and expires is None:
            expires = TODAY + timedelta(days=180)
        return stock_receive(item=item, location=where or location, quantity=quantity,
                             by=assistant, lot_number=lot, expires_on=expires)  # fmt: skip

    return receive


@pytest.fixture
def threshold(practice):
    return InventorySettings.objects.create(practice=practice, approval_threshold=Decimal("250"))
