"""Money: Decimal amounts in dollars and cents, one field factory, one rounding rule.

Amounts are never floats. A price times units, a total or a share is rounded
here (half up to the cent) and nowhere else.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    """A DecimalField for an amount of money: up to 9,999,999,999.99."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def to_cents(value) -> Decimal:
    """`value` (Decimal, int or numeric text) rounded half up to the cent."""
    if isinstance(value, float):
        raise TypeError("money is never a float: pass Decimal, int or text")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def extend(unit_price: Decimal, units: int) -> Decimal:
    """The charge of `units` at `unit_price`, to the cent."""
    return to_cents(unit_price * units)


def total(amounts) -> Decimal:
    return to_cents(sum(amounts, ZERO))


def dollars(amount) -> str:
    """An amount as an office writes it: 5516.85 -> $5,516.85, -20 -> -$20.00."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
