"""Places where apps built on scheduling add to a visit, without scheduling importing them.

An app registers in its AppConfig.ready():

- a visit section: `section(request, appointment, screen) -> str` returns HTML (already
  escaped, e.g. from render_to_string) or "" for the visit panel (screen "panel") and the
  check-in screen ("check_in"); `{% visit_sections appointment "panel" %}` shows them;
- a copay source: `source(appointment, coverage) -> CopayQuote | None` for the primary
  coverage on the visit's day; the first source that answers sets the copay due at
  check-in, else the copay on the insurance card is used;
- a copay collector: `collector(check_in, by=user)` posts the copay collected at check-in
  to the patient's account (the payments ledger). Unlike the hooks above it may raise
  (e.g. a card reference that is a card number): the whole check-in is then refused.

Hooks must not raise: a failing add-on must not stop a check-in. A hook that raises is
logged (its name and the error's class, never PHI) and skipped.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

logger = logging.getLogger(__name__)

SCREENS = ("panel", "check_in")
CARD = "card"


@dataclass(frozen=True)
class CopayQuote:
    amount: Decimal
    source: str = CARD  # "card", or the name of the source that answered
    said: str = "the copay on the insurance card"  # shown to the front desk


VisitSection = Callable[..., str]
CopaySource = Callable[..., CopayQuote | None]

_sections: list[VisitSection] = []
_copay_sources: list[CopaySource] = []
_copay_collectors: list[Callable[..., object]] = []


def register_visit_section(section: VisitSection) -> None:
    if section not in _sections:
        _sections.append(section)


def register_copay_source(source: CopaySource) -> None:
    if source not in _copay_sources:
        _copay_sources.append(source)


def register_copay_collector(collector: Callable[..., object]) -> None:
    if collector not in _copay_collectors:
        _copay_collectors.append(collector)


def copay_collect(check_in, *, by=None) -> None:
    """Hand the check-in's collected copay to every collector (errors propagate)."""
    for collector in _copay_collectors:
        collector(check_in, by=by)


def visit_sections(request, appointment, screen: str) -> list[str]:
    shown = []
    for section in _sections:
        try:
            html = section(request, appointment, screen)
        except Exception as exc:
            logger.error("visit section %s failed (%s)", section.__qualname__, type(exc).__name__)
            continue
        if html:
            shown.append(html)
    return shown


def copay_from_sources(appointment, coverage) -> CopayQuote | None:
    for source in _copay_sources:
        try:
            quote = source(appointment, coverage)
        except Exception as exc:
            logger.error("copay source %s failed (%s)", source.__qualname__, type(exc).__name__)
            continue
        if quote is not None:
            return quote
    return None
