"""Statuses of notes, dictations and amendment requests, and the moves allowed between them."""

from django.db import models


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    AMENDED = "amended", "Signed, amended"  # an accepted amendment request is linked to it


class DictationStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a transcriptionist"
    IN_PROGRESS = "in_progress", "Being transcribed"
    TRANSCRIBED = "transcribed", "Waiting for the clinician's review"
    SIGNED = "signed", "Signed"


class AmendmentStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    EXTENDED = "extended", "Extended 30 days"
    ACCEPTED = "accepted", "Accepted"
    DENIED = "denied", "Denied"


NOTE_TRANSITIONS = {
    NoteStatus.DRAFT: frozenset({NoteStatus.SIGNED}),
    NoteStatus.SIGNED: frozenset({NoteStatus.AMENDED}),
    NoteStatus.AMENDED: frozenset({NoteStatus.AMENDED}),
}
DICTATION_TRANSITIONS = {
    DictationStatus.QUEUED: frozenset({DictationStatus.IN_PROGRESS, DictationStatus.TRANSCRIBED}),
    DictationStatus.IN_PROGRESS: frozenset(
        {DictationStatus.IN_PROGRESS, DictationStatus.TRANSCRIBED, DictationStatus.QUEUED}
    ),
    DictationStatus.TRANSCRIBED: frozenset(
        {DictationStatus.TRANSCRIBED, DictationStatus.SIGNED, DictationStatus.IN_PROGRESS}
    ),
    DictationStatus.SIGNED: frozenset(),
}
AMENDMENT_TRANSITIONS = {
    AmendmentStatus.RECEIVED: frozenset(
        {AmendmentStatus.EXTENDED, AmendmentStatus.ACCEPTED, AmendmentStatus.DENIED}
    ),
    AmendmentStatus.EXTENDED: frozenset({AmendmentStatus.ACCEPTED, AmendmentStatus.DENIED}),
    AmendmentStatus.ACCEPTED: frozenset(),
    AmendmentStatus.DENIED: frozenset(),
}


def can_move(table: dict, current: str, new: str) -> bool:
    return new in table.get(current, frozenset())
