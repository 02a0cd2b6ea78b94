"""Pure decisions of the chart: amendment deadlines, what a chart lacks before a visit,
and what kind of audio a dictation is (by its bytes, never its name)."""

from dataclasses import dataclass
from datetime import date, timedelta

# 45 CFR 164.526(b)(2): act within 60 days of receipt; one extension of at most 30 days,
# with the reasons and the new date told to the patient in writing.
AMENDMENT_DAYS = 60
AMENDMENT_EXTENSION_DAYS = 30


def amendment_due(received_on: date) -> date:
    return received_on + timedelta(days=AMENDMENT_DAYS)


def amendment_extended_due(received_on: date) -> date:
    return received_on + timedelta(days=AMENDMENT_DAYS + AMENDMENT_EXTENSION_DAYS)


def is_overdue(due_on: date, today: date) -> bool:
    return today > due_on


# (name, offset, magic) and a check for container formats that need more than a prefix.
_AUDIO = (
    ("mp3", 0, b"ID3"),
    ("mp3", 0, b"\xff\xfb"),
    ("mp3", 0, b"\xff\xf3"),
    ("mp3", 0, b"\xff\xf2"),
    ("ogg", 0, b"OggS"),
    ("webm", 0, b"\x1a\x45\xdf\xa3"),
    ("flac", 0, b"fLaC"),
)
AUDIO_CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "webm": "audio/webm",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
}


def audio_kind(head: bytes) -> str | None:
    """The audio format of a file from its first bytes, or None when it is not audio we take."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"mp4", b"iso", b"MSN"):
        return "m4a"
    for name, offset, magic in _AUDIO:
        if head[offset : offset + len(magic)] == magic:
            return name
    return None


@dataclass(frozen=True)
class ChartFacts:
    """What pre-visit preparation knows about one patient, read in bulk by the selector."""

    unsigned_notes: int
    results_to_review: int
    has_active_coverage: bool
    coverage_expired: bool
    has_card_image: bool
    has_treatment_consent: bool
    has_privacy_notice: bool


def missing_items(facts: ChartFacts) -> list[str]:
    """The chart's gaps, worded for the front desk and medical assistants."""
    gaps = []
    if facts.unsigned_notes:
        gaps.append(f"{facts.unsigned_notes} unsigned note(s)")
    if facts.results_to_review:
        gaps.append(f"{facts.results_to_review} result(s) to review")
    if facts.coverage_expired:
        gaps.append("insurance expired by the visit date")
    elif not facts.has_active_coverage:
        gaps.append("no insurance on file")
    elif not facts.has_card_image:
        gaps.append("no insurance card image")
    if not facts.has_treatment_consent:
        gaps.append("consent to treat missing")
    if not facts.has_privacy_notice:
        gaps.append("privacy notice not acknowledged")
    return gaps


_HEADINGS = {
    "s": "subjective", "subjective": "subjective",
    "o": "objective", "objective": "objective",
    "a": "assessment", "assessment": "assessment",
    "p": "plan", "plan": "plan",
}  # fmt: skip


def soap_sections(text: str) -> dict[str, str]:
    """Split a transcript into SOAP sections at lines starting "S:", "Subjective:", ...;
    text before any heading (or with none at all) is the assessment."""
    sections = {"subjective": [], "objective": [], "assessment": [], "plan": []}
    current = "assessment"
    for line in text.splitlines():
        head, colon, rest = line.partition(":")
        key = _HEADINGS.get(head.strip().lower()) if colon else None
        if key:
            current = key
            line = rest.strip()
            if not line:
                continue
        sections[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}
