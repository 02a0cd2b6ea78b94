"""SMART apps registered as the administrator's screen would, staff signed in through the real
pages (password, then a current authenticator code), and PKCE pairs."""

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from oauth2_provider.models import AbstractApplication

from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create
from medoffice.interop.smart.models import AppKind, SmartApp
from tests.conftest import PASSWORD
from tests.core.conftest import enrolled_device, totp_now

REDIRECT_URI = "http://127.0.0.1:9/callback"  # never called: the test reads the redirect


@pytest.fixture
def server(transactional_db, live_server) -> str:
    return live_server.url


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def register_staff_app(practice, *, admin, confidential=False, scopes=None, name="Chart viewer"):
    secret = secrets.token_urlsafe(24) if confidential else ""
    app = SmartApp.objects.create(
        name=name,
        practice=practice,
        user=admin,
        kind=AppKind.STAFF,
        client_type=(
            AbstractApplication.CLIENT_CONFIDENTIAL
            if confidential
            else AbstractApplication.CLIENT_PUBLIC
        ),
        authorization_grant_type=AbstractApplication.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=AbstractApplication.RS256_ALGORITHM,
        client_secret=secret,
        allowed_scopes=scopes
        or "launch/patient openid fhirUser offline_access patient/*.read user/*.read",
    )
    return app, secret


def register_backend_service(practice, *, jwks: dict, role=Role.RECORDS, scopes="system/*.read"):
    service_user = staff_user_create(
        username=f"svc-{secrets.token_hex(4)}", password=None, role=role, practice=practice
    )
    return SmartApp.objects.create(
        name="Population health",
        practice=practice,
        user=service_user,
        kind=AppKind.BACKEND,
        client_type=AbstractApplication.CLIENT_CONFIDENTIAL,
        authorization_grant_type=AbstractApplication.GRANT_CLIENT_CREDENTIALS,
        client_secret="",
        allowed_scopes=scopes,
        jwks=jwks,
    )


def _hidden_and_csrf(html: str) -> dict:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def sign_in(base: str, user, *, password: str = PASSWORD) -> requests.Session:
    """Both steps of our sign-in through the real pages, as a browser would."""
    device = enrolled_device(user)
    session = requests.Session()
    page = session.get(f"{base}/login/")
    token = _hidden_and_csrf(page.text)["csrfmiddlewaretoken"]
    answer = session.post(
        f"{base}/login/",
        data={"username": user.username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    assert "/login/verify/" in answer.url, answer.url
    token = _hidden_and_csrf(answer.text)["csrfmiddlewaretoken"]
    done = session.post(
        answer.url,
        data={"code": totp_now(device), "csrfmiddlewaretoken": token},
        headers={"Referer": answer.url},
    )
    assert done.status_code == 200, done.status_code
    assert "/login/" not in done.url, done.url
    return session


def authorize_url(base: str, app, *, challenge: str, scope: str, method="S256", state="xyz"):
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
        "aud": f"{base}/fhir",
        "code_challenge": challenge,
        "code_challenge_method": method,
    }
    return f"{base}/o/authorize/?{urlencode(query)}"


def approve(session: requests.Session, url: str, *, patient_mrn: str = "", allow=True):
    """Open the approval page, (pick the patient), allow; the redirect's query (code, state)."""
    page = session.get(url, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.text[:300])
    data = _hidden_and_csrf(page.text)
    if patient_mrn:
        data["patient"] = patient_mrn
    if allow:
        data["allow"] = "Authorize"
    answer = session.post(url, data=data, headers={"Referer": page.url}, allow_redirects=False)
    return answer


def redirect_query(answer) -> dict:
    assert answer.status_code == 302, (answer.status_code, answer.text[:300])
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
