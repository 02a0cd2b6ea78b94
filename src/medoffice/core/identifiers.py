"""Identifiers used across the office: NPI check digits and MRNs with a Luhn check."""

from django.core.exceptions import ValidationError


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits` + check pass the Luhn (mod 10) test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """NPI: ten digits, the last a Luhn check over the prefix 80840 + the first nine."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    return luhn_check_digit("80840" + npi[:9]) == int(npi[9])


def validate_npi(value: str) -> None:
    if not is_valid_npi(value):
        raise ValidationError("An NPI is ten digits with a valid check digit.", code="invalid_npi")


def npi_from_stem(stem: str) -> str:
    """Complete a nine-digit stem into a valid NPI (used for synthetic data)."""
    return stem + str(luhn_check_digit("80840" + stem))


def mrn_from_number(number: int) -> str:
    """An eight-character MRN: seven digits of sequence and a Luhn check digit.

    The check digit catches a mistyped digit or a swap of neighbours before a
    search runs against the wrong chart.
    """
    stem = f"{number:07d}"
    return stem + str(luhn_check_digit(stem))
