"""How amounts and phone numbers read on every page (the template filters)."""

from decimal import Decimal

import pytest
from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("5516.85"), "$5,516.85"),
        (Decimal("1234567.5"), "$1,234,567.50"),
        (Decimal("0"), "$0.00"),
        (Decimal("-20"), "-$20.00"),
        ("30.00", "$30.00"),  # text from a form or floatformat
        (None, ""),
        ("n/a", "n/a"),
    ],
)
def test_amounts_read_as_dollars_with_thousands_separators(amount, shown):
    assert render("{{ amount|usd }}", amount=amount) == shown


def test_the_filters_need_no_load_tag():
    assert render("{{ number|phone }}", number="+12175552013") == "(217) 555-2013"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("39441.57"), "39,441.57"),
        (Decimal("43.2"), "43.2"),
        (1234, "1,234"),
        (None, "–"),
        ("2026-10", "2026-10"),
        ("MRN 00001289", "MRN 00001289"),
    ],
)
def test_report_cells_read_with_thousands_separators(value, shown):
    assert render("{{ value|cell }}", value=value) == shown
