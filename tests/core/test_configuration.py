"""Configuration screens and operator commands change privileges only through the services."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from medoffice.cli import main
from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import ApiToken, AuditAction, AuditEvent, Practice, StaffProfile
from medoffice.core.roles import Role


def _admin_client(client_for, administrator):
    return client_for(administrator)


def test_a_role_changed_on_the_staff_screen_moves_the_group_and_is_audited(
    administrator, make_user, client_for
):
    coder = make_user(Role.CODER)
    profile = coder.staff
    url = reverse("admin:core_staffprofile_change", args=[profile.pk])
    response = client_for(administrator).post(
        url, {"user": coder.pk, "role": Role.RECORDS, "practice": profile.practice_id}
    )
    assert response.status_code == 302, response.content[:2000]
    coder = get_user_model().objects.get(pk=coder.pk)
    assert coder.staff.role == Role.RECORDS
    assert [g.name for g in coder.groups.all()] == [Role.RECORDS]
    assert coder.has_perm("patients.merge_patient")
    change = AuditEvent.objects.filter(action=AuditAction.PRIVILEGE_CHANGE).last()
    assert change.detail == f"role {Role.CODER} -> {Role.RECORDS}"
    assert change.username == administrator.username


def test_limiting_a_user_to_locations_on_the_staff_screen_is_audited(
    administrator, make_user, client_for, location
):
    clerk = make_user(Role.FRONT_DESK)
    profile = clerk.staff
    url = reverse("admin:core_staffprofile_change", args=[profile.pk])
    response = client_for(administrator).post(
        url,
        {
            "user": clerk.pk, "role": Role.FRONT_DESK, "practice": profile.practice_id,
            "locations": [location.pk], "limited_to_locations": "on",
        },
    )  # fmt: skip

    assert response.status_code == 302, response.content[:2000]
    profile.refresh_from_db()
    assert profile.limited_to_locations
    assert list(profile.locations.all()) == [location]
    change = AuditEvent.objects.filter(action=AuditAction.PRIVILEGE_CHANGE).last()
    assert change.detail == "limited_to_locations, locations changed (limited: True)"
    assert change.object_id == str(clerk.pk)


def test_an_administrator_cannot_grant_superuser_or_raw_permissions(
    administrator, make_user, client_for
):
    clerk = make_user(Role.FRONT_DESK)
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    client = client_for(administrator)
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    response = client.post(
        url,
        {
            "username": clerk.username,
            "first_name": "Dana",
            "last_name": "Clerk",
            "email": "",
            "is_active": "",  # deactivate
            "is_superuser": "on",  # not on the form: ignored
        },
    )
    assert response.status_code == 302, response.content[:2000]
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert not clerk.is_superuser
    change = AuditEvent.objects.filter(action=AuditAction.PRIVILEGE_CHANGE).last()
    assert "is_active" in change.detail


def test_revoking_a_token_on_the_tokens_screen_stops_it_and_is_audited(
    administrator, make_user, client_for
):
    integration = make_user(Role.FRONT_DESK)
    raw = api_token_issue(user=integration)
    token = ApiToken.objects.get(user=integration)
    response = client_for(administrator).post(
        reverse("admin:core_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = client_for(administrator)
    api.logout()
    refused = api.get("/api/payers/", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(detail__contains=f"{token.prefix} of user").exists()


def test_createpractice_makes_the_first_practice_and_refuses_a_second_of_that_name(db, capsys):
    main(["createpractice", "Northside Pediatrics", "--tax-id", "98-7654321"])
    assert Practice.objects.filter(name="Northside Pediatrics").exists()
    assert "created practice Northside Pediatrics" in capsys.readouterr().out
    with pytest.raises(SystemExit) as caught:
        main(["createpractice", "Northside Pediatrics"])
    assert caught.value.code == 1
    assert "exists already" in capsys.readouterr().err


def test_createpractice_refuses_a_bad_npi_in_one_line(db, capsys):
    with pytest.raises(SystemExit):
        main(["createpractice", "Bad NPI Clinic", "--group-npi", "1234567890"])
    err = capsys.readouterr().err.strip()
    assert err.startswith("medoffice createpractice: group_npi:")
    assert not Practice.objects.filter(name="Bad NPI Clinic").exists()


def test_createuser_service_account_prints_a_working_token(practice, capsys):
    main(["createuser", "lab-interface", "--role", "front_desk", "--api-token", "--no-password"])
    out = capsys.readouterr().out
    raw = out.split("store it safely): ")[1].strip()
    user = StaffProfile.objects.get(user__username="lab-interface").user
    assert not user.has_usable_password()
    from django.test import Client

    assert (
        Client().get("/api/payers/", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    )


def test_unknown_api_paths_answer_problem_json(front_desk, client_for):
    response = client_for(front_desk).get("/api/patients/not-a-uuid/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not found"


def test_options_describes_an_endpoint_without_a_denied_audit_row(biller, client_for):
    response = client_for(biller).options("/api/patients/")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(outcome="denied").exists()
