"""The permission backend reads a user's permissions in one statement: the same set as
Django's ModelBackend, for every role, and none for an inactive user."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medoffice.core.auth_backend import PermissionBackend
from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_the_same_permissions_as_from_model_backend(practice, role):
    user = staff_user_create(
        username=f"u-{role}", password=None, role=role, practice=practice, locations=[]
    )
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    expected = ModelBackend().get_all_permissions(_fresh(user))
    assert PermissionBackend().get_all_permissions(_fresh(user)) == expected
    assert "core.view_auditevent" in expected


def test_one_statement_per_request_user_and_a_revoked_group_is_refused_next_time(practice):
    user = staff_user_create(
        username="desk", password=None, role=Role.FRONT_DESK, practice=practice, locations=[]
    )
    fresh = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        assert fresh.has_perm("scheduling.add_appointment")
        assert fresh.has_perm("scheduling.view_appointment")
    assert len(queries) == 1
    user.groups.clear()
    assert not _fresh(user).has_perm("scheduling.add_appointment")
    assert Group.objects.exists()


def test_an_inactive_user_has_no_permissions(practice):
    user = staff_user_create(
        username="gone", password=None, role=Role.FRONT_DESK, practice=practice, locations=[]
    )
    user.is_active = False
    user.save()
    assert PermissionBackend().get_all_permissions(_fresh(user)) == set()
