from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "medoffice.reports"
    label = "reports"
    verbose_name = "Reports and accounting"

    def ready(self) -> None:
        from medoffice.reports.rollups import on_appointment_changing
        from medoffice.scheduling.events import appointment_changing

        appointment_changing.connect(
            on_appointment_changing, dispatch_uid="medoffice.reports.visit_moved"
        )
