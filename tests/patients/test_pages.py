"""Patient pages: what they show, htmx fragments, and a query count that does not grow with rows."""

import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Provider
from medoffice.patients import services
from tests.patients.conftest import coverage_fields

# Query budgets per page, whatever the number of rows shown: session, user, the device of
# the second factor (AC-07), staff profile, user and group permissions (6), the patient, the
# rows (one query), and the audit row (savepoint, chain head, insert, head update, release: 5).
# Raise one only on purpose.
PATIENT_PAGE = 12
INSURANCE_TAB = 13
CONSENTS_TAB = 13
SEARCH_RESULTS = 12
REGISTRATION_FORM = 8  # the six above, the practice's providers and locations


def _queries(client, method: str, url: str, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries), response


@pytest.fixture
def signed_in(front_desk, client_for, location):
    # The office exists before its staff sign in (the sign-in reads its clock).
    client = client_for(front_desk)
    client.get(reverse("core:home"))  # session and permission caches warmed like a real user
    return client


def _add_coverages(patient, payer, count: int) -> None:
    for order in range(1, count + 1):
        services.coverage_add(
            patient=patient,
            fields=coverage_fields(payer, order=order, member_id=f"M-{patient.pk}-{order}"),
        )


def _add_consents(patient, count: int) -> None:
    kinds = ["privacy_notice", "financial_policy", "treatment", "sms", "email"]
    for kind in kinds[:count]:
        services.consent_record(patient=patient, kind=kind, signed_on=date(2024, 1, 2))


def test_the_patient_page_shows_the_header_and_demographics(signed_in, make_patient, provider):
    patient = make_patient(
        preferred_name="Jack",
        primary_care_provider=provider,
        emergency_contact_name="Jane Smith",
        emergency_contact_phone="217-555-0111",
    )
    _, response = _queries(
        signed_in, "get", reverse("patients:patient-detail", args=[patient.public_id])
    )
    html = response.content.decode()
    assert "<h1>Smith, John</h1>" in html
    assert "Goes by <b>Jack</b>" in html
    assert f"MRN <b>{patient.mrn}</b>" in html
    assert "DOB <b>04/01/1980</b>" in html
    assert "(217) 555-0142" in html
    assert "Ada Nguyen" in html
    assert "Jane Smith" in html
    assert response["Cache-Control"] == "no-store"


def test_the_patient_page_query_count_is_bounded(signed_in, make_patient, provider, location):
    patient = make_patient(primary_care_provider=provider, home_location=location)
    count, _ = _queries(
        signed_in, "get", reverse("patients:patient-detail", args=[patient.public_id])
    )
    assert count <= PATIENT_PAGE


def test_the_insurance_tab_costs_the_same_queries_for_one_or_three_coverages(
    signed_in, make_patient, payer, second_payer
):
    one = make_patient(first_name="Ann", last_name="One", mobile_phone="")
    three = make_patient(first_name="Tri", last_name="Three", mobile_phone="")
    _add_coverages(one, payer, 1)
    for order, chosen, member in (
        (1, payer, "M-1"),
        (2, second_payer, "XYZ123456789"),
        (3, payer, "M-3"),
    ):
        services.coverage_add(
            patient=three, fields=coverage_fields(chosen, order=order, member_id=member)
        )

    count_one, _ = _queries(
        signed_in, "get", reverse("patients:coverage-list", args=[one.public_id])
    )
    count_three, response = _queries(
        signed_in, "get", reverse("patients:coverage-list", args=[three.public_id])
    )

    assert count_three == count_one
    assert count_three <= INSURANCE_TAB
    html = response.content.decode()
    assert html.count('<section class="card stack">') == 3
    assert "Secondary · Blue Cross Blue Shield of Illinois" in html
    assert "payer id 00621, Blue Cross/Blue Shield" in html


def test_the_insurance_tab_query_budget_holds(
    signed_in, patient, payer, django_assert_max_num_queries
):
    _add_coverages(patient, payer, 3)
    with django_assert_max_num_queries(INSURANCE_TAB):
        signed_in.get(reverse("patients:coverage-list", args=[patient.public_id]))


def test_the_consents_tab_costs_the_same_queries_for_one_or_five_consents(
    signed_in, make_patient, django_assert_max_num_queries
):
    one = make_patient(first_name="Ann", last_name="One", mobile_phone="")
    five = make_patient(first_name="Fay", last_name="Five", mobile_phone="")
    _add_consents(one, 1)
    _add_consents(five, 5)
    count_one, _ = _queries(
        signed_in, "get", reverse("patients:consent-list", args=[one.public_id])
    )
    count_five, response = _queries(
        signed_in, "get", reverse("patients:consent-list", args=[five.public_id])
    )
    assert count_five == count_one
    assert count_five <= CONSENTS_TAB
    assert response.content.decode().count("on file") == 5


