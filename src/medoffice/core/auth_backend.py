"""Django's ModelBackend, with a user's permissions read in one plain query.

Every API call and page checks a permission: ModelBackend reads the user's own and
their groups' permissions with two ORM queries (two joins each), whose building cost
more than the rest of a cheap request's database work. Here the same set comes from
one statement, read afresh for every request's user as before (nothing is kept between
requests, so a revoked permission or role is refused on the next request).
"""

from django.contrib.auth.backends import ModelBackend
from django.db import connection

_PERMISSIONS_SQL = """
    SELECT ct.app_label, p.codename
      FROM auth_permission p
      JOIN django_content_type ct ON ct.id = p.content_type_id
     WHERE p.id IN (SELECT up.permission_id FROM auth_user_user_permissions up
                     WHERE up.user_id = %s
                    UNION
                    SELECT gp.permission_id FROM auth_group_permissions gp
                      JOIN auth_user_groups ug ON ug.group_id = gp.group_id
                     WHERE ug.user_id = %s)
"""


class PermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):  # where ModelBackend keeps it, per user object
            with connection.cursor() as cursor:
                cursor.execute(_PERMISSIONS_SQL, [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app}.{codename}" for app, codename in cursor.fetchall()}
        return user_obj._perm_cache
