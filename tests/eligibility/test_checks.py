"""Asking the payer: a real 270 out, a real 271 back (the simulated payer), each status and
reject, and bad answers that change nothing but are kept with the reason."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from medoffice.billing.models import ClearinghouseConnection, ControlCounter
from medoffice.eligibility import services, simulator, x12map
from medoffice.eligibility.errors import NotCheckableError
from medoffice.eligibility.models import EligibilityCheck, StrayResponse
from medoffice.formats.x12 import eligibility as codec
from medoffice.formats.x12 import read_transactions
from medoffice.formats.x12.common import Person
from medoffice.patients import services as patient_services
from medoffice.patients.models import Coverage

D = Decimal
DAY = date(2026, 3, 2)


def test_an_active_coverage_is_answered_with_its_benefits(coverage, ask, front_desk):
    check = ask(coverage, DAY, requested_by=front_desk)

    assert check.status == "active"
    assert check.plan_name == "Choice POS II"
    assert check.copay == D("25.00")
    assert check.coinsurance_percent == D("20")
    assert check.deductible is not None
    assert D(0) <= check.deductible_remaining <= check.deductible
    assert D(0) <= check.out_of_pocket_remaining <= check.out_of_pocket
    assert check.amounts()["out_of_network"].copay == D("50.00")
    assert check.coverage_begins == date(2024, 1, 1)
    assert check.requested_by == front_desk
    assert check.sent_at is not None
    assert check.answered_at is not None
    assert any("copayment" in line["text"] for line in check.benefits)


def test_the_270_and_271_are_kept_as_the_bytes_that_crossed(coverage, ask):
    check = ask(coverage, DAY)

    (sent,) = read_transactions(bytes(check.request_x12))
    assert sent.set_id == "270"
    (request,) = codec.parse_270(sent)
    assert request.trace_number == check.trace_number
    assert request.subscriber.member_id == "W1234567"
    assert request.service_date == DAY
    assert request.provider.id == coverage.patient.practice.group_npi
    (received,) = read_transactions(bytes(check.response_x12))
    assert received.set_id == "271"
    assert codec.parse_271(received)[0].trace_number == check.trace_number


def test_a_dependant_is_asked_about_under_the_subscriber(make_patient, payer, ask):
    child = make_patient(first_name="Mia", dob=date(2015, 6, 1))
    coverage = patient_services.coverage_add(
        patient=child,
        fields={"payer": payer, "member_id": "W7654321", "order": 1, "relationship": "19",
                "subscriber_first_name": "Ann", "subscriber_last_name": "Smith",
                "subscriber_dob": date(1984, 2, 3), "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    check = ask(coverage, DAY)

    (request,) = x12map.read_270(bytes(check.request_x12))
    assert (request.subscriber.last_name, request.dependent.first_name) == ("Smith", "Mia")
    assert check.status == "active"
    assert check.copay == simulator.DEFAULT_COPAY


def test_a_coverage_ended_before_the_day_is_inactive(coverage, ask):
    patient_services.coverage_update(
        coverage=coverage, fields={"effective_end": date(2025, 12, 31)}
    )
    check = ask(coverage, DAY)

    assert check.status == "inactive"
    assert check.copay is None
    assert check.coverage_ends == date(2025, 12, 31)


def test_a_member_the_payer_cannot_find_is_rejected_with_what_to_do(patient, payer, ask):
    coverage = patient_services.coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W1239999", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    check = ask(coverage, DAY)

    assert (check.status, check.reject_code, check.reject_follow_up) == ("rejected", "75", "C")
    assert check.copay is None


def test_a_member_id_in_the_wrong_format_is_rejected_as_invalid(coverage, ask):
    coverage.payer.member_id_pattern = r"^[A-Z]{3}\d{9}$"  # the payer reissued its ids
    coverage.payer.save()
    assert ask(coverage, DAY).reject_code == "72"


def _request(coverage, **subscriber) -> codec.EligibilityRequest:
    check = EligibilityCheck(
        practice=coverage.patient.practice, patient=coverage.patient, coverage=coverage,
        service_date=DAY, trace_number="T99",
    )  # fmt: skip
    request = x12map.request_for(check)
    fields = {name: getattr(request.subscriber, name) for name in Person.__slots__}
    return codec.EligibilityRequest(
        **{name: getattr(request, name) for name in codec.EligibilityRequest.__slots__}
        | {"subscriber": Person(**fields | subscriber)}
    )


@pytest.mark.parametrize(
    ("subscriber", "code"),
    [({"last_name": "Smyth"}, "73"), ({"birth_date": date(1981, 4, 1)}, "71"),
     ({"member_id": "W0000001"}, "75")],
)  # fmt: skip
def test_the_simulated_payer_checks_what_the_270_says_against_its_member(
    coverage, subscriber, code
):
    response = simulator.answer(_request(coverage, **subscriber))
    assert [r.code for r in response.rejections] == [code]


def test_payer_unable_to_respond_marks_the_check_error_with_why(coverage, ask, settings):
    settings.MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE = [coverage.payer.payer_id]
    check = ask(coverage, DAY)

    assert check.status == "error"
    assert check.reject_code == "42"
    assert "could not answer right now" in check.error_reason
    assert check.request_x12
    assert check.response_x12


def test_a_cancelled_coverage_is_not_asked_about(coverage, ask):
    Coverage.objects.filter(pk=coverage.pk).update(status="cancelled")
    coverage.refresh_from_db()
    with pytest.raises(NotCheckableError, match="cancelled"):
        ask(coverage, DAY)
    assert not EligibilityCheck.objects.exists()


def test_history_keeps_every_answer_per_coverage(coverage, ask):
    first = ask(coverage, DAY)
    patient_services.coverage_update(coverage=coverage, fields={"effective_end": date(2026, 2, 1)})
    second = ask(coverage, DAY)

    first.refresh_from_db()
    assert (first.status, second.status) == ("active", "inactive")
    assert list(coverage.eligibility_checks.all()) == [second, first]


# ----------------------------------------------------------------------- bad answers


def _answer_bytes(check) -> bytes:
    return simulator.answer_270(bytes(check.request_x12))


def test_a_malformed_271_is_kept_aside_with_its_segment_and_changes_nothing(
    coverage, folder_gateway, ask
):
    check = ask(coverage, DAY)
    truncated = _answer_bytes(check)[:-40]

    result = services.response_receive(content=truncated, source="test")

    check.refresh_from_db()
    assert check.status == "pending"
    assert not result.applied
    (stray,) = StrayResponse.objects.all()
    assert bytes(stray.content) == truncated
    assert "could not be read" in stray.reason
    assert "segment" in stray.reason


def test_a_271_for_an_unknown_request_is_kept_aside(coverage, folder_gateway, ask):
    check = ask(coverage, DAY)
    content = _answer_bytes(check)
    EligibilityCheck.objects.filter(pk=check.pk).update(trace_number="SOMETHINGELSE")

    result = services.response_receive(content=content, source="test")

    assert not result.applied
    assert "matches no request" in StrayResponse.objects.get().reason


def test_a_second_271_for_an_answered_check_changes_nothing(coverage, ask):
    check = ask(coverage, DAY)
    patient_services.coverage_update(coverage=coverage, fields={"effective_end": date(2026, 1, 1)})
    late = simulator.answer_270(bytes(check.request_x12))  # now says inactive

    services.response_receive(content=late, source="test")

    check.refresh_from_db()
    assert check.status == "active"
    assert "already answered" in StrayResponse.objects.get().reason


def test_an_unreadable_immediate_answer_marks_the_check_error_and_keeps_it(coverage, settings):
    settings.MEDOFFICE_ELIGIBILITY_GATEWAY = "tests.eligibility.gateways.GarbledPayer"
    check = services.check_run(coverage=coverage, service_date=DAY)

    assert check.status == "error"
    assert "could not be read" in check.error_reason
    assert bytes(check.response_x12).startswith(b"ISA")


# ----------------------------------------------------------------- the clearinghouse folder


def test_the_folder_gateway_sends_now_and_settles_when_the_271_arrives(
    coverage, folder_gateway, ask
):
    check = ask(coverage, DAY)
    assert check.status == "pending"
    (sent,) = (folder_gateway / "outbox").iterdir()
    assert sent.read_bytes() == bytes(check.request_x12)
    # The connection's ids and a control number from its counter (shared with the claims).
    assert b"*ZZ*RIVERSIDE01    *ZZ*CLEARHOUSE     *" in sent.read_bytes()[:120]
    assert ControlCounter.objects.get(kind="ISA").last_value == 1

    inbox = folder_gateway / "inbox"
    (inbox / "271-answer.x12").write_bytes(simulator.answer_270(sent.read_bytes()))
    (inbox / "999-other.x12").write_bytes(b"ISA*00*...~ST*999*0001~")  # billing's, left alone
    counts = services.responses_collect()

    check.refresh_from_db()
    assert check.status == "active"
    assert counts == {"files": 1, "answered": 1, "set_aside": 0, "expired": 0}
    assert (inbox / "processed" / "271-answer.x12").exists()
    assert (inbox / "999-other.x12").exists()
    assert services.responses_collect()["files"] == 0  # never applied twice


def test_a_malformed_271_in_the_inbox_is_quarantined(coverage, folder_gateway, ask):
    check = ask(coverage, DAY)
    inbox = folder_gateway / "inbox"
    (inbox / "bad.x12").write_bytes(_answer_bytes(check).replace(b"SE*", b"SE*9"))

    counts = services.responses_collect()

    assert counts["set_aside"] == 1
    assert (inbox / "quarantine" / "bad.x12").exists()
    check.refresh_from_db()
    assert check.status == "pending"


def test_a_clearinghouse_that_cannot_be_reached_marks_the_check_error(
    coverage, folder_gateway, ask
):
    folder_gateway.write_text("not a folder")  # the share is not mounted: a file in its place

    check = ask(coverage, DAY)

    assert check.status == "error"
    assert "could not be written to the clearinghouse outbox" in check.error_reason
    assert bytes(check.request_x12).startswith(b"ISA")  # kept to send again


def test_a_check_without_an_answer_in_time_is_settled_as_not_answered(
    coverage, folder_gateway, ask, freeze
):
    check = ask(coverage, DAY)
    freeze(check.requested_at + timedelta(hours=25))

    assert services.responses_collect()["expired"] == 1
    check.refresh_from_db()
    assert check.status == "error"
    assert "within 24 hours" in check.error_reason


def test_without_a_clearinghouse_connection_the_check_is_refused_with_the_reason(
    coverage, folder_gateway, ask
):
    ClearinghouseConnection.objects.update(is_active=False)

    with pytest.raises(NotCheckableError, match="No active clearinghouse connection"):
        ask(coverage, DAY)
    assert not EligibilityCheck.objects.exists()


def test_the_collect_command_says_what_it_picked_up(folder_gateway, db):
    out = StringIO()
    call_command("eligibility", "collect", stdout=out)
    assert json.loads(out.getvalue()) == {"files": 0, "answered": 0, "set_aside": 0, "expired": 0}
