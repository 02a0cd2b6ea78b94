"""Fixtures shared by the attack tests: the claims office and the scheduling office of
tests/billing and tests/scheduling (imported here once, so every attack module sees them),
and an insured patient. A sent claim (`sent`) comes from tests/payments/remitted.py."""

from datetime import date

import pytest

from tests.billing.conftest import claims_office, clearinghouse  # noqa: F401 - fixtures
from tests.scheduling.conftest import (  # noqa: F401 - the office to book in
    ecg,
    medical_assistant,
    office,
    rooms,
    second_provider,
    visit_type,
    weekday_mornings,
)


@pytest.fixture
def insured(patient, payer):
    from decimal import Decimal

    from medoffice.patients import services as patient_services

    return patient_services.coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W1234567", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1), "copay": Decimal("25.00"),
                "plan_name": "Choice POS II", "group_number": "G-100"},
    )  # fmt: skip
