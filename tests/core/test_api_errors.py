"""API errors are RFC 9457 problem documents with a title and status, and bad input never
causes a 500 (the test client re-raises any server exception, failing the test)."""

import uuid

import pytest
from django.urls import reverse

from medoffice.core.roles import ROLE_PERMISSIONS, Role
from tests.core.routes import ROUTES

# One world for the module, rolled back at its end; each test in a savepoint (conftest.py).
pytestmark = pytest.mark.usefixtures("shared_world")

UNKNOWN = uuid.UUID("00000000-0000-4000-8000-000000000000")
API_DETAIL = [r for r in ROUTES if r.api and r.target]
# Uploads (multipart) have their own bad-file tests (tests/records/).
API_BODIES = [
    r
    for r in ROUTES
    if r.api and r.method in ("POST", "PATCH", "PUT") and r.body and not r.multipart
]


@pytest.fixture
def records(make_user, client_for):
    """A user allowed the registration and scheduling API routes: the office manager."""
    return client_for(make_user(Role.OFFICE_MANAGER))


@pytest.fixture
def allowed(make_user, client_for):
    """allowed(route) -> a client whose role may call the route (billing is not the
    manager's: a coder or clinician is)."""
    clients = {}

    def client(route):
        role = Role.OFFICE_MANAGER
        if route.permission not in ROLE_PERMISSIONS[role]:
            role = next(r for r, perms in ROLE_PERMISSIONS.items() if route.permission in perms)
        if role not in clients:
            clients[role] = client_for(make_user(role))
        return clients[role]

    return client


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    return body


@pytest.mark.parametrize("route", API_DETAIL, ids=lambda r: r.id)
def test_unknown_id_is_404_problem(route, world, allowed):
    url = reverse(route.name, kwargs={"public_id": UNKNOWN})
    method = getattr(allowed(route), route.method.lower())

    if route.multipart:
        response = method(url, data=route.body(world))
    else:
        response = method(
            url, data=route.body(world) if route.body else None, content_type="application/json"
        )

    assert assert_problem(response, 404)["title"] == "Not found"


@pytest.mark.parametrize("path", ["/api/patients/not-a-uuid/", "/api/nothing-here/"])
def test_unknown_api_path_is_404_problem(path, records):
    assert_problem(records.get(path), 404)


@pytest.mark.parametrize("route", API_BODIES, ids=lambda r: r.id)
def test_malformed_json_is_400_problem(route, world, allowed):
    method = getattr(allowed(route), route.method.lower())

    for payload in ('{"q": ', "not json", "{'single': 'quotes'}", "\x00"):
        response = method(route.url(world), data=payload, content_type="application/json")
        assert "JSON parse error" in assert_problem(response, 400)["detail"], payload


@pytest.mark.parametrize(
    ("name", "method", "target"),
    [
        ("api:patient-detail", "delete", "patient"),
        ("api:patient-detail", "put", "patient"),
        ("api:patient-detail", "post", "patient"),
        ("api:patient-list", "get", None),
        ("api:patient-search", "get", None),
        ("api:coverage-detail", "delete", "coverage"),
        ("api:coverage-list", "patch", "patient"),
        ("api:payer-list", "post", None),
    ],
)
def test_wrong_method_is_405_problem(name, method, target, world, records):
    kwargs = {"public_id": getattr(world, target).public_id} if target else {}

    response = getattr(records, method)(reverse(name, kwargs=kwargs))

    assert assert_problem(response, 405)["title"] == "Method not allowed"
    assert response["Allow"]
    assert method.upper() not in response["Allow"]


def test_wrong_method_from_an_anonymous_caller_is_still_401(world, db):
    from tests.core.conftest import new_client

    response = new_client().delete(reverse("api:patient-detail", args=[world.patient.public_id]))

    assert_problem(response, 401)


def test_unsupported_media_type_is_415_problem(world, records):
    response = records.post(
        reverse("api:patient-search"), data="q=Smith", content_type="text/plain"
    )

    assert_problem(response, 415)


