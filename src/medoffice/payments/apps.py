from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "medoffice.payments"
    label = "payments"
    verbose_name = "Payments and patient accounts"

    def ready(self) -> None:
        from medoffice.billing.events import encounter_signed
        from medoffice.payments.listeners import on_encounter_signed

        encounter_signed.connect(on_encounter_signed, dispatch_uid="medoffice.payments.charges")
