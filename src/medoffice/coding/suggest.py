"""ICD-10-CM suggestions from free text (an assessment, a chief complaint): lexical ranking.

The text is cut into segments (sentences, and the pieces between commas), filler
words ("pt", "presents", "f/u") are dropped, and a negated stretch ("denies chest
pain", "no fever", "r/o strep") is left out, as outpatient coding codes neither
negatives nor unconfirmed diagnoses. Each segment's words become units through the
same index, synonym table and typo handling as the search box (search.py).

A billable code's score for a segment is how much of the segment it explains and
how much of its title the segment explains:

    recall   = weight of the units it matches / weight of all units (rare words weigh
               more: inverse document frequency; a typo or inclusion-term match 0.8)
    coverage = title words matched / title words
    score    = 0.95 * recall * (0.6 + 0.4 * coverage), plus up to 0.05 for codes
               this practice bills often (a piece cut off by commas weighs less)

A code keeps its best score over the segments; the answer lists each code with
the words that matched. No model, no download: an embedding re-ranker could
reorder these candidates later without changing the interface.
"""

import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from medoffice.coding.search import CodeIndex, Unit, word_set, words_of

FILLER = word_set(
    """pt patient patients presents presenting present c o complains complaining complaint
    reports reported reporting states stated today visit follow up fu f u seen here year years
    old yo y male female man woman boy girl assessment plan dx diagnosis diagnosed impression
    likely probable possible suspected consistent also continue continued start started stable
    well doing noted since yesterday ago day days week weeks month months x has had have been
    was were being his her he she they their on off taking meds medication medications rx
    cc chief hpi"""
)
NEGATIONS = frozenset({"no", "denies", "denied", "deny", "negative", "neg", "not", "never", "ro"})
# Sentence ends, but not the point of a number ("A1c 9.1").
_SEGMENT_RE = re.compile(r"(?<!\d)\.|\.(?!\d)|[;:\n!?]+")
_COMMA_RE = re.compile(r",")
WEAK_MATCH = 0.8
COMMON_SHARE = 0.05  # a unit in more than 5% of codes does not bring candidates by itself


@dataclass(frozen=True)
class Suggestion:
    code: str
    display: str
    description: str
    score: float
    matched: tuple[str, ...]


def _clean(segment: str) -> str:
    """Drop filler words and everything after a negation cue ('r/o' counts as one)."""
    segment = re.sub(r"\br\s*/\s*o\b", " ro ", segment, flags=re.IGNORECASE)
    segment = re.sub(r"\bf\s*/\s*u\b", " fu ", segment, flags=re.IGNORECASE)
    segment = re.sub(r"\bc\s*/\s*o\b", " co ", segment, flags=re.IGNORECASE)
    kept = []
    for word in words_of(segment):
        if word in NEGATIONS or (word == "rule" and "out" in segment.lower()):
            break
        if word not in FILLER and word != "co":
            kept.append(word)
    return " ".join(kept)


def segments_of(text: str) -> list[tuple[str, str]]:
    """(segment, its sentence): each sentence, and the comma-separated pieces of a
    sentence that holds several (each piece also knows its whole sentence)."""
    found: list[tuple[str, str]] = []
    for sentence in _SEGMENT_RE.split(text):
        pieces = [p for p in (_clean(p) for p in _COMMA_RE.split(sentence)) if p]
        whole = " ".join(pieces)
        if whole:
            found.append((whole, whole))
        if len(pieces) > 1:
            found.extend((p, whole) for p in pieces)
    return found


def _weight(index: CodeIndex, unit: Unit) -> float:
    share = max(len(unit.any), 1) / max(index.size, 1)
    return math.log(1 + 1 / share)


def _score_segment(
    index: CodeIndex, units: Sequence[Unit], usage: dict[int, int], share: float = 1.0
) -> dict[int, tuple[float, tuple[str, ...]]]:
    """Scores of the billable codes one segment brings; `share`: the segment's weight as
    a part of its sentence's (a short piece cut off by a comma counts for less)."""
    weights = [_weight(index, u) for u in units]
    total = sum(weights)
    if not units or total <= 0:
        return {}
    common = COMMON_SHARE * index.size
    seeds = [u for u in units if 0 < len(u.any) <= common]
    if not seeds:
        seeds = [min((u for u in units if u.any), key=lambda u: len(u.any), default=units[0])]
    candidates: set[int] = set()
    for unit in seeds:
        candidates |= unit.any
    candidates &= index.billable
    scores: dict[int, tuple[float, tuple[str, ...]]] = {}
    for i in candidates:
        got = 0.0
        in_title = 0
        matched = []
        for unit, weight in zip(units, weights, strict=True):
            if i in unit.strong:
                # The words as typed (not only a synonym of them) weigh a little more.
                got += weight if i in unit.literal else weight * 0.95
                in_title += unit.title_words(i)
                matched.append(unit.said)
            elif i in unit.any:
                got += weight * WEAK_MATCH
                matched.append(unit.said)
        recall = got / total
        coverage = min(1.0, in_title / max(index.title_length[i], 1))
        bonus = 0.05 * min(1.0, math.log1p(usage.get(i, 0)) / math.log(100)) if usage else 0.0
        text_score = recall * (0.6 + 0.4 * coverage) * share**0.5
        scores[i] = (0.95 * text_score + bonus, tuple(matched))
    return scores


def suggest(
    index: CodeIndex, text: str, *, limit: int = 10, usage: dict[int, int] | None = None
) -> list[Suggestion]:
    """Ranked billable ICD-10-CM candidates for free text, with the words that matched."""
    usage = usage or {}
    best: dict[int, tuple[float, tuple[str, ...]]] = {}
    sentence_weight: dict[str, float] = {}
    for segment, sentence in segments_of(text[:5000]):
        units = [u for u in index.units(segment, open_ended=False, stems=True) if u.any]
        weight = sum(_weight(index, u) for u in units)
        if segment == sentence:
            sentence_weight[sentence] = weight
        whole = sentence_weight.get(sentence)
        share = min(1.0, weight / whole) if whole else 1.0
        for i, (score, matched) in _score_segment(index, units, usage, share).items():
            if i not in best or score > best[i][0]:
                best[i] = (score, matched)
    top = heapq.nsmallest(
        limit, best.items(), key=lambda item: (-item[1][0], index.text_rank[item[0]])
    )
    return [
        Suggestion(
            code=index.entries[i].code,
            display=index.entries[i].display,
            description=index.entries[i].description,
            score=round(score, 3),
            matched=matched,
        )
        for i, (score, matched) in top
    ]


def code_suggest(*, practice_id: int, text: str, limit: int = 10, on=None):
    """Suggestions from the ICD-10-CM release in force on `on` (default today)."""
    from django.utils import timezone

    from medoffice.coding.models import CodeSystem
    from medoffice.coding.search import SearchOutcome, _usage_counts, index_for
    from medoffice.coding.selectors import release_in_force

    on = on or timezone.localdate()
    release = release_in_force(CodeSystem.ICD10CM, on)
    if release is None:
        return SearchOutcome(None, [], f"No ICD-10-CM release is loaded for {on.isoformat()}.")
    index = index_for(release)
    usage = {
        index.position[c]: n
        for c, n in _usage_counts(practice_id=practice_id, system=CodeSystem.ICD10CM).items()
        if c in index.position
    }
    return SearchOutcome(release, suggest(index, text, limit=limit, usage=usage))
