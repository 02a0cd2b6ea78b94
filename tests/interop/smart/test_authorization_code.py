"""SMART App Launch 2.0, standalone launch of a staff app, end to end against a live server:
sign in (password and authenticator code), approve the app and pick the patient, exchange
the code with the PKCE verifier, use the token. Everything over real HTTP with `requests`."""

import json
from datetime import date

import jwt
import pytest
import requests
from django.utils import timezone
from fhir.resources.R4B.patient import Patient
from oauth2_provider.models import AccessToken

from medoffice.core.models import AuditEvent
from medoffice.core.roles import Role
from medoffice.core.selectors import AuditFilter, audit_event_list
from medoffice.interop.smart.selectors import patients_touched_by_app
from medoffice.interop.smart.tokens import principal_for_token
from tests.interop.smart.conftest import (
    REDIRECT_URI,
    approve,
    authorize_url,
    pkce_pair,
    redirect_query,
    register_staff_app,
    sign_in,
)

SCOPE = "launch/patient openid fhirUser offline_access patient/*.read"


@pytest.fixture
def clinician_with_chart(make_user, provider):
    user = make_user(Role.CLINICIAN)
    provider.user = user
    provider.save(update_fields=["user"])
    return user


@pytest.fixture
def app(practice, make_user):
    app, _ = register_staff_app(practice, admin=make_user(Role.ADMINISTRATOR))
    return app


def _token(base, app, code, verifier, **extra):
    return requests.post(
        f"{base}/o/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": app.client_id,
            "code_verifier": verifier,
            **extra,
        },
        timeout=10,
    )


def test_staff_user_approves_a_patient_launch_and_the_app_gets_a_patient_token(
    server, app, clinician_with_chart, make_patient, provider
):
    patient = make_patient()
    session = sign_in(server, clinician_with_chart)
    verifier, challenge = pkce_pair()

    answer = approve(
        session,
        authorize_url(server, app, challenge=challenge, scope=SCOPE),
        patient_mrn=patient.mrn,
    )
    query = redirect_query(answer)
    assert query["state"] == "xyz"
    token = _token(server, app, query["code"], verifier)

    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["patient"] == str(patient.public_id)
    assert set(body["scope"].split()) == set(SCOPE.split())
    assert body["refresh_token"]
    keys = requests.get(f"{server}/o/.well-known/jwks.json", timeout=10).json()["keys"]
    claims = jwt.decode(
        body["id_token"],
        key=jwt.PyJWK(keys[0]),
        algorithms=["RS256"],
        audience=app.client_id,
    )
    assert claims["fhirUser"] == f"{server}/fhir/Practitioner/{provider.public_id}"
    principal = principal_for_token(body["access_token"])
    assert principal.user == clinician_with_chart
    assert principal.patient == patient
    assert principal.confined_to_patient("Observation", "search")
    # The patient picked at approval was read as the chart reads it: audited, naming the app.
    assert AuditEvent.objects.filter(patient_id=str(patient.public_id), user_id=principal.user.pk)


def test_a_refreshed_token_keeps_the_launch_patient(server, app, clinician_with_chart, patient):
    session = sign_in(server, clinician_with_chart)
    verifier, challenge = pkce_pair()
    query = redirect_query(
        approve(session, authorize_url(server, app, challenge=challenge, scope=SCOPE),
                patient_mrn=patient.mrn)
    )  # fmt: skip
    first = _token(server, app, query["code"], verifier).json()

    refreshed = requests.post(
        f"{server}/o/token/",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
              "client_id": app.client_id},
        timeout=10,
    )  # fmt: skip

    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["patient"] == str(patient.public_id)
    assert principal_for_token(refreshed.json()["access_token"]).patient == patient


def test_the_wrong_code_verifier_is_refused(server, app, clinician_with_chart, patient):
    session = sign_in(server, clinician_with_chart)
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    query = redirect_query(
        approve(session, authorize_url(server, app, challenge=challenge, scope=SCOPE),
                patient_mrn=patient.mrn)
    )  # fmt: skip

    token = _token(server, app, query["code"], other_verifier)

    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


def test_plain_pkce_and_no_pkce_are_refused(server, app, clinician_with_chart):
    session = sign_in(server, clinician_with_chart)
    verifier, _ = pkce_pair()

    plain = session.get(
        authorize_url(server, app, challenge=verifier, scope=SCOPE, method="plain"),
        allow_redirects=False,
    )
    missing = session.get(
        authorize_url(server, app, challenge=verifier, scope=SCOPE, method=""),
        allow_redirects=False,
    )

    assert plain.status_code == missing.status_code == 400
    assert json.loads(plain.text)["error"] == "invalid_request"


def test_a_scope_the_app_was_not_registered_for_is_refused(server, app, clinician_with_chart):
    session = sign_in(server, clinician_with_chart)
    _, challenge = pkce_pair()

    answer = session.get(
        authorize_url(server, app, challenge=challenge, scope="openid user/*.write"),
        allow_redirects=False,
    )

    assert redirect_query(answer)["error"] == "invalid_scope"


def test_an_unknown_mrn_is_asked_again_and_no_code_is_issued(
    server, app, clinician_with_chart, patient
):
    session = sign_in(server, clinician_with_chart)
    _, challenge = pkce_pair()

    answer = approve(
        session, authorize_url(server, app, challenge=challenge, scope=SCOPE), patient_mrn="NOPE-1"
    )

    assert answer.status_code == 422
    assert "No patient of this practice has this MRN" in answer.text


