"""SMART Backend Services: client credentials with a private_key_jwt client assertion, signed
here with PyJWT and a key generated in the test, checked by the server with jwcrypto."""

import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from medoffice.core.roles import Role
from medoffice.interop.smart.tokens import principal_for_token
from tests.interop.smart.conftest import register_backend_service

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _jwk_of(private_key, kid: str, alg: str) -> dict:
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS384" else jwt.algorithms.ECAlgorithm
    public = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    return public | {"kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def service(practice, rsa_key):
    return register_backend_service(
        practice, jwks={"keys": [_jwk_of(rsa_key, "k1", "RS384")]}, role=Role.RECORDS
    )


def assertion(app, key, *, aud: str, alg="RS384", kid="k1", lifetime=240, jti=None, **claims):
    now = int(time.time())
    payload = {
        "iss": app.client_id,
        "sub": app.client_id,
        "aud": aud,
        "exp": now + lifetime,
        "jti": jti or str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


def ask_token(server, signed, scope="system/*.read"):
    return requests.post(
        f"{server}/o/token/",
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": signed,
        },
        timeout=10,
    )


def test_a_backend_service_gets_a_system_token_acting_as_its_service_account(
    server, service, rsa_key
):
    answer = ask_token(server, assertion(service, rsa_key, aud=f"{server}/o/token/"))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["scope"] == "system/*.read"
    assert "refresh_token" not in body
    principal = principal_for_token(body["access_token"])
    assert principal.user == service.user
    assert principal.user.staff.role == Role.RECORDS
    assert principal.allows("Patient", "search", "patients.view_patient")
    # Scopes never widen the role: records staff may not post to the ledger.
    assert not principal.allows("Patient", "search", "payments.post_ledger")
    assert not principal.allows("Patient", "update")


def test_an_es384_key_is_accepted_too(server, practice):
    key = ec.generate_private_key(ec.SECP384R1())
    app = register_backend_service(practice, jwks={"keys": [_jwk_of(key, "e1", "ES384")]})

    answer = ask_token(server, assertion(app, key, aud=f"{server}/o/token/", alg="ES384",
                                         kid="e1"))  # fmt: skip

    assert answer.status_code == 200, answer.text


def test_a_replayed_assertion_is_refused(server, service, rsa_key):
    signed = assertion(service, rsa_key, aud=f"{server}/o/token/")

    first = ask_token(server, signed)
    again = ask_token(server, signed)

    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "problem",
    ["lifetime over five minutes", "wrong audience", "other key", "expired", "HS256",
     "sub is not the client", "a scope outside system/"],
)  # fmt: skip
def test_a_bad_assertion_or_scope_gets_no_token(server, service, rsa_key, problem):
    aud = f"{server}/o/token/"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = {
        "lifetime over five minutes": lambda: assertion(service, rsa_key, aud=aud, lifetime=600),
        "wrong audience": lambda: assertion(service, rsa_key, aud=f"{server}/elsewhere"),
        "other key": lambda: assertion(service, other, aud=aud),
        "expired": lambda: assertion(service, rsa_key, aud=aud, lifetime=-120),
        "HS256": lambda: jwt.encode(
            {"iss": service.client_id, "sub": service.client_id, "aud": aud,
             "exp": int(time.time()) + 60, "jti": "x"}, "secret-" * 6, algorithm="HS256"),
        "sub is not the client": lambda: assertion(service, rsa_key, aud=aud, sub="someone"),
        "a scope outside system/": lambda: assertion(service, rsa_key, aud=aud),
    }[problem]()  # fmt: skip
    scope = "user/*.read" if problem == "a scope outside system/" else "system/*.read"

    answer = ask_token(server, signed, scope=scope)

    assert answer.status_code in (400, 401), answer.text
    assert answer.json()["error"] in ("invalid_client", "invalid_scope")
    assert "access_token" not in answer.json()
