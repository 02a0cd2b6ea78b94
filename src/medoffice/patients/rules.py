"""Registration rules that need no database: dates, addresses, phones, coverage periods."""

from datetime import date

from django.core.exceptions import ValidationError

from medoffice.core.us import zip_matches_state

OLDEST_AGE_YEARS = 125


def dob_errors(dob: date | None, today: date) -> list[str]:
    if dob is None:
        return []
    if dob > today:
        return ["The date of birth is in the future."]
    if today.year - dob.year > OLDEST_AGE_YEARS:
        return [f"The date of birth is more than {OLDEST_AGE_YEARS} years ago."]
    return []


def zip_state_errors(zip_code: str, state: str) -> list[str]:
    if zip_code and state and not zip_matches_state(zip_code, state):
        return [f"ZIP code {zip_code} is not in {state}."]
    return []


def periods_overlap(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def raise_if(errors: dict[str, list[str]]) -> None:
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
