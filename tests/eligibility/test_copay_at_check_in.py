"""The copay the front desk collects comes from the payer's latest active answer when there
is one, else from the card; the screen and the check-in record say which."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from medoffice.patients import services as patient_services
from medoffice.scheduling.front_desk import copay_quote, visit_day
from medoffice.scheduling.models import CheckIn

D = Decimal


def _card_copay(coverage, amount: str) -> None:
    """The card on file changes after the payer answered (so the two differ)."""
    patient_services.coverage_update(coverage=coverage, fields={"copay": D(amount)})


def test_without_a_check_the_copay_is_the_card_copay(visit):
    quote = copay_quote(visit)
    assert (quote.amount, quote.source) == (D("25.00"), "card")
    assert "insurance card" in quote.said


def test_the_latest_active_answer_sets_the_copay(visit, coverage, ask_for_visit):
    ask_for_visit(visit)
    _card_copay(coverage, "15.00")
    quote = copay_quote(visit)
    assert (quote.amount, quote.source) == (D("25.00"), "eligibility")
    assert "Aetna's eligibility answer" in quote.said


def test_a_rejected_answer_is_not_a_copay(visit, coverage, ask_for_visit, settings):
    settings.MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE = [coverage.payer.payer_id]
    assert ask_for_visit(visit).status == "error"
    _card_copay(coverage, "15.00")
    assert copay_quote(visit).source == "card"
    assert copay_quote(visit).amount == D("15.00")


def test_an_answer_for_a_later_day_is_not_used(visit, coverage, ask):
    ask(coverage, visit_day(visit) + timedelta(days=1))
    assert copay_quote(visit).source == "card"


def test_check_in_collects_the_eligibility_copay_and_records_its_source(
    visit, coverage, ask_for_visit, arrive
):
    ask_for_visit(visit)
    _card_copay(coverage, "15.00")
    arrive(visit, copay_collected=D("25.00"), copay_method="card", copay_reference="APPR 7")
    record = CheckIn.objects.get(appointment=visit)
    assert record.copay_due == D("25.00")
    assert record.snapshot["copay"]["source"] == "eligibility"


def test_the_check_in_screen_shows_the_copay_and_where_it_comes_from(
    visit, coverage, ask_for_visit, front_desk, client_for, freeze
):
    ask_for_visit(visit)
    _card_copay(coverage, "15.00")
    freeze(visit.starts_at - timedelta(minutes=10))
    page = client_for(front_desk).get(
        reverse("scheduling:appointment-check-in", args=[visit.public_id])
    )
    html = page.content.decode()
    assert "Due today: <strong>$25.00</strong>" in html
    assert "eligibility answer of" in html
    assert "Check eligibility now" in html
    assert "Active coverage" in html
