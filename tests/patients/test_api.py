"""REST API: patients, coverage and search with the UI's rules, roles and error shapes."""

import json
import uuid
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import ApiToken, AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.models import Coverage, Patient, Payer
from tests.patients.conftest import coverage_fields, registration_json

PROBLEM = "application/problem+json"


class Api:
    """A JSON client: Bearer token or session."""

    def __init__(self, client: Client, headers: dict | None = None):
        self.client = client
        self.headers = headers or {}

    def _send(self, method: str, path: str, body=None, raw: str | None = None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"headers": self.headers}
        if data is not None:
            kwargs |= {"data": data, "content_type": "application/json"}
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path):
        return self._send("get", path)

    def post(self, path, body=None, raw=None):
        return self._send("post", path, body, raw)

    def patch(self, path, body=None, raw=None):
        return self._send("patch", path, body, raw)


@pytest.fixture
def token_api():
    def make(user) -> Api:
        return Api(Client(), {"Authorization": f"Bearer {api_token_issue(user=user)}"})

    return make


@pytest.fixture
def session_api(client_for):
    def make(user) -> Api:
        return Api(client_for(user))

    return make


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


# --- registration ----------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["token", "session"])
def test_registers_a_patient_with_token_or_session_auth(
    front_desk, token_api, session_api, auth, audit_mark
):
    api = (token_api if auth == "token" else session_api)(front_desk)
    mark = audit_mark()
    response = api.post("/api/patients/", registration_json(mobile_phone="(217) 555-0199"))
    assert response.status_code == 201, response.content
    body = response.json()
    patient = Patient.objects.get(public_id=body["id"])
    assert body["mrn"] == patient.mrn == "00000018"
    assert body["mobile_phone"] == "+12175550199"
    assert body["dob"] == "1975-06-30"
    assert body["status"] == "active"
    assert "search_last" not in body
    assert "practice" not in body
    create = AuditEvent.objects.get(id__gt=mark, action=AuditAction.CREATE)
    assert create.username == front_desk.username


def test_a_possible_duplicate_answers_409_with_candidates_then_201_when_confirmed(
    front_desk, token_api, make_patient
):
    robert = make_patient(first_name="Robert", last_name="Johnson", dob=date(1980, 4, 1))
    api = token_api(front_desk)
    fields = registration_json(first_name="Bob", last_name="Johnson", dob="1980-04-01")

    first = api.post("/api/patients/", fields)

    body = _problem(first, 409)
    assert body["title"] == "Possible duplicate"
    assert [c["mrn"] for c in body["candidates"]] == [robert.mrn]
    assert body["candidates"][0]["id"] == str(robert.public_id)
    assert "same date of birth" in body["candidates"][0]["reasons"]
    assert Patient.objects.count() == 1
    shown = AuditEvent.objects.filter(detail__startswith="duplicate check").get()
    assert (shown.username, shown.action) == (front_desk.username, AuditAction.QUERY)

    second = api.post("/api/patients/", {**fields, "confirm_not_duplicate": True})

    assert second.status_code == 201
    assert Patient.objects.count() == 2


def test_a_hand_given_mrn_is_kept_upper_case(front_desk, token_api):
    response = token_api(front_desk).post("/api/patients/", registration_json(mrn="ext-42"))
    assert response.status_code == 201
    assert response.json()["mrn"] == "EXT-42"


def test_reading_and_changing_a_patient(front_desk, token_api, patient, audit_mark):
    api = token_api(front_desk)
    url = f"/api/patients/{patient.public_id}/"
    read = api.get(url)
    assert read.status_code == 200
    assert read.json()["mrn"] == patient.mrn
    assert read.json()["id"] == str(patient.public_id)

    mark = audit_mark()
    changed = api.patch(url, {"home_phone": "312.555.0100", "preferred_name": "Johnny"})

    assert changed.status_code == 200, changed.content
    assert changed.json()["home_phone"] == "+13125550100"
    patient.refresh_from_db()
    assert patient.preferred_name == "Johnny"
    update = AuditEvent.objects.get(id__gt=mark, action=AuditAction.UPDATE)
    assert update.detail == "fields: home_phone,preferred_name"


def test_changing_a_patient_with_bad_values_is_400_and_changes_nothing(
    front_desk, token_api, patient
):
    response = token_api(front_desk).patch(
        f"/api/patients/{patient.public_id}/", {"zip_code": "10001", "first_name": "Jack"}
    )
    body = _problem(response, 400)
    assert "ZIP code 10001 is not in IL" in body["errors"]["zip_code"][0]
    patient.refresh_from_db()
    assert (patient.first_name, patient.zip_code) == ("John", "62704")


