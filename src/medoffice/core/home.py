"""The home page ("Today"): what waits for the user, as cards of counts.

Each app says what it contributes in its own `home.py`, found once at start-up
(`autodiscover_modules("home")` from CoreConfig.ready, as the admin finds `admin.py`):

    @home_card(permission="billing.view_coding_queue", order=20)
    def coding(user):
        return Card("Coding", reverse("billing:queue"), [Count("Waiting", n, url)])

A card is asked for only when the user holds the permission of the page it links to (the
same names the navigation uses), so it never counts what the user may not open. Each count
comes from the queue's own selector or access helper, limited to the user's locations
exactly as its page is: the number on the card is the number of rows the page lists.
Counts only: a card carries no patient's name or other PHI.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from medoffice.core.policy import has_permission


@dataclass(frozen=True)
class Count:
    """One labelled figure of a card, with the page (or filter) that lists its rows."""

    label: str
    value: int
    url: str


@dataclass(frozen=True)
class Card:
    title: str
    url: str
    counts: list[Count] = field(default_factory=list)
    note: str = ""


Maker = Callable[..., Card | Iterable[Card] | None]


@dataclass(frozen=True)
class _Entry:
    permission: str
    order: int
    make: Maker


_REGISTRY: list[_Entry] = []


def home_card(*, permission: str, order: int = 100):
    """Register `make(user) -> Card | [Card] | None` for users holding `permission`;
    cards show by `order`, lowest first (the day's desk work before the back office's)."""

    def register(make: Maker) -> Maker:
        _REGISTRY.append(_Entry(permission, order, make))
        return make

    return register


def cards_for(user) -> list[Card]:
    """The user's cards, in order; a maker may return None (nothing to show) or several."""
    cards: list[Card] = []
    for entry in sorted(_REGISTRY, key=lambda e: e.order):
        if not has_permission(user, entry.permission):
            continue
        made = entry.make(user)
        if made is None:
            continue
        cards.extend([made] if isinstance(made, Card) else made)
    return cards
