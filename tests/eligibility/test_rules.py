"""What a payer's answer means: status, the figures the front desk asks about, rejects in
plain words. Pure rules: no database."""

from decimal import Decimal

import pytest

from medoffice.eligibility.rules import (
    REJECTS,
    Answer,
    BenefitLine,
    Reject,
    explain_reject,
    outcome,
    summarize,
)

D = Decimal


def answer(*lines, rejects=()):
    return Answer(trace_number="T1", benefits=tuple(lines), rejects=tuple(rejects))


def test_active_when_a_line_says_active_even_beside_other_lines():
    result = outcome(answer(BenefitLine("B", amount=D("25")), BenefitLine("1")))
    assert result.status == "active"
    assert result.reject is None


def test_inactive_when_the_only_status_is_inactive():
    assert outcome(answer(BenefitLine("6", plan="Gold PPO"))).status == "inactive"


def test_a_reject_wins_over_benefit_lines():
    result = outcome(answer(BenefitLine("1"), rejects=[Reject("72", "C", "2100C")]))
    assert result.status == "rejected"
    assert result.reject.code == "72"


@pytest.mark.parametrize("code", ["42", "79", "80"])
def test_payer_unable_to_answer_is_an_error_with_the_reason(code):
    result = outcome(answer(rejects=[Reject(code, "R", "2100A")]))
    assert result.status == "error"
    assert result.error_reason.startswith(REJECTS[code].problem)


def test_an_answer_with_neither_active_nor_inactive_is_an_error():
    result = outcome(answer(BenefitLine("B", amount=D("25"))))
    assert result.status == "error"
    assert "neither active nor inactive" in result.error_reason


def test_summary_prefers_office_visit_lines_and_splits_networks():
    lines = [
        BenefitLine("1", "IND", ("30",), plan="Gold PPO"),
        BenefitLine("B", "IND", ("30",), amount=D("40.00"), network="Y"),
        BenefitLine("B", "IND", ("98",), amount=D("25.00"), network="Y"),
        BenefitLine("B", "IND", ("98",), amount=D("60.00"), network="N"),
        BenefitLine("A", "IND", ("98",), percent=D("0.2"), network="Y"),
        BenefitLine("C", "FAM", ("30",), period="23", amount=D("3000.00"), network="Y"),
        BenefitLine("C", "IND", ("30",), period="23", amount=D("1500.00"), network="Y"),
        BenefitLine("C", "IND", ("30",), period="29", amount=D("1100.00"), network="Y"),
        BenefitLine("G", "IND", ("30",), period="23", amount=D("6000.00"), network="W"),
        BenefitLine("G", "IND", ("30",), period="29", amount=D("5200.00"), network="W"),
    ]
    summary = summarize(lines)
    assert summary.plan == "Gold PPO"
    ours = summary.in_network
    assert ours.copay == D("25.00")
    assert ours.coinsurance_percent == D("20.00")
    assert (ours.deductible, ours.deductible_remaining) == (D("1500.00"), D("1100.00"))
    assert (ours.out_of_pocket, ours.out_of_pocket_remaining) == (D("6000.00"), D("5200.00"))
    theirs = summary.out_of_network
    assert theirs.copay == D("60.00")
    assert theirs.deductible is None
    assert theirs.out_of_pocket == D("6000.00")  # W: both networks


def test_no_benefit_lines_summarize_to_nothing():
    assert summarize([]).in_network.is_empty


def test_benefit_lines_survive_the_json_the_check_keeps():
    line = BenefitLine("C", "IND", ("30",), "Gold", "29", D("123.45"), None, "Y", ("note",))
    assert BenefitLine.from_json(line.as_json()) == line


@pytest.mark.parametrize("code", sorted(REJECTS))
def test_every_known_reject_says_the_problem_and_what_to_do(code):
    said = explain_reject(code)
    assert said.problem.endswith(".")
    assert said.action


def test_the_follow_up_action_is_added_to_what_to_do():
    said = explain_reject("72", "C")
    assert said.action.endswith("The payer asks for a corrected request.")
    assert "card" in said.action


def test_an_unknown_reject_code_is_named_and_still_says_what_to_do():
    said = explain_reject("ZZ")
    assert "ZZ" in said.problem
    assert "Call the payer" in said.action
