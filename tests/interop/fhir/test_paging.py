"""Bundle page links carry a random token, never the search terms (DP-02: no PHI in URLs).

Every search parameter of every type is searched with a recognisable value, by GET and by
POST _search: no link of any Bundle contains the value. The token goes back to the same
search for the same caller only; an expired one is 410, another caller's 400."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from medoffice.core.roles import Role
from medoffice.interop.fhir import registry
from medoffice.interop.models import FhirSearch
from tests.interop.fhir.conftest import valid

MARKER = "Zqxv7"  # a value no URL would contain by chance


def _relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _links(response) -> dict[str, str]:
    assert response.status_code == 200, response.content[:300]
    return {link["relation"]: link["url"] for link in response.json()["link"]}


def _value_for(param) -> str:
    return {
        "date": "ge2021-03-04",
        "reference": f"Patient/{MARKER}",
        "number": "7",
    }.get(param.type, f"{MARKER}-{param.name}")


@pytest.fixture
def reader(make_user):
    """A clinician: reads every type the API serves."""
    return make_user(Role.CLINICIAN)


def test_no_link_of_any_search_bundle_carries_a_search_value(fhir_for, reader, patient):
    client = fhir_for(reader)
    checked = 0
    for name, rt in registry.types().items():
        if rt.search is not None:  # computed types (Slot) page the same way; see below
            continue
        for param in rt.search_params:
            value = _value_for(param)
            for response in (
                client.get(f"/fhir/{name}", data={param.name: value, "_count": "1"}),
                client.post_form(f"/fhir/{name}/_search", {param.name: value, "_count": "1"}),
            ):
                if response.status_code in (400, 403):  # a value refused; a type the role lacks
                    continue
                for relation, url in _links(response).items():
                    query = dict(parse_qsl(urlsplit(url).query))
                    assert set(query) <= {"_page", "_count", "_offset"}, (name, relation, url)
                    assert value not in url, (name, relation, url)
                    assert MARKER not in url, (name, relation, url)
                    assert param.name + "=" not in url
                checked += 1
    assert checked > 40


def test_patient_search_terms_stay_on_the_server_and_pages_follow(fhir, make_patient):
    made = {
        str(make_patient(first_name=f"P{n}", last_name="Pagerson", dob=f"19{50 + n}-01-01",
                         mobile_phone="").public_id)
        for n in range(5)
    }  # fmt: skip
    first = fhir.get("/fhir/Patient?family=pagerson&birthdate=ge1950&_count=2")
    links = _links(first)
    seen = [e["resource"]["id"] for e in first.json()["entry"]]
    url = links["next"]
    while url:
        for link in _links(fhir.get(_relative(url))).values():
            assert "pagerson" not in link.lower()
            assert "birthdate" not in link
        page = fhir.get(_relative(url)).json()
        seen += [e["resource"]["id"] for e in page["entry"]]
        url = next((lk["url"] for lk in page["link"] if lk["relation"] == "next"), None)

    assert "pagerson" not in str(links).lower()
    assert set(seen) == made
    assert len(seen) == 5
    stored = FhirSearch.objects.get(token=dict(parse_qsl(urlsplit(links["self"]).query))["_page"])
    assert "pagerson" not in stored.params  # sealed at rest


def test_post_search_pages_by_token_too(fhir, make_patient):
    for n in range(3):
        make_patient(first_name=f"Q{n}", last_name="Postpager", dob=f"19{60 + n}-01-01",
                     mobile_phone="")  # fmt: skip
    answer = fhir.post_form("/fhir/Patient/_search", {"family": "postpager", "_count": "2"})
    links = _links(answer)

    assert "postpager" not in str(links)
    following = fhir.get(_relative(links["next"]))
    assert len(following.json()["entry"]) == 1


def test_a_token_is_the_callers_own_and_expires(fhir, fhir_for, make_user, make_patient):
    for n in range(3):
        make_patient(first_name=f"R{n}", last_name="Tokenson", dob=f"19{70 + n}-01-01",
                     mobile_phone="")  # fmt: skip
    next_url = _relative(_links(fhir.get("/fhir/Patient?family=tokenson&_count=1"))["next"])
    colleague = fhir_for(make_user(Role.FRONT_DESK))

    foreign = colleague.get(next_url)
    mixed = fhir.get(next_url + "&family=other")
    other_type = fhir.get(next_url.replace("/fhir/Patient?", "/fhir/Coverage?"))
    FhirSearch.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = fhir.get(next_url)

    for answer, status in ((foreign, 400), (mixed, 400), (other_type, 400), (expired, 410)):
        assert answer.status_code == status, answer.content
        assert valid(answer.json())["resourceType"] == "OperationOutcome"


def test_a_search_that_fits_on_one_page_keeps_no_token(fhir, make_patient):
    for n in range(2):
        make_patient(first_name=f"S{n}", last_name="Onepager", dob=f"19{80 + n}-01-01",
                     mobile_phone="")  # fmt: skip

    answer = fhir.get("/fhir/Patient?family=onepager&_count=5")

    assert len(answer.json()["entry"]) == 2
    links = _links(answer)
    assert set(links) == {"self", "first"}
    for url in links.values():
        assert set(dict(parse_qsl(urlsplit(url).query))) == {"_count", "_offset"}
    assert not FhirSearch.objects.exists()
    # One more page's worth, and the first page's next link needs its token.
    make_patient(first_name="S9", last_name="Onepager", dob="1990-01-01", mobile_phone="")
    _links(fhir.get("/fhir/Patient?family=onepager&_count=2"))["next"]
    assert FhirSearch.objects.count() == 1


def test_expired_searches_go_with_the_daily_job_not_with_a_search(fhir, make_patient):
    from medoffice.interop.tasks import clear_expired_searches

    for n in range(3):
        make_patient(first_name=f"E{n}", last_name="Expirer", dob=f"19{40 + n}-01-01",
                     mobile_phone="")  # fmt: skip
    live = _relative(_links(fhir.get("/fhir/Patient?family=expirer&_count=1"))["next"])
    stale = _relative(_links(fhir.get("/fhir/Patient?family=expirer&_count=2"))["next"])
    stale_token = dict(parse_qsl(urlsplit(stale).query))["_page"]
    FhirSearch.objects.filter(token=stale_token).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    _links(fhir.get("/fhir/Patient?family=expirer&_count=1"))
    assert FhirSearch.objects.filter(token=stale_token).exists()  # a search deletes nothing

    assert clear_expired_searches.call() == 1

    assert not FhirSearch.objects.filter(token=stale_token).exists()
    assert fhir.get(live).status_code == 200
    assert fhir.get(stale).status_code == 400  # gone: unknown now, search again
