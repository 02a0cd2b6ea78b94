"""Refusals of the ledger and the ERA posting, with stable codes for the API."""

from django.core.exceptions import ValidationError


class LedgerError(ValidationError):
    """A posting refused; nothing was written. `code_name` is stable for the API."""

    code = "ledger_error"

    def __init__(self, message: str, *, field: str = "amount"):
        super().__init__({field: [message]})
        self.code_name = self.code
        self.text = message

    def __str__(self) -> str:
        return self.text


class OverApplicationError(LedgerError):
    code = "over_application"


class RefundBeyondCreditError(LedgerError):
    code = "refund_beyond_credit"


class AlreadyReversedError(LedgerError):
    code = "already_reversed"


class EraRejected(Exception):
    """An 835 that cannot be posted (unreadable, unbalanced, duplicate keys): the reason,
    with the segment where the reader gives one. Nothing was posted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
