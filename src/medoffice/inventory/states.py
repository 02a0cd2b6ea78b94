"""Purchase order statuses and the moves allowed between them."""

from medoffice.inventory.models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.AWAITING_APPROVAL, S.APPROVED, S.CANCELLED}),
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.DRAFT, S.CANCELLED}),
    S.APPROVED: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.PARTIAL, S.RECEIVED, S.CANCELLED}),
    S.PARTIAL: frozenset({S.PARTIAL, S.RECEIVED, S.CLOSED}),
    S.RECEIVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Stock on its way (or about to be ordered: a draft keeps the suggestion from repeating).
OPEN = (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.SENT, S.PARTIAL)


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
