"""Writers of the organisation: staff accounts and their roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Location, Practice, StaffProfile
from medoffice.core.roles import STAFF_SITE_ROLES, Role


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    practice: Practice,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    locations: list[Location] | None = None,
    check_password: bool = True,
):
    """One account per person (AC-01): the username must be new; the role sets the group.

    A `password` of None makes a non-interactive account (integrations use API tokens).
    """
    User = get_user_model()
    if role not in Role.values:
        raise ValidationError({"role": [f"Unknown role {role!r}; choose one of {Role.values}."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [f"The username {username} is taken."]})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role in STAFF_SITE_ROLES,
    )
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    profile = StaffProfile.objects.create(user=user, role=role, practice=practice)
    profile.locations.set(locations or [])
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        category="security",
        detail=f"account created with role {role}",
    )
    return user


@transaction.atomic
def staff_role_change(*, user, role: str):
    """Give `user` the role: its group (so its permissions), admin-site access, audited."""
    if role not in Role.values:
        raise ValidationError({"role": [f"Unknown role {role!r}."]})
    profile = StaffProfile.objects.select_for_update().get(user=user)
    old = profile.role
    StaffProfile.objects.filter(pk=profile.pk).update(role=role)
    user.groups.set([Group.objects.get(name=role)])
    user.is_staff = role in STAFF_SITE_ROLES
    user.save(update_fields=["is_staff"])
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        category="security",
        detail=f"role {old} -> {role}",
    )
    return user
