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