def test_changing_the_mrn_to_one_in_use_is_400_on_mrn(front_desk, token_api, make_patient):
    taken = make_patient(first_name="Ann", last_name="Lee", mrn="TAKEN-1", mobile_phone="")
    patient = make_patient()
    response = token_api(front_desk).patch(
        f"/api/patients/{patient.public_id}/", {"mrn": taken.mrn.lower()}
    )
    assert "belongs to another patient" in _problem(response, 400)["errors"]["mrn"][0]
    assert Patient.objects.get(pk=patient.pk).mrn == patient.mrn


def test_changing_a_name_keeps_the_patient_findable(front_desk, token_api, patient, practice):
    token_api(front_desk).patch(f"/api/patients/{patient.public_id}/", {"last_name": "Smythe"})
    search = token_api(front_desk).post("/api/patients/search/", {"q": "smythe"})
    assert [r["id"] for r in search.json()["results"]] == [str(patient.public_id)]


# --- coverage --------------------------------------------------------------------------------


def _coverage_json(**overrides) -> dict:
    return {
        "payer": "60054",
        "plan_name": "Choice POS II",
        "member_id": "W123456789",
        "order": 1,
        "relationship": "18",
        "effective_start": "2024-01-01",
        **overrides,
    }


def test_coverage_list_add_and_change(biller, token_api, patient, payer):
    api = token_api(biller)
    url = f"/api/patients/{patient.public_id}/coverages/"
    assert api.get(url).json() == []

    added = api.post(url, _coverage_json())

    assert added.status_code == 201, added.content
    body = added.json()
    assert body["patient"] == str(patient.public_id)
    assert body["payer"] == "60054"
    assert body["has_card_front"] is False
    listed = api.get(url).json()
    assert [c["id"] for c in listed] == [body["id"]]

    changed = api.patch(f"/api/coverages/{body['id']}/", {"group_number": "G-9", "copay": "20.00"})

    assert changed.status_code == 200, changed.content
    assert changed.json()["group_number"] == "G-9"
    assert changed.json()["copay"] == "20.00"
    assert api.get(f"/api/coverages/{body['id']}/").json()["group_number"] == "G-9"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"member_id": "AB#123"}, "member_id"),
        ({"member_id": "12 34"}, "member_id"),
        ({"payer": "NOSUCHPAYER"}, "payer"),
        ({"order": "first"}, "order"),
        ({"order": 7}, "order"),
        ({"effective_start": "2024-13-01"}, "effective_start"),
        ({"effective_end": "2023-01-01"}, "effective_end"),
        ({"relationship": "19"}, "subscriber_dob"),
        ({"copay": "ten dollars"}, "copay"),
    ],
)
def test_bad_coverage_answers_400_with_the_field_and_saves_nothing(
    biller, token_api, patient, payer, overrides, field
):
    response = token_api(biller).post(
        f"/api/patients/{patient.public_id}/coverages/", _coverage_json(**overrides)
    )
    body = _problem(response, 400)
    assert field in body["errors"], body
    assert not Coverage.objects.exists()


def test_an_overlapping_primary_answers_400_on_order(biller, token_api, patient, payer):
    services.coverage_add(patient=patient, fields=coverage_fields(payer))
    response = token_api(biller).post(
        f"/api/patients/{patient.public_id}/coverages/",
        _coverage_json(member_id="OTHER-1", effective_start="2024-03-01"),
    )
    body = _problem(response, 400)
    assert "Aetna is already primary" in body["errors"]["order"][0]
    assert Coverage.objects.count() == 1


def test_a_payer_with_a_broken_member_id_pattern_is_400_not_500(biller, token_api, patient):
    Payer.objects.create(name="Broken Health", payer_id="BRK1", member_id_pattern="(unclosed")
    response = token_api(biller).post(
        f"/api/patients/{patient.public_id}/coverages/", _coverage_json(payer="BRK1")
    )
    assert "payer" in _problem(response, 400)["errors"]


def test_patching_coverage_into_an_overlap_is_400(biller, token_api, patient, payer):
    services.coverage_add(patient=patient, fields=coverage_fields(payer))
    secondary = services.coverage_add(
        patient=patient, fields=coverage_fields(payer, order=2, member_id="S-2")
    )
    response = token_api(biller).patch(f"/api/coverages/{secondary.public_id}/", {"order": 1})
    assert "order" in _problem(response, 400)["errors"]
    assert Coverage.objects.get(pk=secondary.pk).order == 2


# --- search ----------------------------------------------------------------------------------


