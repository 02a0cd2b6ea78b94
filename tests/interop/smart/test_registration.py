"""Configuration -> SMART apps: the administrator registers staff apps and backend services."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.messages import get_messages
from jwt.algorithms import RSAAlgorithm

from medoffice.core.models import AuditEvent
from medoffice.core.roles import Role
from medoffice.interop.smart.models import AppKind, SmartApp

ADD = "/admin/smart/smartapp/add/"


def _public_jwks(private: bool = False) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key if private else key.public_key(), as_dict=True)
    return json.dumps({"keys": [jwk | {"kid": "k1", "alg": "RS384"}]})


@pytest.fixture
def admin_client(administrator, client_for):
    return client_for(administrator)


def test_registering_a_backend_service_makes_its_own_service_account(admin_client, practice):
    answer = admin_client.post(ADD, {
        "name": "Population health", "kind": "backend", "client_type": "confidential",
        "redirect_uris": "", "allowed_scopes": "system/*.read", "jwks": _public_jwks(),
        "service_role": Role.RECORDS,
    })  # fmt: skip

    assert answer.status_code == 302, answer.content[:2000]
    app = SmartApp.objects.get()
    assert app.kind == AppKind.BACKEND
    assert app.practice == practice
    assert app.authorization_grant_type == "client-credentials"
    assert app.user.staff.role == Role.RECORDS
    assert not app.user.has_usable_password()
    assert AuditEvent.objects.filter(object_type="smart.smartapp", action="privilege_change")


def test_a_confidential_staff_app_gets_a_secret_shown_once_and_kept_hashed(admin_client):
    answer = admin_client.post(ADD, {
        "name": "Chart viewer", "kind": "staff", "client_type": "confidential",
        "redirect_uris": "https://app.example.org/callback",
        "allowed_scopes": "launch/patient openid fhirUser patient/*.read", "jwks": "{}",
    })  # fmt: skip

    shown = [str(m) for m in get_messages(answer.wsgi_request) if "shown once" in str(m)]
    app = SmartApp.objects.get()
    secret = shown[-1].rsplit(": ", 1)[1]
    assert answer.status_code == 302
    assert len(secret) == 40
    assert app.authorization_grant_type == "authorization-code"
    assert secret not in app.client_secret  # only a hash is stored


@pytest.mark.parametrize(
    ("change", "field"),
    [({"allowed_scopes": "system/*.read"}, "allowed_scopes"),
     ({"allowed_scopes": "patient/*.sing"}, "allowed_scopes"),
     ({"kind": "backend", "allowed_scopes": "system/*.read", "jwks": "PRIVATE",
       "service_role": "records"}, "jwks"),
     ({"redirect_uris": ""}, "redirect_uris")],
)  # fmt: skip
def test_a_bad_registration_is_refused_with_the_field_named(admin_client, change, field):
    data = {"name": "X", "kind": "staff", "client_type": "public",
            "redirect_uris": "https://app.example.org/cb", "allowed_scopes": "patient/*.read",
            "jwks": "{}"} | change  # fmt: skip
    if data["jwks"] == "PRIVATE":
        data["jwks"] = _public_jwks(private=True)

    answer = admin_client.post(ADD, data)

    assert answer.status_code == 200
    assert field in answer.context["adminform"].form.errors
    assert not SmartApp.objects.exists()


def test_only_the_administrator_may_register_apps(make_user, client_for):
    for role in (Role.OFFICE_MANAGER, Role.RECORDS):
        answer = client_for(make_user(role)).get(ADD)
        assert answer.status_code in (302, 403)