def test_signing_in_is_required_before_approval(server, app):
    _, challenge = pkce_pair()

    answer = requests.get(
        authorize_url(server, app, challenge=challenge, scope=SCOPE),
        allow_redirects=False,
        timeout=10,
    )

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login/?next=")


def test_smart_configuration_is_published_at_both_addresses(server):
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        document = requests.get(f"{server}{path}", timeout=10).json()

        assert document["token_endpoint"] == f"{server}/o/token/"
        assert document["authorization_endpoint"] == f"{server}/o/authorize/"
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert "private_key_jwt" in document["token_endpoint_auth_methods_supported"]
        assert "launch-standalone" in document["capabilities"]
    statement = requests.get(f"{server}/fhir/metadata", timeout=10).json()
    security = statement["rest"][0]["security"]
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris["token"] == f"{server}/o/token/"
    assert uris["authorize"] == f"{server}/o/authorize/"
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def _patient_token(server, app, user, patient, scope=SCOPE) -> str:
    session = sign_in(server, user)
    verifier, challenge = pkce_pair()
    query = redirect_query(
        approve(session, authorize_url(server, app, challenge=challenge, scope=scope),
                patient_mrn=patient.mrn)
    )  # fmt: skip
    answer = _token(server, app, query["code"], verifier)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def test_patient_scopes_confine_reads_and_searches_to_the_launch_patient(
    server, app, clinician_with_chart, make_patient
):
    patient = make_patient()
    other = make_patient(first_name="Mary", last_name="Jones", dob=date(1975, 2, 2))
    access_token = _patient_token(server, app, clinician_with_chart, patient)
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/fhir+json"}

    own = requests.get(f"{server}/fhir/Patient/{patient.public_id}", headers=headers, timeout=10)
    others = requests.get(f"{server}/fhir/Patient/{other.public_id}", headers=headers, timeout=10)
    found = requests.get(f"{server}/fhir/Patient", headers=headers, timeout=10)
    write = requests.put(
        f"{server}/fhir/Patient/{patient.public_id}",
        data=own.content,
        headers={**headers, "Content-Type": "application/fhir+json"},
        timeout=10,
    )

    assert own.status_code == 200, own.text
    Patient.model_validate(own.json())
    assert others.status_code == 403
    assert others.json()["resourceType"] == "OperationOutcome"
    assert found.status_code == 200
    assert [
        e["resource"]["id"] for e in found.json()["entry"] if e["search"]["mode"] == "match"
    ] == [str(patient.public_id)]
    assert write.status_code == 403  # patient/*.read: no writes
    # Every read through the token names the app and the token: "which patients did this
    # token touch" is one query.
    touched = patients_touched_by_app(app.client_id)
    assert str(patient.public_id) in touched
    assert str(other.public_id) not in touched
    # The audit report filters by app: the refused read is there, as denied.
    rows = list(audit_event_list(AuditFilter(app=app.client_id)))
    assert {(r.patient_id, r.outcome) for r in rows if r.patient_id} >= {
        (str(patient.public_id), "success")
    }
    assert any(r.outcome == "denied" and r.object_id == str(other.public_id) for r in rows)


def test_user_scopes_act_with_the_role_and_nothing_more(server, practice, make_user, make_patient):
    admin = make_user(Role.ADMINISTRATOR)
    app, _ = register_staff_app(practice, admin=admin, scopes="openid user/*.read")
    patient = make_patient()
    front_desk = make_user(Role.FRONT_DESK)
    session = sign_in(server, front_desk)
    verifier, challenge = pkce_pair()
    query = redirect_query(
        approve(session, authorize_url(server, app, challenge=challenge, scope="user/*.read"))
    )
    access_token = _token(server, app, query["code"], verifier).json()["access_token"]
    headers = {"Authorization": f"Bearer {access_token}"}

    read = requests.get(f"{server}/fhir/Patient/{patient.public_id}", headers=headers, timeout=10)
    create = requests.post(
        f"{server}/fhir/Patient",
        json={"resourceType": "Patient", "name": [{"family": "New", "given": ["Amy"]}]},
        headers={**headers, "Content-Type": "application/fhir+json"},
        timeout=10,
    )
    # The administrator's role has no patients at all, whatever the token's scopes say.
    admin_app, _ = register_staff_app(practice, admin=admin, scopes="user/*.read", name="Adm")

    assert read.status_code == 200
    assert create.status_code == 403  # user/*.read covers no create
    assert create.json()["resourceType"] == "OperationOutcome"
    admin_session = sign_in(server, admin)
    verifier, challenge = pkce_pair()
    query = redirect_query(approve(admin_session, authorize_url(
        server, admin_app, challenge=challenge, scope="user/*.read")))  # fmt: skip
    admin_token = _token(server, admin_app, query["code"], verifier).json()["access_token"]
    refused = requests.get(
        f"{server}/fhir/Patient/{patient.public_id}",
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=10,
    )
    assert refused.status_code == 403


def test_an_unknown_revoked_or_expired_token_is_401_with_a_challenge(
    server, app, clinician_with_chart, patient
):
    access_token = _patient_token(server, app, clinician_with_chart, patient)
    url = f"{server}/fhir/Patient/{patient.public_id}"

    unknown = requests.get(url, headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    AccessToken.objects.filter(application=app).update(expires=timezone.now())
    expired = requests.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)

    for answer in (unknown, expired):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="fhir"')
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
        assert answer.json()["resourceType"] == "OperationOutcome"
    assert "expired" in expired.json()["issue"][0]["diagnostics"]
