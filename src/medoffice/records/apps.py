from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "medoffice.records"
    label = "records"
    verbose_name = "Health information management"

    def ready(self) -> None:
        from medoffice.records import panels

        panels.register()
        from medoffice.records.listeners import on_appointment_changed
        from medoffice.scheduling.events import appointment_changed

        appointment_changed.connect(
            on_appointment_changed, dispatch_uid="medoffice.records.referral_encounter"
        )
