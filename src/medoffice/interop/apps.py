from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "medoffice.interop"
    label = "interop"
    verbose_name = "Interfaces"

    def ready(self) -> None:
        from medoffice.interop.feed import on_appointment_changed
        from medoffice.scheduling.events import appointment_changing

        appointment_changing.connect(
            on_appointment_changed, dispatch_uid="medoffice.interop.hl7_siu_feed"
        )
