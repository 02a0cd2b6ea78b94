from django.apps import AppConfig


class SmartConfig(AppConfig):
    name = "medoffice.interop.smart"
    label = "smart"
    verbose_name = "SMART on FHIR apps"
