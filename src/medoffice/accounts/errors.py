"""Refusals of patient-account work, with stable codes for the API (ValidationError
subclasses, so forms show them on their field and the API answers 400)."""

from django.core.exceptions import ValidationError


class AccountsError(ValidationError):
    code = "accounts_error"

    def __init__(self, message: str, *, field: str = "__all__"):
        super().__init__({field: [message]})
        self.code_name = self.code
        self.text = message

    def __str__(self) -> str:
        return self.text


class NoAddressError(AccountsError):
    code = "no_address"


class DayClosedError(AccountsError):
    code = "day_closed"


class RefundRefusedError(AccountsError):
    code = "refund_refused"


class PlanRefusedError(AccountsError):
    code = "plan_refused"
