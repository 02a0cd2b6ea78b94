from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "medoffice.accounts"
    label = "accounts"
    verbose_name = "Patient accounts: desk payments, statements, plans, refunds"

    def ready(self) -> None:
        from medoffice.accounts.checkin import collect_copay, visit_section
        from medoffice.accounts.services import on_encounter_signed
        from medoffice.billing.events import encounter_signed
        from medoffice.scheduling.hooks import register_copay_collector, register_visit_section

        register_copay_collector(collect_copay)
        register_visit_section(visit_section)
        # After the payments app's receiver (installed first) posted the charges.
        encounter_signed.connect(on_encounter_signed, dispatch_uid="medoffice.accounts.prepaid")
