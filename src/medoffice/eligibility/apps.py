from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "medoffice.eligibility"
    label = "eligibility"
    verbose_name = "Eligibility"

    def ready(self) -> None:
        from medoffice.eligibility import panels
        from medoffice.scheduling.hooks import register_copay_source, register_visit_section

        register_visit_section(panels.visit_section)
        register_copay_source(panels.copay_from_eligibility)
