from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "medoffice.imports"
    label = "imports"
    verbose_name = "Imports from other systems"
    default_auto_field = "django.db.models.BigAutoField"
