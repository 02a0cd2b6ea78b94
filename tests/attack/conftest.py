"""Fixtures shared by the attack tests."""

from datetime import date

import pytest


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
