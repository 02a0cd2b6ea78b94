"""Eligibility check statuses and the moves allowed between them.

A check is pending from the moment its 270 exists until a 271 (or a failure) settles
it; a settled check never changes again: a new question is a new check, so the history
of what the payer said, and when, is kept whole.
"""

from django.db import models


class CheckStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the payer"
    ACTIVE = "active", "Active coverage"
    INACTIVE = "inactive", "Not active"
    REJECTED = "rejected", "Rejected by the payer"
    ERROR = "error", "Not answered"


S = CheckStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.ACTIVE, S.INACTIVE, S.REJECTED, S.ERROR}),
    S.ACTIVE: frozenset(),
    S.INACTIVE: frozenset(),
    S.REJECTED: frozenset(),
    S.ERROR: frozenset(),
}

SETTLED = (S.ACTIVE, S.INACTIVE, S.REJECTED, S.ERROR)


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
