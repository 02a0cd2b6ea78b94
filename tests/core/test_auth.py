"""AC-01 one account per person; AC-08 slow password hashes and digest-only API tokens;
AC-09 password rules."""

import importlib.util
import re
import runpy
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import ApiToken, AuditAction, AuditEvent
from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create
from medoffice.core.testing import force_login_verified
from tests.core.conftest import new_client

User = get_user_model()

STRONG_12 = "Tq7#mZp2vLxW"


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory):
    """The settings module as production loads it (no test-only fast hasher)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MEDOFFICE_FAST_PASSWORD_HASHER", raising=False)
        mp.setenv("MEDOFFICE_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        return runpy.run_path(importlib.util.find_spec(settings.SETTINGS_MODULE).origin)


def _create(practice, username="jdoe", password=STRONG_12, role=Role.FRONT_DESK):
    return staff_user_create(username=username, password=password, role=role, practice=practice)


def test_production_hashes_passwords_with_pbkdf2_sha256(production_settings, practice):
    hashers = production_settings["PASSWORD_HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"

    with override_settings(PASSWORD_HASHERS=hashers):
        user = _create(practice)
        stored = User.objects.get(pk=user.pk).password
        assert stored.startswith("pbkdf2_sha256$")
        assert int(stored.split("$")[1]) >= 600_000
        assert user.check_password(STRONG_12)


def test_production_password_validators_are_the_documented_ones(production_settings):
    names = [v["NAME"].rsplit(".", 1)[1] for v in production_settings["AUTH_PASSWORD_VALIDATORS"]]
    assert "MinimumLengthValidator" in names
    assert "CommonPasswordValidator" in names
    # No composition rules (AC-09).
    assert not any("Numeric" in n or "Character" in n for n in names)


def test_refuses_an_11_character_password(practice):
    with pytest.raises(ValidationError) as caught:
        _create(practice, password=STRONG_12[:11])

    assert "password_too_short" in {e.code for e in caught.value.error_list}
    assert not User.objects.filter(username="jdoe").exists()


@pytest.mark.parametrize("length", [12, 64, 128])
def test_accepts_long_passwords(practice, length):
    password = (STRONG_12 * 11)[:length]

    user = _create(practice, password=password)

    assert User.objects.get(pk=user.pk).check_password(password)


@pytest.mark.parametrize("password", ["qwerty123456", "1q2w3e4r5t6y"])
def test_refuses_a_common_password(practice, password):
    with pytest.raises(ValidationError) as caught:
        _create(practice, password=password)

    assert "password_too_common" in {e.code for e in caught.value.error_list}


@pytest.mark.parametrize("second", ["jdoe", "JDoe", "JDOE"])
def test_refuses_a_second_account_with_the_same_username(practice, second):
    _create(practice, username="jdoe")

    with pytest.raises(ValidationError) as caught:
        _create(practice, username=second, role=Role.BILLER)

    assert "username" in caught.value.message_dict
    assert User.objects.filter(username__iexact="jdoe").count() == 1


def test_account_creation_is_audited_as_a_privilege_change(practice, audit_mark, audit_since):
    mark = audit_mark()

    user = _create(practice)

    (event,) = audit_since(mark)
    assert event.action == AuditAction.PRIVILEGE_CHANGE
    assert event.object_id == str(user.pk)
    assert STRONG_12 not in event.detail


# --- API tokens ---


def _text_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                yield model, field.column


def _column_holds(model, column: str, text: str) -> bool:
    """Asked in SQL, not through the ORM: sealed fields refuse lookups, but their stored
    bytes must not hold the text either."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(model._meta.db_table)} WHERE {quote(column)} LIKE %s",
            [f"%{text}%"],
        )
        return cursor.fetchone() is not None


def test_only_the_tokens_digest_is_stored(biller):
    raw = api_token_issue(user=biller)

    found = [
        f"{model._meta.label}.{column}"
        for model, column in _text_columns()
        if _column_holds(model, column, raw)
    ]
    assert found == []
    token = ApiToken.objects.get(user=biller)
    assert len(token.digest) == 64
    assert raw.startswith(token.prefix)
    assert len(token.prefix) < len(raw) // 4


def test_bearer_token_reads_the_api_and_is_audited_as_its_user(
    biller, patient, audit_mark, audit_since
):
    raw = api_token_issue(user=biller)
    mark = audit_mark()

    response = new_client().get(
        reverse("api:patient-detail", args=[patient.public_id]),
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200
    assert response.json()["id"] == str(patient.public_id)
    assert response["Cache-Control"] == "no-store"
    (event,) = audit_since(mark)
    assert (event.user_id, event.role, event.action) == (biller.pk, Role.BILLER, "read")


def test_a_token_call_takes_the_short_way_with_the_same_headers_audit_and_user(
    biller, front_desk, patient, audit_mark, audit_since
):
    """A bearer-token API call skips the session's middleware (TokenApiShortcutMiddleware):
    the answer still carries every security header and the request id its audit row names,
    and a session cookie sent beside the token (another user's) changes nothing: the call
    is the token's user's."""
    raw = api_token_issue(user=biller)
    client = new_client(enforce_csrf_checks=True)
    force_login_verified(client, front_desk)
    mark = audit_mark()

    response = client.get(
        reverse("api:patient-detail", args=[patient.public_id]),
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "Set-Cookie" not in response  # no session touched
    (event,) = audit_since(mark)
    assert (event.user_id, event.role) == (biller.pk, Role.BILLER)
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    "header",
    ["Bearer mo_not-a-real-token", "Bearer", "Bearer a b", "Basic dXNlcjpwYXNz"],
)
def test_bad_bearer_credentials_get_401_problem(patient, header, db):
    response = new_client().get(
        reverse("api:patient-detail", args=[patient.public_id]), HTTP_AUTHORIZATION=header
    )

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_revoked_token_gets_401_problem(biller, patient):
    raw = api_token_issue(user=biller)
    ApiToken.objects.filter(user=biller).update(revoked_at=timezone.now())

    response = new_client().get(
        reverse("api:patient-detail", args=[patient.public_id]),
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_of_a_deactivated_user_gets_401(biller, patient):
    raw = api_token_issue(user=biller)
    User.objects.filter(pk=biller.pk).update(is_active=False)

    response = new_client().get(
        reverse("api:patient-detail", args=[patient.public_id]),
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 401


def test_create_staff_user_command_prints_a_usable_token_for_a_service_account(practice, patient):
    out = StringIO()

    call_command(
        "create_staff_user",
        "svc-clearinghouse",
        role=Role.BILLER,
        api_token=True,
        no_password=True,
        stdout=out,
    )

    match = re.search(r"API token \(shown once, store it safely\): (mo_\S+)", out.getvalue())
    assert match, out.getvalue()
    user = User.objects.get(username="svc-clearinghouse")
    assert not user.has_usable_password()
    assert user.staff.role == Role.BILLER
    response = new_client().get(
        reverse("api:patient-detail", args=[patient.public_id]),
        HTTP_AUTHORIZATION=f"Bearer {match.group(1)}",
    )
    assert response.status_code == 200
    created = AuditEvent.objects.filter(action=AuditAction.PRIVILEGE_CHANGE).last()
    assert created.username == "medoffice createuser"


def test_create_staff_user_command_refuses_a_taken_username(practice, front_desk):
    with pytest.raises(CommandError, match="username"):
        call_command(
            "create_staff_user",
            front_desk.username.upper(),
            role=Role.BILLER,
            no_password=True,
            stdout=StringIO(),
        )
