"""FHIR JSON text with exact decimals: a Decimal (money, a measured value) is written as the
JSON number it is ("245.00", never 245.0 or a string), as FHIR's decimal type wants.

The standard json module writes Decimal only through `default`, which must return something
it can already write; so each Decimal goes out as a marked string and the marks are then
removed with the quotes. The mark holds NUL characters, which json always escapes, so no
string of the data can look like one.
"""

import json
import re
from decimal import Decimal

_MARK = "\x00decimal\x00"
_MARKED = re.compile(r'"\\u0000decimal\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000decimal\\u0000"')


def _decimal(value):
    if isinstance(value, Decimal) and value.is_finite():
        return f"{_MARK}{value:f}{_MARK}"
    raise TypeError(f"not JSON serialisable in FHIR: {type(value).__name__}")


def dumps(data, *, indent: int | None = None) -> str:
    text = json.dumps(
        data,
        ensure_ascii=False,
        indent=indent,
        separators=None if indent else (",", ":"),
        default=_decimal,
    )
    return _MARKED.sub(r"\1", text)
