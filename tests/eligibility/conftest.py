"""An insured patient with a visit, and checks asked about them."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from medoffice.eligibility import rules
from medoffice.eligibility.models import EligibilityCheck
from medoffice.eligibility.services import answer_apply
from medoffice.patients import services as patient_services
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
FORTY = D("40.00")


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


def pending_check(coverage, day, *, appointment=None, trace="T" + "0" * 11):
    return EligibilityCheck.objects.create(
        practice=coverage.patient.practice, patient=coverage.patient, coverage=coverage,
        appointment=appointment, service_date=day, requested_at=timezone.now(),
        gateway="test", trace_number=trace,
    )  # fmt: skip


def active_answer(trace: str, *, copay=FORTY) -> rules.Answer:
    line = rules.BenefitLine
    return rules.Answer(
        trace_number=trace, plan_name="Choice POS II",
        benefits=(
            line("1", "IND", ("30",), plan="Choice POS II"),
            line("B", "IND", ("98",), amount=copay, network="Y"),
            line("C", "IND", ("30",), period="23", amount=D("1000.00"), network="Y"),
            line("C", "IND", ("30",), period="29", amount=D("600.00"), network="Y"),
        ),
    )  # fmt: skip


@pytest.fixture
def settle():
    """settle(coverage, day, answer=None, appointment=None) -> a check answered by `answer`
    (default: active, $40 office visit copay)."""
    counter = iter(range(1, 1000))

    def make(coverage, day, answer=None, *, appointment=None):
        trace = f"T{next(counter):011d}"
        check = pending_check(coverage, day, appointment=appointment, trace=trace)
        answer = answer or active_answer(trace)
        answer = rules.Answer(**{**answer.__dict__, "trace_number": trace})
        return answer_apply(check=check, answer=answer, response=b"ISA*271 test bytes")

    return make


def visit_day(appointment) -> date:
    from medoffice.scheduling.front_desk import visit_day as day_of

    return day_of(appointment)
