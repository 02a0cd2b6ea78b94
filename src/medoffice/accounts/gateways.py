"""Card payments through a pluggable gateway; no card number is ever stored.

The default gateway, `TerminalGateway`, is the card terminal on the desk: the terminal
charges the card and prints its own slip; the front desk types the terminal's approval
or transaction reference, and that reference is what we record. Another gateway (an
online processor) implements the same `charge` and is named in the setting
MEDOFFICE_CARD_GATEWAY (a dotted path). Whatever the gateway, a reference that looks
like a card number (13 to 19 digits passing the Luhn check) is refused, so a number
typed into the wrong box never reaches the database.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from typing import Protocol

REFERENCE_MAX = 40
_DIGITS = re.compile(r"[\s-]")


class CardDeclinedError(Exception):
    """The gateway refused the charge; the message says why (never the card number)."""

    code = "card_declined"


class CardReferenceError(ValueError):
    code = "card_reference"


@dataclass(frozen=True)
class CardResult:
    reference: str  # the gateway's transaction or terminal approval reference
    gateway: str  # which gateway took it
    last4: str = ""  # only when the gateway returns it; never the full number


class CardGateway(Protocol):
    name: str

    def charge(self, *, amount: Decimal, reference: str, description: str) -> CardResult: ...


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    """True for 13 to 19 digits (spaces and dashes ignored) that pass the Luhn check."""
    bare = _DIGITS.sub("", text)
    return bare.isdigit() and 13 <= len(bare) <= 19 and luhn_ok(bare)


def clean_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if looks_like_card_number(reference):
        raise CardReferenceError(
            "That looks like a card number: enter the terminal's approval or reference "
            "number, never the card number."
        )
    if not reference:
        raise CardReferenceError("Enter the reference the card terminal printed.")
    if len(reference) > REFERENCE_MAX:
        raise CardReferenceError(f"A reference has at most {REFERENCE_MAX} characters.")
    return reference


class TerminalGateway:
    """The desk's card terminal: it has already charged the card; we keep its reference."""

    name = "terminal"

    def charge(self, *, amount: Decimal, reference: str, description: str) -> CardResult:
        if amount <= 0:
            raise CardDeclinedError("A card payment must be above zero.")
        return CardResult(reference=clean_reference(reference), gateway=self.name)


def gateway_from_path(path: str) -> CardGateway:
    module_name, _, class_name = path.rpartition(".")
    try:
        gateway_class = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"No card gateway at {path!r}.") from exc
    return gateway_class()


def card_gateway() -> CardGateway:
    from django.conf import settings

    return gateway_from_path(
        getattr(settings, "MEDOFFICE_CARD_GATEWAY", "medoffice.accounts.gateways.TerminalGateway")
    )