def test_search_takes_the_query_in_the_body(clinician, token_api, patient, make_patient):
    make_patient(first_name="Mary", last_name="Jones", dob=date(1970, 1, 1), mobile_phone="")
    api = token_api(clinician)
    for query, mode in (
        ("smi", "name"),
        ("jonh smiht 4/1/1980", "name_dob"),
        (patient.mrn, "mrn"),
        ("217.555.0142", "phone"),
        ("04/01/1980", "dob"),
    ):
        response = api.post("/api/patients/search/", {"q": query})
        assert response.status_code == 200, query
        body = response.json()
        assert body["mode"] == mode, query
        assert [r["mrn"] for r in body["results"]] == [patient.mrn], query


@pytest.mark.parametrize("body", [{}, {"q": ""}, {"q": "   "}, {"q": 12}, {"q": "x" * 201}, [1]])
def test_a_search_without_a_usable_query_is_400(clinician, token_api, body):
    assert "q" in _problem(token_api(clinician).post("/api/patients/search/", body), 400)["errors"]


def test_search_never_reaches_another_practice(outsider, token_api, patient):
    response = token_api(outsider).post("/api/patients/search/", {"q": "smith"})
    assert response.status_code == 200
    assert response.json()["results"] == []


# --- schema ----------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_patient_paths(front_desk, client_for):
    response = client_for(front_desk).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/patients/",
        "/api/patients/search/",
        "/api/patients/{public_id}/",
        "/api/patients/{public_id}/coverages/",
        "/api/coverages/{public_id}/",
    ):
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/patients/{public_id}/"]) >= {"get", "patch"}
    assert "bearerAuth" in schema["components"]["securitySchemes"]


def test_the_schema_needs_a_signed_in_user(client):
    assert client.get("/api/schema/").status_code in (401, 403)


# --- errors: 400, 401, 403, 404, never 500 ---------------------------------------------------


@pytest.mark.parametrize("raw", ['{"first_name": "Ann",', "not json", "\x00\x01", '{"a": NaN'])
def test_a_malformed_json_body_is_a_400_problem(front_desk, token_api, raw):
    body = _problem(token_api(front_desk).post("/api/patients/", raw=raw), 400)
    assert "JSON parse error" in body["detail"]
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"dob": 19800401}, "dob"),
        ({"dob": "yesterday"}, "dob"),
        ({"first_name": ["Ann"]}, "first_name"),
        ({"first_name": {"a": 1}}, "first_name"),
        ({"state": "XX"}, "state"),
        ({"sex_at_birth": "Q"}, "sex_at_birth"),
        ({"needs_interpreter": "sometimes"}, "needs_interpreter"),
        ({"confirm_not_duplicate": "maybe"}, "confirm_not_duplicate"),
        ({"primary_care_provider": "1234567893"}, "primary_care_provider"),
        ({"home_location": "Nowhere"}, "home_location"),
        ({"first_name": None}, "first_name"),
        ({"last_name": "x" * 61}, "last_name"),
        ({"first_name": "Ann\x00"}, "first_name"),
    ],
)
def test_wrong_types_answer_400_with_field_errors(front_desk, token_api, overrides, field):
    response = token_api(front_desk).post("/api/patients/", registration_json(**overrides))
    body = _problem(response, 400)
    assert field in body["errors"], body
    assert not Patient.objects.exists()


def test_a_json_list_instead_of_an_object_is_400(front_desk, token_api):
    body = _problem(token_api(front_desk).post("/api/patients/", [registration_json()]), 400)
    assert "non_field_errors" in body["errors"]


def test_unknown_ids_answer_404(biller, token_api):
    api = token_api(biller)
    missing = uuid.uuid4()
    assert _problem(api.get(f"/api/patients/{missing}/"), 404)
    assert _problem(api.get(f"/api/patients/{missing}/coverages/"), 404)
    assert _problem(api.post(f"/api/patients/{missing}/coverages/", _coverage_json()), 404)
    assert _problem(api.get(f"/api/coverages/{missing}/"), 404)
    assert api.get("/api/patients/not-a-uuid/").status_code == 404


