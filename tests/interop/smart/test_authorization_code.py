"""SMART App Launch 2.0, standalone launch of a staff app, end to end against a live server:
sign in (password and authenticator code), approve the app and pick the patient, exchange
the code with the PKCE verifier, use the token. Everything over real HTTP with `requests`."""

import json

import jwt
import pytest
import requests

from medoffice.core.models import AuditEvent
from medoffice.core.roles import Role
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
