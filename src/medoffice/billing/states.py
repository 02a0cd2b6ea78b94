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
