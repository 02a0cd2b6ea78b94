"""The front desk asks from the visit, the check-in screen and the insurance; billers and the
office manager too; clinicians and coders neither see nor ask."""

from datetime import timedelta

import pytest
from django.urls import reverse

from medoffice.core.roles import Role
from medoffice.eligibility.models import EligibilityCheck


def _panel(client, visit):
    return client.get(reverse("scheduling:appointment-detail", args=[visit.public_id]))


def test_front_desk_checks_from_the_visit_and_sees_the_benefits_in_words(
    visit, front_desk, client_for
):
    client = client_for(front_desk)
    assert "Not checked for this visit yet" in _panel(client, visit).content.decode()

    answer = client.post(reverse("eligibility:appointment-check-run", args=[visit.public_id]))

    assert answer.status_code == 302
    assert answer.url == reverse("scheduling:appointment-detail", args=[visit.public_id])
    check = EligibilityCheck.objects.get()
    assert (check.appointment, check.requested_by, check.trigger) == (
        visit,
        front_desk,
        "on_demand",
    )
    html = client.get(answer.url).content.decode()
    assert "The payer says the coverage is active." in html
    assert "Active coverage" in html
    assert "$25.00 in network" in html
    assert "left to meet" in html
    assert "The patient pays 20% after the deductible" in html


def test_asking_from_the_check_in_screen_comes_back_to_it(visit, front_desk, client_for, freeze):
    freeze(visit.starts_at - timedelta(minutes=10))
    check_in = reverse("scheduling:appointment-check-in", args=[visit.public_id])

    answer = client_for(front_desk).post(
        reverse("eligibility:appointment-check-run", args=[visit.public_id]),
        {"next": "check_in", "copay_collected": "abc"},  # the rest of the check-in form
    )

    assert answer.url == check_in
    assert EligibilityCheck.objects.get().status == "active"
    assert not visit.__class__.objects.get(pk=visit.pk).arrived_at  # not checked in


def test_a_reject_is_explained_with_what_to_do(visit, coverage, front_desk, client_for):
    coverage.payer.member_id_pattern = r"^X\d+$"
    coverage.payer.save()
    client = client_for(front_desk)
    client.post(reverse("eligibility:appointment-check-run", args=[visit.public_id]))

    html = _panel(client, visit).content.decode()
    assert "Rejected by the payer" in html
    assert "The member id is not valid for this payer." in html
    assert "correct the insurance, check again" in html


def test_the_insurance_page_keeps_the_history_and_asks_for_a_date(
    coverage, biller, client_for, settings
):
    client = client_for(biller)
    history = reverse("eligibility:coverage-checks", args=[coverage.public_id])
    run = reverse("eligibility:coverage-check-run", args=[coverage.public_id])
    client.post(run, {"service_date": "2026-03-02"})
    settings.MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE = [coverage.payer.payer_id]
    client.post(run, {"service_date": "2026-03-03"})

    html = client.get(history).content.decode()
    assert html.index("03/03/2026") < html.index("03/02/2026")  # newest first
    assert "could not answer right now" in html
    assert "Active coverage" in html


def test_a_missing_date_is_a_field_error_and_asks_nothing(coverage, front_desk, client_for):
    run = reverse("eligibility:coverage-check-run", args=[coverage.public_id])
    answer = client_for(front_desk).post(run, {"service_date": "tomorrow"})

    assert answer.status_code == 422
    assert "Enter a valid date" in answer.content.decode()
    assert not EligibilityCheck.objects.exists()


def test_the_check_page_shows_the_270_and_271(coverage, ask, make_user, client_for):
    check = ask(coverage)
    client = client_for(make_user(Role.OFFICE_MANAGER))
    html = client.get(reverse("eligibility:check-detail", args=[check.public_id])).content.decode()
    assert "ST*270*" in html
    assert "ST*271*" in html
    assert check.trace_number in html


def test_the_list_filters_by_status(coverage, ask, front_desk, client_for, settings):
    answered = ask(coverage)
    settings.MEDOFFICE_ELIGIBILITY_SIMULATED_OUTAGE = [coverage.payer.payer_id]
    failed = ask(coverage)
    html = client_for(front_desk).get(reverse("eligibility:check-list"), {"status": "error"})
    rows = html.content.decode()
    assert str(failed.public_id) in rows
    assert str(answered.public_id) not in rows


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.CODER])
def test_clinicians_and_coders_neither_see_nor_ask(role, visit, coverage, make_user, client_for):
    client = client_for(make_user(role))
    assert "Eligibility" not in _panel(client, visit).content.decode()
    answer = client.post(reverse("eligibility:appointment-check-run", args=[visit.public_id]))
    assert answer.status_code == 403
    assert not EligibilityCheck.objects.exists()
