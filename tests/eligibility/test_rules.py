"""What a payer's answer means: its status, and rejects in plain words with what to do.
Pure rules: no database."""

from decimal import Decimal

import pytest

from medoffice.eligibility.rules import REJECTS, Amounts, Answer, Reject, explain_reject, outcome


def test_active_when_the_payer_says_active():
    result = outcome(Answer("T1", active=True))
    assert result.status == "active"
    assert result.reject is None


def test_inactive_when_the_payer_says_inactive():
    assert outcome(Answer("T1", active=False)).status == "inactive"


def test_a_reject_wins_over_what_else_the_answer_says():
    result = outcome(Answer("T1", active=True, rejects=(Reject("72", "C"),)))
    assert result.status == "rejected"
    assert result.reject.code == "72"


@pytest.mark.parametrize("code", ["42", "79", "80"])
def test_payer_unable_to_answer_is_an_error_with_the_reason(code):
    result = outcome(Answer("T1", rejects=(Reject(code, "R", "payer"),)))
    assert result.status == "error"
    assert result.error_reason.startswith(REJECTS[code].problem)


def test_an_answer_with_neither_active_nor_inactive_is_an_error():
    result = outcome(Answer("T1"))
    assert result.status == "error"
    assert "neither active nor inactive" in result.error_reason


def test_amounts_survive_the_json_the_check_keeps():
    amounts = Amounts(copay=Decimal("25.00"), coinsurance_percent=Decimal("20"))
    assert Amounts.from_json(amounts.as_json()) == amounts
    assert Amounts.from_json({}).is_empty


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