def test_another_practices_records_answer_404(outsider, token_api, patient, payer):
    coverage = services.coverage_add(patient=patient, fields=coverage_fields(payer))
    api = token_api(outsider)
    assert _problem(api.get(f"/api/patients/{patient.public_id}/"), 404)
    assert _problem(api.patch(f"/api/patients/{patient.public_id}/", {"first_name": "X"}), 404)
    assert _problem(api.get(f"/api/coverages/{coverage.public_id}/"), 404)
    assert Patient.objects.get(pk=patient.pk).first_name == "John"


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("clinician", "post", "/api/patients/", "registration"),
        ("biller", "post", "/api/patients/", "registration"),
        ("biller", "patch", "/api/patients/{patient}/", {"first_name": "X"}),
        ("administrator", "get", "/api/patients/{patient}/", None),
        ("administrator", "post", "/api/patients/search/", {"q": "smith"}),
        ("privacy_officer", "get", "/api/patients/{patient}/coverages/", None),
        ("clinician", "post", "/api/patients/{patient}/coverages/", "coverage"),
        ("coder", "patch", "/api/coverages/{coverage}/", {"plan_name": "X"}),
    ],
)
def test_roles_without_the_permission_get_403(
    persona, token_api, patient, payer, role, method, path, body
):
    coverage = services.coverage_add(patient=patient, fields=coverage_fields(payer))
    path = path.format(patient=patient.public_id, coverage=coverage.public_id)
    if body == "registration":
        body = registration_json()
    elif body == "coverage":
        body = _coverage_json(order=2)
    api = token_api(persona(role))
    response = api.get(path) if method == "get" else getattr(api, method)(path, body)
    _problem(response, 403)
    assert Patient.objects.count() == 1
    assert Coverage.objects.count() == 1
    assert Coverage.objects.get().plan_name == "Choice POS II"


def test_no_or_a_bad_token_is_401(patient):
    anonymous = Client()
    assert _problem(anonymous.get(f"/api/patients/{patient.public_id}/"), 401)
    bad = Api(Client(), {"Authorization": "Bearer mo_not-a-real-token"})
    assert _problem(bad.get(f"/api/patients/{patient.public_id}/"), 401)
    malformed = Api(Client(), {"Authorization": "Bearer two parts"})
    assert _problem(malformed.get(f"/api/patients/{patient.public_id}/"), 401)


def test_a_revoked_token_is_401(front_desk, patient):
    raw = api_token_issue(user=front_desk)
    ApiToken.objects.update(revoked_at=timezone.now())
    api = Api(Client(), {"Authorization": f"Bearer {raw}"})
    assert _problem(api.get(f"/api/patients/{patient.public_id}/"), 401)


def test_a_token_of_a_deactivated_user_is_401(front_desk, token_api, patient):
    api = token_api(front_desk)
    front_desk.is_active = False
    front_desk.save(update_fields=["is_active"])
    assert _problem(api.get(f"/api/patients/{patient.public_id}/"), 401)


def test_a_method_the_endpoint_does_not_have_is_405(front_desk, token_api, patient):
    api = token_api(front_desk)
    response = api.client.delete(f"/api/patients/{patient.public_id}/", headers=api.headers)
    _problem(response, 405)
    assert Patient.objects.filter(pk=patient.pk).exists()


# --- fuzz: nothing a client sends yields a 5xx ----------------------------------------------

_FIELD_NAMES = list(registration_json()) + [
    "mrn",
    "email",
    "guarantor_dob",
    "home_phone",
    "primary_care_provider",
    "home_location",
    "confirm_not_duplicate",
    "preferred_language",
]
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["", "1980-02-30", "2999-01-01", "62702", "IL", "+12175550142", "AB#1"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
_bodies = st.one_of(
    st.dictionaries(st.sampled_from(_FIELD_NAMES) | st.text(max_size=8), _values, max_size=12),
    st.builds(
        lambda extra: {**registration_json(), **extra},
        st.dictionaries(st.sampled_from(_FIELD_NAMES), _values, max_size=4),
    ),
    _values,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@FUZZ
@given(body=_bodies)
def test_fuzzed_registrations_never_answer_5xx(front_desk, token_api, body):
    response = token_api(front_desk).post("/api/patients/", body)
    assert response.status_code in (201, 400, 409), (body, response.content)
    if response.status_code != 201:
        assert response["Content-Type"] == PROBLEM


@FUZZ
@given(
    body=st.one_of(
        _values,
        st.dictionaries(st.just("q") | st.text(max_size=3), _values, max_size=3),
        st.builds(lambda q: {"q": q}, st.text(max_size=60)),
    )
)
def test_fuzzed_searches_never_answer_5xx(front_desk, token_api, patient, body):
    response = token_api(front_desk).post("/api/patients/search/", body)
    assert response.status_code in (200, 400), (body, response.content)


@FUZZ
@given(raw=st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_fuzzed_raw_bodies_never_answer_5xx(front_desk, token_api, raw):
    response = token_api(front_desk).post("/api/patients/search/", raw=raw)
    assert response.status_code in (200, 400), (raw, response.content)
