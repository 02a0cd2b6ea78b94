"""Code search and suggestions in the REST API: who may ask, and bad input as problem JSON."""

from datetime import datetime, time, timedelta

import pytest
import time_machine

from medoffice.core.api_auth import api_token_issue
from medoffice.core.roles import Role
from tests.clock import CHICAGO
from tests.coding.conftest import FY2026_START
from tests.core.conftest import new_client

pytestmark = pytest.mark.django_db

SEARCH = "/api/codes/search/"
SUGGEST = "/api/codes/suggest/"


@pytest.fixture
def coder(make_user, client_for):
    return client_for(make_user(Role.CODER))


def _problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_a_coder_searches_and_gets_codes(icd10_release, coder):
    response = coder.get(SEARCH, {"q": "heart attack", "limit": 5, "on": "2026-01-05"})

    assert response.status_code == 200
    body = response.json()
    assert body["release"] == "ICD-10-CM 2026"
    assert len(body["results"]) == 5
    first = body["results"][0]
    assert first["code"].startswith("I2")
    assert first["code_bare"] == first["code"].replace(".", "")
    assert {"description", "billable", "exact", "favorite", "usage"} <= set(first)


@pytest.mark.parametrize("role", [Role.CODER, Role.BILLER, Role.CLINICIAN, Role.OFFICE_MANAGER])
def test_coding_roles_may_search_and_get_suggestions(icd10_release, role, make_user, client_for):
    client = client_for(make_user(role))

    assert client.get(SEARCH, {"q": "E11"}).status_code == 200
    response = client.post(SUGGEST, {"text": "COPD flare"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["candidates"][0]["code"] == "J44.1"


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMINISTRATOR, Role.PRIVACY_OFFICER])
def test_roles_without_diagnoses_are_refused(icd10_release, role, make_user, client_for):
    client = client_for(make_user(role))

    _problem(client.get(SEARCH, {"q": "E11"}), 403)
    _problem(client.post(SUGGEST, {"text": "GERD"}, content_type="application/json"), 403)


def test_anonymous_callers_are_refused(icd10_release):
    assert new_client().get(SEARCH, {"q": "E11"}).status_code in (401, 403)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "x" * 201}, {"q": "asthma", "limit": "0"}, {"q": "asthma", "limit": "x"},
     {"q": "asthma", "on": "2026-02-30"}, {"q": "asthma", "system": "snomed"}],
)  # fmt: skip
def test_bad_search_input_is_a_400_problem(icd10_release, coder, params):
    body = _problem(coder.get(SEARCH, params), 400)

    assert body["errors"]


def test_suggestions_list_the_matched_words(icd10_release, coder):
    response = coder.post(
        SUGGEST,
        {"text": "Type 2 DM with hyperglycemia; essential hypertension", "limit": 5},
        content_type="application/json",
    )

    candidates = response.json()["candidates"]
    codes = [c["code"] for c in candidates]
    assert "E11.65" in codes
    assert "I10" in codes
    assert all(c["matched"] for c in candidates)


def test_without_a_release_the_search_says_so(coder):
    body = coder.get(SEARCH, {"q": "asthma"}).json()

    assert body["release"] is None
    assert body["results"] == []
    assert body["detail"].startswith("No ICD-10-CM release is loaded")


def test_a_token_search_without_a_date_uses_the_office_day(icd10_release, make_user, location):
    # 11:30 pm on 30 September in Chicago is already 1 October, the release's first
    # day, in New York (the site's zone): the office is still on the old code set.
    token = api_token_issue(user=make_user(Role.CODER), name="coding")
    client = new_client()
    eve = datetime.combine(FY2026_START - timedelta(days=1), time(23, 30), tzinfo=CHICAGO)

    with time_machine.travel(eve, tick=False):
        body = client.get(SEARCH, {"q": "E11"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
        suggested = client.post(
            SUGGEST, {"text": "COPD flare"}, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ).json()  # fmt: skip
    with time_machine.travel(eve + timedelta(hours=1), tick=False):
        next_day = client.get(SEARCH, {"q": "E11"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()

    assert body["detail"] == "No ICD-10-CM release is loaded for 2025-09-30."
    assert suggested["detail"] == "No ICD-10-CM release is loaded for 2025-09-30."
    assert next_day["release"] == "ICD-10-CM 2026"
