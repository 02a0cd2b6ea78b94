"""The copay the front desk collects comes from the payer's latest active answer when there
is one, else from the card; the screen and the check-in record say which."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from medoffice.eligibility import rules
from medoffice.scheduling.front_desk import copay_quote
from medoffice.scheduling.models import CheckIn
from tests.eligibility.conftest import visit_day

D = Decimal


def test_without_a_check_the_copay_is_the_card_copay(visit):
    quote = copay_quote(visit)
    assert (quote.amount, quote.source) == (D("25.00"), "card")
    assert "insurance card" in quote.said


def test_the_latest_active_answer_sets_the_copay(visit, coverage, settle):
    settle(coverage, visit_day(visit))
    quote = copay_quote(visit)
    assert (quote.amount, quote.source) == (D("40.00"), "eligibility")
    assert "Aetna's eligibility answer" in quote.said


def test_an_answer_without_a_copay_leaves_the_card_copay(visit, coverage, settle):
    bare = rules.Answer(trace_number="x", benefits=(rules.BenefitLine("1"),))
    settle(coverage, visit_day(visit), bare)
    assert copay_quote(visit).source == "card"


def test_a_rejected_or_inactive_answer_is_not_a_copay(visit, coverage, settle):
    day = visit_day(visit)
    settle(coverage, day, rules.Answer("x", rejects=(rules.Reject("72", "C"),)))
    settle(coverage, day, rules.Answer("x", benefits=(rules.BenefitLine("6"),)))
    assert copay_quote(visit).source == "card"


def test_an_answer_for_a_later_day_is_not_used(visit, coverage, settle):
    settle(coverage, visit_day(visit) + timedelta(days=1))
    assert copay_quote(visit).source == "card"


def test_check_in_collects_the_eligibility_copay_and_records_its_source(
    visit, coverage, settle, arrive
):
    settle(coverage, visit_day(visit))
    arrive(visit, copay_collected=D("40.00"), copay_method="card")
    record = CheckIn.objects.get(appointment=visit)
    assert record.copay_due == D("40.00")
    assert record.snapshot["copay"]["source"] == "eligibility"


def test_the_check_in_screen_shows_the_copay_and_where_it_comes_from(
    visit, coverage, settle, front_desk, client_for, freeze
):
    settle(coverage, visit_day(visit))
    freeze(visit.starts_at - timedelta(minutes=10))
    page = client_for(front_desk).get(
        reverse("scheduling:appointment-check-in", args=[visit.public_id])
    )
    html = page.content.decode()
    assert "Due today: <strong>$40.00</strong>" in html
    assert "eligibility answer of" in html
    assert "Check eligibility now" in html