BAD_BODIES = {
    "api:problem-list": [{}, [], {"code": ""}, {"code": "E11.9", "onset": "yesterday"},
                         {"code": "E11.9", "status": "gone"}],
    "api:result-list": [{}, [], {"name": "A1c"}, {"name": "A1c", "resulted_at": "soon"},
                        {"name": "A1c", "resulted_at": "2026-01-01T10:00:00Z", "flag": "Z"}],
    "api:note-list": [[], {"sensitivity": "secret"}, {"visit_date": "someday"}],
    "api:note-detail": [[], {"sensitivity": "secret"}, {"visit_date": "someday"}],
    "api:note-addendum": [{}, [], {"text": ""}, {"text": "x", "reason": "r" * 201}],
    "api:patient-list": [
        {},
        [],
        {"first_name": None},
        {"dob": "yesterday", "first_name": "A", "last_name": "B"},
        {"first_name": "A" * 5000},
        {"mrn": "!!", "first_name": "A", "last_name": "B", "dob": "1990-01-01"},
        {"primary_care_provider": "0000000000"},
        {"dob": "2999-01-01", "first_name": "A", "last_name": "B", "sex_at_birth": "X"},
    ],
    "api:patient-search": [{}, [], {"q": ""}, {"q": None}, {"q": ["a"]}, {"q": "x" * 201},
                           {"q": {"$gt": ""}}],
    "api:patient-detail": [[], {"dob": "2999-01-01"}, {"mrn": "lower case"}, {"state": "ZZ"},
                           {"mobile_phone": "12"}, {"zip_code": "1"}, {"home_location": "none"}],
    "api:coverage-list": [{}, [], {"payer": "NOPE"}, {"order": 9}, {"copay": "ten"},
                          {"effective_start": "2024-02-30"}],
    "api:coverage-detail": [[], {"payer": "NOPE"}, {"order": "first"},
                            {"effective_end": "1900-01-01"}, {"copay": "1e400"}],
    "api:code-suggest": [{}, [], {"text": ""}, {"text": None}, {"text": ["a"]},
                         {"text": "x" * 5001}, {"text": "cough", "limit": 0},
                         {"text": "cough", "limit": "ten"}, {"text": "cough", "on": "yesterday"}],
    "api:appointment-list": [{}, [], {"patient": "not-a-uuid"}, {"starts_at": "tomorrow"},
                             {"override": "perhaps"}],
    "api:appointment-reschedule": [{}, [], {"starts_at": "soon"},
                                   {"starts_at": "2000-01-03T15:00:00Z"},
                                   {"starts_at": "2999-01-03T15:07:00Z", "override": True}],
    "api:appointment-status": [{}, [], {"status": "paid"}, {"status": "cancelled"}],
    "api:appointment-check-in": [{}, [], {"demographics_verified": "maybe"},
                                 {"demographics_verified": True, "copay_collected": "ten"},
                                 {"demographics_verified": True, "copay_collected": "1e400"},
                                 {"demographics_verified": True, "consents_signed": ["tattoo"]},
                                 {"demographics_verified": False},
                                 {"demographics_verified": True, "copay_collected": "5",
                                  "copay_method": ""}],
    "api:appointment-step": [{}, [], {"step": "dance"}],
    "api:encounter-superbill": [{}, [], {"diagnoses": "E11.9"}, {"diagnoses": [], "lines": {}},
                                {"diagnoses": ["E11.9"], "lines": [{"code": "99213", "units": 0}]},
                                {"diagnoses": ["E11.9"], "lines": [{"code": "99213",
                                                                    "units": "two"}]},
                                {"diagnoses": ["EE"], "lines": [{"code": "99213"}]},
                                {"diagnoses": ["E11.9"], "lines": [{"code": "99213",
                                                                    "pointers": ["Q"]}]},
                                {"diagnoses": ["E11.9"], "lines": [{"code": "99999"}]},
                                {"diagnoses": ["E11.9"], "lines": [{"code": "99213"}],
                                 "referring_provider_npi": "1234567890"}],
    "api:encounter-amend": [{}, [], {"diagnoses": ["E11.9"], "lines": []},
                            {"reason": " ", "diagnoses": ["E11.9"], "lines": [{"code": "99214"}]},
                            {"reason": "fix", "diagnoses": ["E11.9"],
                             "lines": [{"code": "99213", "pointers": [2]}]},
                            {"reason": "same", "diagnoses": ["E11.9"],
                             "lines": [{"code": "99213"}]}],
    "api:waitlist-list": [{}, [], {"patient": "nope"},
                          {"patient": str(UNKNOWN), "appointment_type": "x"},
                          {"patient": "P", "appointment_type": str(UNKNOWN), "weekdays": "9"}],
    "api:eligibility-check-list": [{}, [], {"coverage": "nope"},
                                   {"coverage": str(UNKNOWN), "service_date": "soon"},
                                   {"coverage": str(UNKNOWN), "appointment": str(UNKNOWN)}],
    "api:item-movements": [{}, [], {"action": "use", "location": "x", "quantity": 1},
                           {"action": "burn", "location": str(UNKNOWN), "quantity": 1},
                           {"action": "use", "location": str(UNKNOWN), "quantity": 1}],
    "api:order-list": [{}, [], {"location": str(UNKNOWN), "lines": []},
                       {"location": "x", "lines": [{"item": "y", "quantity": 0}]}],
    "api:order-receive": [{}, [], {"receipts": [{"line": "x", "quantity": 1}]},
                          {"receipts": [{"line": 999999, "quantity": 1}]}],
    "api:claim-note": [{}, [], {"text": ""}],
    "api:claim-correct": [{}, [], {"frequency": "9"}],
    "api:patient-communication-list": [{}, [], {"channel": "pigeon", "direction": "in"}],
    "api:communication-answer": [{}, []],
    "api:patient-roi-list": [{}, [], {"requester_kind": "stranger"}],
    "api:roi-identity": [{}, [], {"method": "guess"}],
    "api:patient-referral-list": [{}, [], {"direction": "sideways"}],
    "api:referral-status": [{}, [], {"status": "lost"}],
    "api:suspense-match": [{}, [], {"claim": "", "line": 1}, {"claim": "X", "line": 0},
                           {"claim": "NOPE", "line": 1}],
    "api:patient-payment-list": [{}, [], {"amount": "ten", "method": "cash", "location": "x"},
                                 {"amount": "-5", "method": "cash", "location": str(UNKNOWN)},
                                 {"amount": "5", "method": "bitcoin", "location": str(UNKNOWN)},
                                 {"amount": "5", "method": "cash", "location": str(UNKNOWN)},
                                 {"amount": "1e400", "method": "cash", "location": str(UNKNOWN)}],
    "api:patient-plan-list": [{}, [], {"total": "10", "frequency": "daily",
                                       "first_due": "2026-02-01", "count": 1},
                              {"total": "10", "frequency": "monthly", "first_due": "soon",
                               "count": 1},
                              {"total": "10", "frequency": "monthly", "first_due": "2026-02-01"},
                              {"total": "99999", "frequency": "monthly",
                               "first_due": "2026-02-01", "count": 2}],
    "api:patient-refund-list": [{}, [], {"amount": "5", "method": "wire", "reason": "x"},
                                {"amount": "999", "method": "check", "reason": "beyond"},
                                {"amount": "5", "method": "check", "reason": "x",
                                 "line": str(UNKNOWN), "payer": "NOPE"}],
    "api:refund-decision": [{}, [], {"decision": "maybe"}, {"decision": "approve"}],
    "api:statement-run": [[], {"cycle": 0}, {"cycle": "x"}, {"dry_run": "perhaps"},
                          {"cycle": 99}],
}  # fmt: skip


@pytest.mark.parametrize("route", API_BODIES, ids=lambda r: r.id)
def test_bad_input_is_a_400_problem_never_a_500(route, world, allowed):
    method = getattr(allowed(route), route.method.lower())

    for payload in BAD_BODIES[route.name]:
        response = method(route.url(world), data=payload, content_type="application/json")
        body = assert_problem(response, 400)
        assert body.get("errors"), (payload, body)
