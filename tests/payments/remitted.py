"""A sent claim and the 835 that paid it, for any test of the suite (tests/conftest.py
registers this module as a plugin): the fixtures that make a sent claim, and the remittance
posted over it. A test module imports only the plain helpers it calls (line, service,
claim_payment, era_bytes, era_posted)."""

import pytest

from medoffice.payments.era import era_import
from tests.billing.conftest import (  # noqa: F401 - fixtures: a signed encounter to bill
    billing_office,
    code_sets,
    coded,
    coverage,
    fee_schedule,
    line,
    open_encounter,
    signed,
)
from tests.payments.conftest import (  # noqa: F401 - fixtures: charges, a sent claim
    claim_payment,
    era_bytes,
    posted,
    sent,
    service,
)


def era_posted(practice, payments, *, name: str = "paid.835", **era_options):
    """The 835 of these claim payments imported (era_bytes takes `era_options`) and posted;
    the import's result."""
    result = era_import(era_bytes(payments, **era_options), practice=practice, name=name)
    assert result.status == "posted", result.message
    return result


@pytest.fixture
def remitted(sent, practice):  # noqa: F811 - the imported fixture
    """A sent claim of two lines and the 835 that paid it, posted: the office visit (99213)
    paid $70 with $25 written off (CO-45) and $30 left to the patient (PR-3 copay, PR-1
    deductible), the draw (36415) paid $10 with $2.50 written off. The claim, refreshed."""
    claim = sent([line("99213"), line("36415")])
    visit, draw = claim.lines.order_by("number")
    payment = claim_payment(
        claim,
        [
            service(visit, "70.00", ("CO", "45", "25.00"), ("PR", "3", "20.00"),
                    ("PR", "1", "10.00")),
            service(draw, "10.00", ("CO", "45", "2.50")),
        ],
    )  # fmt: skip
    era_posted(practice, [payment])
    claim.refresh_from_db()
    return claim
