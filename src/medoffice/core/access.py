"""Scope: which practice's records a user may reach at all."""

from django.http import Http404

from medoffice.core.policy import is_staff_user


def practice_id_for(user) -> int:
    """The practice whose records `user` may reach; anyone else's look absent (404)."""
    if not is_staff_user(user):
        raise Http404
    return user.staff.practice_id


def practice_for(user):
    """The user's practice itself (404 for anyone who is not staff)."""
    from medoffice.core.models import Practice

    return Practice.objects.filter(pk=practice_id_for(user)).first()
