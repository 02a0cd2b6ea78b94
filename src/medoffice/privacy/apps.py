from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "medoffice.privacy"
    label = "privacy"
    verbose_name = "Privacy program"
