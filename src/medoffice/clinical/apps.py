from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "medoffice.clinical"
    label = "clinical"
    verbose_name = "Clinical record"

    def ready(self) -> None:
        from medoffice.clinical import exports

        exports.register()
