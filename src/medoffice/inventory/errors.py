"""Refusals of the supply closet and the equipment register, with stable codes."""

from django.core.exceptions import ValidationError


class InventoryError(ValidationError):
    """A refusal shown to the user as a field error; `code` is stable for the API."""

    code = "inventory_error"

    def __init__(self, message: str, *, field: str = "quantity"):
        super().__init__({field: [message]})
        self.code_name = self.code
        self.text = message


class InsufficientStockError(InventoryError):
    code = "insufficient_stock"


class ExpiredLotError(InventoryError):
    code = "expired_lot"


class OverReceiptError(InventoryError):
    code = "over_receipt"


class OrderStateError(InventoryError):
    code = "order_state"
