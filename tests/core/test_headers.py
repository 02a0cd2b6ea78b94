"""WB-02 CSP and friends on every page, DP-02 no-store for signed-in users, WB-01 CSRF,
and a template lint that keeps inline script and style out."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

import medoffice
from medoffice.core.roles import ROLE_PERMISSIONS, Role
from medoffice.core.testing import force_login_verified
from tests.conftest import PASSWORD
from tests.core.conftest import new_client
from tests.core.routes import NEW_PATIENT, ROUTES

TEMPLATE_ROOT = Path(medoffice.__file__).parent
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}

HTML_PAGES = tuple(
    r
    for r in ROUTES
    if not r.api
    and r.method == "GET"
    and r.ok == 200
    and r.name
    not in (
        "core:audit-export",
        "patients:coverage-card",
        "scheduling:outside-document",
        "billing:encounter-pdf",
        "billing:encounter-receipt",
        "billing:code-search",
        "clinical:term-suggest",
        "clinical:dictation-audio",
        "billing:claim-cms1500-pdf",
        "billing:appeal-letter-pdf",
        "billing:exchange-file",
        "records:document-file",
        "records:accounting-pdf",
        "records:transfer-packet-pdf",
        "records:transfer-bundle",
        "records:roi-packet-pdf",
        "records:referral-letter-pdf",
        "inventory:order-pdf",
        "accounts:receipt-pdf",
        "accounts:statement-pdf",
    )
)


def _role_for(permission: str) -> str:
    return next(
        (r for r, perms in ROLE_PERMISSIONS.items() if permission in perms), Role.FRONT_DESK
    )


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_page_headers(response):
    assert response["Content-Type"].startswith("text/html")
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    script_src = csp["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in csp.get("style-src", [])
    nonces = [s[len("'nonce-") : -1] for s in script_src if s.startswith("'nonce-")]
    assert len(nonces) == 1, script_src
    body = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts, "the page loads no script: the nonce check proves nothing"
    for tag in scripts:
        assert f'nonce="{nonces[0]}"' in tag, tag
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in REFERRER_POLICIES
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("route", HTML_PAGES, ids=lambda r: r.id)
def test_every_page_carries_the_security_headers(route, world, make_user, client_for):
    client = client_for(make_user(_role_for(route.permission)))

    response = route.call(client, world)

    assert response.status_code == 200
    assert_page_headers(response)
    assert response["Cache-Control"] == "no-store"


def test_login_page_carries_the_security_headers(db):
    response = new_client().get(reverse("core:login"))

    assert response.status_code == 200
    assert_page_headers(response)


def test_error_pages_carry_the_security_headers(world, front_desk, client_for):
    client = client_for(front_desk)

    for response in (
        client.get(reverse("core:audit-list")),
        client.get("/patients/00000000-0000-0000-0000-000000000000/"),
    ):
        assert response.status_code in (403, 404)
        assert_page_headers(response)
        assert response["Cache-Control"] == "no-store"


def test_each_page_gets_a_fresh_nonce(db):
    nonces = {
        csp_directives(new_client().get(reverse("core:login"))["Content-Security-Policy"])[
            "script-src"
        ][-1]
        for _ in range(3)
    }
    assert len(nonces) == 3


# Cache-Control: no-store on every answer to every role is checked by the role matrix
# (test_routes.py), which calls every route as every role.


def test_card_images_download_in_a_sandbox(world, front_desk, client_for):
    response = client_for(front_desk).get(
        reverse("patients:coverage-card", args=[world.coverage.public_id, "front"])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- CSRF (WB-01) ---


def _csrf_client(user):
    client = new_client(enforce_csrf_checks=True)
    force_login_verified(client, user)
    return client


def test_form_post_without_csrf_token_is_refused(front_desk):
    response = _csrf_client(front_desk).post(reverse("patients:patient-register"), NEW_PATIENT)

    assert response.status_code == 403


def test_form_post_with_csrf_token_is_accepted(front_desk):
    client = _csrf_client(front_desk)
    client.get(reverse("patients:patient-register"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("patients:patient-register"), {**NEW_PATIENT, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302


def test_login_post_without_csrf_token_is_refused(front_desk):
    response = new_client(enforce_csrf_checks=True).post(
        reverse("core:login"), {"username": front_desk.username, "password": PASSWORD}
    )

    assert response.status_code == 403


def test_session_authenticated_api_write_without_csrf_token_is_refused(front_desk, patient):
    response = _csrf_client(front_desk).patch(
        reverse("api:patient-detail", args=[patient.public_id]),
        data={"preferred_name": "Jack"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    patient.refresh_from_db()
    assert patient.preferred_name == ""


def test_token_authenticated_api_write_needs_no_csrf_token(front_desk, patient):
    from medoffice.core.api_auth import api_token_issue

    raw = api_token_issue(user=front_desk)
    response = new_client(enforce_csrf_checks=True).patch(
        reverse("api:patient-detail", args=[patient.public_id]),
        data={"preferred_name": "Jack"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200


# --- Template lint (WB-02) ---

_SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)
_STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
_EVENT_ATTR = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
_JS_URL = re.compile(r"""=\s*["']\s*javascript:""", re.IGNORECASE)


def template_problems(text: str) -> list[str]:
    problems = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for tag in _SCRIPT_TAG.findall(line):
            if 'nonce="{{ request.csp_nonce }}"' not in tag:
                problems.append(f"{lineno}: script without nonce: {tag}")
        if _STYLE_ATTR.search(line):
            problems.append(f"{lineno}: inline style attribute")
        if _STYLE_TAG.search(line):
            problems.append(f"{lineno}: inline <style> element")
        if _EVENT_ATTR.search(line):
            problems.append(f"{lineno}: inline event handler")
        if _JS_URL.search(line):
            problems.append(f"{lineno}: javascript: URL")
    return problems


def _templates():
    return sorted(TEMPLATE_ROOT.glob("**/templates/**/*.html"))


def test_templates_have_no_inline_script_or_style():
    templates = _templates()
    assert len(templates) >= 20, "the template scan found too few templates"

    problems = {
        str(path.relative_to(TEMPLATE_ROOT)): found
        for path in templates
        if (found := template_problems(path.read_text()))
    }
    assert problems == {}


def test_template_lint_flags_each_kind_of_inline_code():
    text = "\n".join(
        [
            "<script>alert(1)</script>",
            '<script src="x.js" nonce="{{ request.csp_nonce }}"></script>',
            '<div style="color:red">',
            "<style>p{}</style>",
            '<button onclick="go()">',
            '<a href="javascript:go()">',
        ]
    )

    assert [p.split(":")[0] for p in template_problems(text)] == ["1", "3", "4", "5", "6"]
