from decimal import Decimal, InvalidOperation

import phonenumbers
from django import template

from medoffice.core.money import dollars

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+12175552013 -> (217) 555-2013; numbers abroad keep their international form."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or an empty tuple."""
    return mapping.get(key, ()) if hasattr(mapping, "get") else ()


@register.filter
def usd(value) -> str:
    """An amount as dollars the way an office writes them: 5516.85 -> $5,516.85,
    -20 -> -$20.00; anything that is not a number is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return dollars(amount)


@register.filter
def cell(value) -> str:
    """A table cell of figures: a Decimal or a whole number with thousands separators
    (39441.57 -> 39,441.57), a missing value as a dash, anything else as it is."""
    if value is None:
        return "–"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
