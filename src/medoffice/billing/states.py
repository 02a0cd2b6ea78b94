"""Encounter statuses and the moves allowed between them."""

from django.db import models


class EncounterStatus(models.TextChoices):
    OPEN = "open", "Open"
    SIGNED = "signed", "Signed"
    AMENDED = "amended", "Signed, corrected"
    VOID = "void", "Void"


S = EncounterStatus

# from -> the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.SIGNED, S.VOID}),  # void: the check-in was undone before any coding
    S.SIGNED: frozenset({S.AMENDED}),
    S.AMENDED: frozenset({S.AMENDED}),  # each correction is a new version
    S.VOID: frozenset({S.OPEN}),  # checked in again
}

# Encounters a coder works on: signed, not yet claimed.
READY_TO_CODE = (S.SIGNED, S.AMENDED)


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


class ClaimStatus(models.TextChoices):
    """Where a claim stands, from its making to its close (docs/billing.md)."""

    DRAFT = "draft", "Draft"
    SCRUBBED = "scrubbed", "Scrubbed"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    ACCEPTED_CLEARINGHOUSE = "accepted_ch", "Accepted by clearinghouse"
    ACCEPTED_PAYER = "accepted_payer", "Accepted by payer"
    REJECTED = "rejected", "Rejected"
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    DENIED = "denied", "Denied"
    APPEALED = "appealed", "Appealed"
    CLOSED = "closed", "Closed"


C = ClaimStatus
# What the payer may say about a claim once it has it (277 or 835).
_ADJUDICATED = frozenset({C.PAID, C.PARTIALLY_PAID, C.DENIED})
_PAYER_SAYS = frozenset({C.ACCEPTED_PAYER, C.PENDING, C.REJECTED}) | _ADJUDICATED

# from -> the statuses it may move to
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    C.DRAFT: frozenset({C.SCRUBBED, C.CLOSED}),
    C.SCRUBBED: frozenset({C.QUEUED, C.DRAFT, C.CLOSED}),
    C.QUEUED: frozenset({C.SENT, C.DRAFT, C.SCRUBBED}),
    # An 835 may come before any 277CA: a sent claim may be adjudicated at once.
    C.SENT: frozenset({C.ACCEPTED_CLEARINGHOUSE, C.REJECTED}) | _PAYER_SAYS,
    # Closed: replaced or voided by a correction (7/8) while the payer has it.
    C.ACCEPTED_CLEARINGHOUSE: _PAYER_SAYS | {C.CLOSED},
    C.ACCEPTED_PAYER: (_PAYER_SAYS - {C.ACCEPTED_PAYER}) | {C.CLOSED},
    C.PENDING: _PAYER_SAYS | {C.CLOSED},  # a pending claim may stay pending (a new 277)
    # Fixed and sent again, re-scrubbed after a change, or given up.
    C.REJECTED: frozenset({C.DRAFT, C.SCRUBBED, C.QUEUED, C.CLOSED}),
    # Reversals and corrections (835 CLP status 22) move an adjudicated claim again.
    C.PAID: frozenset({C.PARTIALLY_PAID, C.DENIED, C.CLOSED}),
    C.PARTIALLY_PAID: frozenset({C.PAID, C.DENIED, C.APPEALED, C.CLOSED}),
    C.DENIED: frozenset({C.PAID, C.PARTIALLY_PAID, C.APPEALED, C.CLOSED}),
    C.APPEALED: _ADJUDICATED | frozenset({C.PENDING, C.CLOSED}),
    C.CLOSED: frozenset(),
}

# A claim in one of these may be sent (again): made clean, or fixed after a rejection.
CLAIM_SENDABLE = (C.SCRUBBED, C.QUEUED)
# The payer has (or had) the claim: a correction is a replacement (7) or a void (8).
CLAIM_AT_PAYER = (
    C.ACCEPTED_CLEARINGHOUSE, C.ACCEPTED_PAYER, C.PENDING, C.PAID, C.PARTIALLY_PAID, C.DENIED,
    C.APPEALED,
)  # fmt: skip
# Still open: not closed, not replaced.
CLAIM_OPEN = tuple(s for s in C if s != C.CLOSED)


def claim_can_move(current: str, new: str) -> bool:
    return new in CLAIM_TRANSITIONS.get(current, frozenset())


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # made, waiting to go (or to be retried)
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"  # 999 AK9*A
    PARTIAL = "partial", "Partly accepted"  # 999 AK9*P or E
    REJECTED = "rejected", "Rejected"  # 999 AK9*R
