from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "medoffice.inventory"
    label = "inventory"
    verbose_name = "Supplies and equipment"

    def ready(self) -> None:
        from medoffice.billing.events import encounter_signed
        from medoffice.inventory.listeners import on_encounter_signed

        encounter_signed.connect(
            on_encounter_signed, dispatch_uid="medoffice.inventory.encounter_stock"
        )