def test_search_results_cost_the_same_queries_for_one_or_twenty_five_results(
    signed_in, make_patient
):
    make_patient(first_name="Solo", last_name="Quist", dob=date(1999, 9, 9), mobile_phone="")
    for i in range(30):
        make_patient(
            first_name=f"Ann{chr(97 + i % 26)}{i}",
            last_name="Smith",
            dob=date(1970, 1, 1),
            mobile_phone=f"217-555-{100 + i:04d}",
            middle_name="Q",
            preferred_name="Nan",
        )
    url = reverse("patients:patient-search")
    count_one, one = _queries(signed_in, "post", url, data={"q": "09/09/1999"})
    count_many, many = _queries(signed_in, "post", url, data={"q": "01/01/1970"})
    assert one.content.decode().count('class="result"') == 1
    assert many.content.decode().count('class="result"') == 25
    assert count_many == count_one
    assert count_many <= SEARCH_RESULTS
    count_name, by_name = _queries(signed_in, "post", url, data={"q": "smith"})
    assert by_name.content.decode().count('class="result"') == 25
    assert count_name == count_many


def test_the_registration_form_query_count_is_bounded(
    signed_in, provider, location, django_assert_max_num_queries
):
    with django_assert_max_num_queries(REGISTRATION_FORM):
        response = signed_in.get(reverse("patients:patient-register"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="first_name"' in html
    assert "Ada Nguyen" in html  # primary care provider choices of this practice
    assert 'name="privacy_notice"' in html


def test_the_registration_form_offers_only_this_practices_providers(
    signed_in, provider, other_practice
):
    Provider.objects.create(
        practice=other_practice,
        first_name="Zora",
        last_name="Elsewhere",
        npi=npi_from_stem("111222333"),
    )
    html = signed_in.get(reverse("patients:patient-register")).content.decode()
    assert "Ada Nguyen" in html
    assert "Zora" not in html


@pytest.mark.parametrize("name", ["patient-detail", "coverage-list", "consent-list"])
def test_an_htmx_tab_request_returns_the_tab_strip_and_panel_only(signed_in, patient, name):
    url = reverse(f"patients:{name}", args=[patient.public_id])
    response = signed_in.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="patient-head"' not in html
    assert 'id="tab-panel"' in html
    # The strip marks the tab just opened as the current one.
    current = html.split('aria-current="page"')[0].rsplit("<a ", 1)[1]
    assert f'href="{url}"' in current


@pytest.mark.parametrize("name", ["patient-detail", "coverage-list", "consent-list"])
def test_a_plain_tab_request_returns_the_whole_page(signed_in, patient, name):
    html = signed_in.get(reverse(f"patients:{name}", args=[patient.public_id])).content.decode()
    assert "<html" in html
    assert 'id="tab-panel"' in html
    assert 'aria-current="page"' in html


def test_an_htmx_search_returns_only_the_results(signed_in, patient):
    response = signed_in.post(
        reverse("patients:patient-search"), {"q": "smith"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert patient.mrn in html


def test_the_edit_page_saves_demographics(signed_in, patient):
    url = reverse("patients:patient-edit", args=[patient.public_id])
    page = signed_in.get(url)
    assert page.status_code == 200
    assert 'value="(217) 555-0142"' in page.content.decode()
    form = {
        "first_name": "John",
        "last_name": "Smyth",
        "dob": "1980-04-01",
        "sex_at_birth": "M",
        "gender_identity": "unknown",
        "address1": "12 Oak St",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62704",
        "mobile_phone": "(217) 555-0142",
        "preferred_language": "en",
        "preferred_contact_method": "phone",
        "guarantor_relationship": "self",
    }
    response = signed_in.post(url, form)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.last_name == "Smyth"
    assert patient.search_last == "smyth"
    bad = signed_in.post(url, {**form, "zip_code": "10001"})
    assert bad.status_code == 422
    assert "ZIP code 10001 is not in IL" in bad.content.decode()


@pytest.mark.parametrize(
    "name", ["patient-detail", "coverage-list", "consent-list", "patient-edit"]
)
def test_pages_of_another_practices_patient_are_404(outsider, client_for, patient, name):
    assert (
        client_for(outsider).get(reverse(f"patients:{name}", args=[patient.public_id])).status_code
        == 404
    )


def test_a_page_for_an_unknown_patient_is_404(signed_in):
    url = reverse("patients:patient-detail", args=[uuid.uuid4()])
    assert signed_in.get(url).status_code == 404
