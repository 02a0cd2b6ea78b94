"""An insured patient with a visit, and checks asked of the simulated payer (real 270s and
271s through the codec)."""

from datetime import date
from decimal import Decimal

import pytest

from medoffice.eligibility import services
from medoffice.patients import services as patient_services
from medoffice.scheduling.front_desk import visit_day
from tests.scheduling.conftest import (  # noqa: F401 - the office to book in
    arrive,
    book,
    next_weekday_at,
    office,
    rooms,
    second_provider,
    visit_type,
    weekday_mornings,
)

D = Decimal


@pytest.fixture
def coverage(patient, payer):
    return patient_services.coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W1234567", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1), "copay": D("25.00"),
                "plan_name": "Choice POS II", "group_number": "G-100"},
    )  # fmt: skip


@pytest.fixture
def visit(office, book, coverage):  # noqa: F811 - the fixtures imported above
    return book(coverage.patient, next_weekday_at(9, 0))


@pytest.fixture
def ask():
    """ask(coverage, day=None, **kw) -> a check run now against the configured gateway."""

    def run(coverage, day=None, **kw):
        return services.check_run(coverage=coverage, service_date=day or date(2026, 3, 2), **kw)

    return run


@pytest.fixture
def ask_for_visit(ask):
    def run(appointment, **kw):
        coverage = appointment.patient.coverages.get(order=1)
        return ask(coverage, visit_day(appointment), appointment=appointment, **kw)

    return run


@pytest.fixture
def folder_gateway(settings, tmp_path, practice):
    """The practice's folder clearinghouse connection (MEDOFFICE_VAR_DIR/clearinghouse)."""
    from medoffice.billing.models import ClearinghouseConnection

    settings.MEDOFFICE_ELIGIBILITY_GATEWAY = "medoffice.eligibility.gateways.ClearinghouseFolder"
    settings.VAR_DIR = tmp_path
    ClearinghouseConnection.objects.create(
        practice=practice, name="Clearinghouse", sender_id="RIVERSIDE01",
        receiver_id="CLEARHOUSE", receiver_name="Clear House",
    )  # fmt: skip
    return tmp_path / "clearinghouse"
