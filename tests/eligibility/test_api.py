"""The REST API: ask the payer and read the checks; bad input gets a problem answer."""

from django.urls import reverse

from medoffice.core.roles import Role
from medoffice.eligibility.models import EligibilityCheck

CHECKS = "/api/eligibility-checks/"


def _post(client, data):
    return client.post(CHECKS, data=data, content_type="application/json")


def test_a_biller_asks_about_a_coverage_and_gets_the_answer(coverage, biller, client_for):
    answer = _post(client_for(biller), {"coverage": str(coverage.public_id),
                                        "service_date": "2026-03-02"})  # fmt: skip

    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "active"
    assert body["in_network"]["copay"] == "25.00"
    assert body["out_of_network"]["copay"] == "50.00"
    assert body["reject"] is None
    assert body["request_x12"].startswith("ISA*")
    assert "ST*271*" in body["response_x12"]
    assert body["requested_by"] == biller.username


def test_the_front_desk_asks_about_a_visit(visit, front_desk, client_for):
    answer = _post(client_for(front_desk), {"appointment": str(visit.public_id)})

    assert answer.status_code == 201
    assert answer.json()["appointment"] == str(visit.public_id)


def test_a_reject_comes_with_its_explanation(coverage, front_desk, client_for):
    coverage.payer.member_id_pattern = r"^X\d+$"
    coverage.payer.save()
    body = _post(client_for(front_desk), {"coverage": str(coverage.public_id)}).json()

    assert body["status"] == "rejected"
    assert body["reject"]["code"] == "72"
    assert body["reject"]["action"].startswith("Look at the insurance card")


def test_the_history_of_a_coverage_and_one_check(coverage, ask, front_desk, client_for):
    first, second = ask(coverage), ask(coverage)
    client = client_for(front_desk)

    listed = client.get(CHECKS, {"coverage": str(coverage.public_id)}).json()
    one = client.get(reverse("api:eligibility-check-detail", args=[first.public_id])).json()

    assert [c["id"] for c in listed] == [str(second.public_id), str(first.public_id)]
    assert one["trace_number"] == first.trace_number
    assert one["benefits"]


def test_bad_input_gets_a_problem_and_asks_nothing(coverage, front_desk, client_for):
    client = client_for(front_desk)
    both = _post(
        client, {"coverage": str(coverage.public_id), "appointment": str(coverage.public_id)}
    )
    bad_date = _post(client, {"coverage": str(coverage.public_id), "service_date": "soon"})
    bad_status = client.get(CHECKS, {"status": "maybe"})
    bad_coverage = client.get(CHECKS, {"coverage": "not-an-id"})

    assert [r.status_code for r in (both, bad_date, bad_status, bad_coverage)] == [400] * 4
    assert both["Content-Type"] == "application/problem+json"
    assert "service_date" in bad_date.json()["errors"]
    assert not EligibilityCheck.objects.exists()


def test_a_cancelled_coverage_is_a_conflict(coverage, front_desk, client_for):
    coverage.status = "cancelled"
    coverage.save()
    answer = _post(client_for(front_desk), {"coverage": str(coverage.public_id)})
    assert answer.status_code == 409
    assert answer.json()["code"] == "not_checkable"


def test_a_coder_can_neither_ask_nor_read(coverage, ask, make_user, client_for):
    ask(coverage)
    client = client_for(make_user(Role.CODER))
    assert _post(client, {"coverage": str(coverage.public_id)}).status_code == 403
    assert client.get(CHECKS).status_code == 403
    assert EligibilityCheck.objects.count() == 1


def test_another_practice_cannot_reach_our_coverage_or_checks(coverage, ask, outsider, client_for):
    check = ask(coverage)
    client = client_for(outsider)
    assert _post(client, {"coverage": str(coverage.public_id)}).status_code == 404
    assert (
        client.get(reverse("api:eligibility-check-detail", args=[check.public_id])).status_code
        == 404
    )
    assert client.get(CHECKS).json() == []
