"""hl7apy as the independent judge of the messages we write."""

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_message


def parse_strict(text: str):
    """The message as hl7apy reads it with strict HL7 v2.5.1 validation, or the test fails.

    hl7apy raises its own errors for structure and plain ValueError for bad data
    types (docs TESTING.md), so both count as "invalid".
    """
    try:
        message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
    except (HL7apyException, ValueError) as exc:
        pytest.fail(f"hl7apy rejects the message: {type(exc).__name__}: {exc}")
    return message


def er7(element) -> str:
    """An element's value as written in the message (escapes kept)."""
    return element.to_er7()
