from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "medoffice.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from medoffice.billing.listeners import on_appointment_changed
        from medoffice.scheduling.events import appointment_changed

        appointment_changed.connect(
            on_appointment_changed, dispatch_uid="medoffice.billing.open_encounter"
        )
