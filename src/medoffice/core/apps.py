from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "medoffice.core"
    label = "core"
    verbose_name = "Office and security"

    def ready(self) -> None:
        from medoffice.core import auth_events
        from medoffice.core.roles import sync_role_groups

        auth_events.connect()
        if settings.MEDOFFICE_SQLITE_WRITER_QUEUE:
            from medoffice.core import sqlite_writers

            sqlite_writers.connect()
        post_migrate.connect(sync_role_groups, dispatch_uid="medoffice.sync_role_groups")
        # Each app's home-page cards (core/home.py), found as the admin finds admin.py.
        autodiscover_modules("home")
