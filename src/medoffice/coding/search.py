"""Code search from one box: code prefixes, words in any order, synonyms, typos.

    E11            every code under E11 (billable ones first)
    type 2 diab    words in any order; the last word may be unfinished
    heart attack   the synonym table (synonyms.py) adds "myocardial infarction"
    diabtes        a typo: words one or two edits away (RapidFuzz, OSA distance)
    E11 kidney     a code prefix and words together

Ranking: codes whose titles hold every word come before those that match only
through an inclusion term or a typo; then the provider's (and specialty's)
favourites; then billable codes; then how often this practice has billed the
code (CodeUsage); then the shorter title and the shorter code (the general code
before its many specific siblings).

Why an in-process inverted index and not SQL: the box must answer in under 30 ms
at the 50th percentile over the ~98,000 ICD-10-CM codes (74,700 billable), on
SQLite and PostgreSQL alike. Words in any order, prefixes of any word and typo
tolerance would need FTS5 on one database and tsvector plus pg_trgm on the
other, each with its own ranking; a LIKE '%word%' scan takes hundreds of ms.
A code set is reference data that never changes once loaded (a new year is a new
release), so each process builds one index per release the first time it is
searched (about 2 s) and keeps it: word -> set of code positions, a sorted list
of the codes for prefixes, and the vocabulary per first letter for typos. Memory
is ~100 MB per process for ICD-10-CM. Nothing is shared between processes: every
process reads the same release rows, so every process answers the same. Only the
favourites and usage counts (which change) are read from the database per query.
"""

import bisect
import heapq
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import process
from rapidfuzz.distance import OSA

from medoffice.coding.synonyms import SYNONYMS

# Title words that say nothing about the condition: left out of a title's length when
# judging how much of it a text explains ("Urinary tract infection, site not specified").


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


UNINFORMATIVE = word_set("unspecified specified not other site elsewhere classified encounter")
STOP_WORDS = word_set(
    "a an and are as at be by for from in into is it its of on or the to with without w wo nos"
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_PARENTHESES = re.compile(r"\([^)]*\)")
ICD10_QUERY_CODE_RE = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z.]{0,6}$")
PROCEDURE_QUERY_CODE_RE = re.compile(r"^(?:[A-Va-v][0-9]{1,4}|[0-9]{2,4}[0-9FTUftu]?)$")
MAX_PREFIX_WORDS = 200
MAX_SYNONYM_WORDS = 4


def stem(word: str) -> str:
    """A light plural folding, the same for titles and queries: 'fractures' -> 'fracture'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words_of(text: str) -> list[str]:
    """Lower-case words without apostrophes ("Crohn's" -> "crohns"), stop words kept."""
    return _TOKEN_RE.findall(text.lower().replace("'", "").replace("\u2019", ""))


def terms_of(text: str) -> list[str]:
    """Index terms: words minus stop words, plural-folded."""
    return [stem(w) for w in words_of(text) if w not in STOP_WORDS]


def _synonym_table() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for said, written in SYNONYMS.items():
        key = tuple(terms_of(said))
        if key:
            table[key] = tuple(tuple(terms_of(w)) for w in written if terms_of(w))
    return table


SYNONYM_TABLE = _synonym_table()


@dataclass(frozen=True)
class Entry:
    code: str  # as stored: "E119", "99213"
    display: str  # as read: "E11.9"
    description: str
    billable: bool = True
    extra: str = ""  # inclusion terms and includes notes: matched, ranked lower


@dataclass
class Unit:
    """One thing the user asked for: a word, or a phrase the synonym table knows."""

    said: str  # the words as typed
    strong: set[int] = field(default_factory=set)  # in the title: exact, prefix or synonym
    any: set[int] = field(default_factory=set)  # also inclusion terms and typos
    literal: set[int] = field(default_factory=set)  # the typed words themselves (no synonym)
    # (title words, codes) per reading of a phrase: how much of a title the unit explains.
    readings: list[tuple[int, set[int]]] = field(default_factory=list)

    def title_words(self, position: int) -> int:
        return next((n for n, codes in self.readings if position in codes), 1)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    position: int
    exact: bool  # every word found in the title (not only via a typo or an inclusion term)
    favorite: bool = False
    usage: int = 0


class CodeIndex:
    """An inverted index over one release's codes. Pure Python: no database."""

    def __init__(self, entries: Iterable[Entry], *, code_pattern: re.Pattern = ICD10_QUERY_CODE_RE):
        self.entries: list[Entry] = sorted(entries, key=lambda e: e.code)
        self.codes: list[str] = [e.code for e in self.entries]
        self.position: dict[str, int] = {c: i for i, c in enumerate(self.codes)}
        self.size = len(self.entries)
        self.code_pattern = code_pattern
        title: dict[str, list[int]] = {}
        extra: dict[str, list[int]] = {}
        self.title_length: list[int] = []
        base: list[float] = []
        for i, entry in enumerate(self.entries):
            terms = set(terms_of(entry.description))
            # Words in parentheses are nonessential modifiers in ICD-10-CM titles:
            # "Essential (primary) hypertension" is about two words long.
            essential = set(terms_of(_PARENTHESES.sub(" ", entry.description)))
            self.title_length.append(len(essential - UNINFORMATIVE))
            base.append(len(essential) - 1.5 * ("unspecified" in terms) + 0.5 * ("other" in terms))
            for term in terms:
                title.setdefault(term, []).append(i)
            for term in set(terms_of(entry.extra)) - terms:
                extra.setdefault(term, []).append(i)
        self.title: dict[str, frozenset[int]] = {t: frozenset(ids) for t, ids in title.items()}
        self.extra: dict[str, frozenset[int]] = {t: frozenset(ids) for t, ids in extra.items()}
        self.vocabulary: list[str] = sorted(self.title.keys() | self.extra.keys())
        self._by_letter: dict[str, list[str]] = {}
        for word in self.vocabulary:
            self._by_letter.setdefault(word[0], []).append(word)
        self.billable: frozenset[int] = frozenset(
            i for i, e in enumerate(self.entries) if e.billable
        )
        generality = [self._generality(i, base) for i in range(self.size)]
        # Static orders: billable first, then general titles and short codes; or code order.
        text_order = sorted(
            range(self.size),
            key=lambda i: (not self.entries[i].billable, generality[i], len(self.codes[i]), i),
        )
        code_order = sorted(
            range(self.size), key=lambda i: (not self.entries[i].billable, len(self.codes[i]), i)
        )
        self.text_rank = [0] * self.size
        self.code_rank = [0] * self.size
        for rank, i in enumerate(text_order):
            self.text_rank[i] = rank
        for rank, i in enumerate(code_order):
            self.code_rank[i] = rank

    def _generality(self, i: int, base: list[float]) -> float:
        """Lower for the code a bare word most likely means: a short title, "unspecified"
        rather than "other"; a seven-character code (S72.001A) takes its parent's title, so
        that its encounter letter (A, D, S) does not push it behind shorter titles."""
        code = self.codes[i]
        if len(code) == 7:
            parent = code[:6]
            while parent and parent not in self.position:
                parent = parent[:-1]
            if parent:
                return base[self.position[parent]]
        return base[i]

    # --- term lookups ---

    def _both(self, term: str) -> tuple[frozenset[int], frozenset[int]]:
        empty: frozenset[int] = frozenset()
        return self.title.get(term, empty), self.extra.get(term, empty)

    def document_frequency(self, term: str) -> int:
        title, extra = self._both(term)
        return len(title) + len(extra)

    def prefix_words(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self.vocabulary, prefix)
        found = []
        for word in self.vocabulary[start : start + MAX_PREFIX_WORDS]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def typo_words(self, term: str) -> list[str]:
        """Vocabulary words one (5-7 letters) or two (8+) edits away, same first letter."""
        if len(term) < 5 or term[0].isdigit():
            return []
        limit = 1 if len(term) < 8 else 2
        choices = self._by_letter.get(term[0], [])
        matches = process.extract(term, choices, scorer=OSA.distance, score_cutoff=limit, limit=8)
        return [word for word, _score, _i in matches]

    def code_prefix(self, text: str) -> range:
        prefix = text.upper().replace(".", "")
        lo = bisect.bisect_left(self.codes, prefix)
        hi = bisect.bisect_left(self.codes, prefix + "\uffff")
        return range(lo, hi)

    def _word_unit(
        self, term: str, said: str, *, open_ended: bool, typos: bool = True, prefixes: bool = True
    ) -> Unit:
        """One typed word: the word, words it begins (if unknown or still being typed), and
        failing both, words a typo away."""
        title, extra = self._both(term)
        unit = Unit(said=said, strong=set(title), any=set(title | extra))
        if prefixes and (open_ended or not (title or extra)) and len(term) >= 2:
            for word in self.prefix_words(term):
                if word != term:
                    t, e = self._both(word)
                    unit.strong |= t
                    unit.any |= t | e
        unit.literal = set(unit.any)
        if not unit.any and typos:
            for word in self.typo_words(term):
                t, e = self._both(word)
                unit.any |= t | e
        return unit

    def _phrase_sets(self, terms: tuple[str, ...]) -> tuple[set[int], set[int]]:
        """(in the title, anywhere) for codes holding every word of a phrase."""
        strong: set[int] | None = None
        every: set[int] | None = None
        for term in terms:
            title, extra = self._both(term)
            strong = set(title) if strong is None else strong & title
            every = set(title | extra) if every is None else every & (title | extra)
        return strong or set(), every or set()

    # --- parsing a query into units ---

    def units(
        self, text: str, *, open_ended: bool = True, typos: bool = True, stems: bool = False
    ) -> list[Unit]:
        """Split what was typed into units. `open_ended`: the last word may be unfinished;
        `stems`: every word of 6+ letters also stands for longer words it begins
        ("hypothyroid" -> "hypothyroidism"), as suggestions from notes want."""
        units: list[Unit] = []
        words: list[tuple[str, str]] = []  # (term, as typed)
        for piece in text.split():
            if self.code_pattern.match(piece):
                span = self.code_prefix(piece)
                if len(span):
                    positions = set(span)
                    unit = Unit(piece, positions, set(positions), set(positions))
                    if piece.isalnum():
                        # "b12" may be a word too (vitamin B12): either reading counts.
                        title, extra = self._both(piece.lower())
                        unit.strong |= title
                        unit.any |= title | extra
                        unit.literal |= title | extra
                    units.append(unit)
                    continue
            for word in words_of(piece):
                if word not in STOP_WORDS:
                    words.append((stem(word), word))
        i = 0
        last = len(words) - 1
        while i < len(words):
            for n in range(min(MAX_SYNONYM_WORDS, len(words) - i), 0, -1):
                key = tuple(t for t, _ in words[i : i + n])
                if key not in SYNONYM_TABLE:
                    continue
                said = " ".join(w for _, w in words[i : i + n])
                if n == 1:
                    unit = self._word_unit(
                        key[0], said, open_ended=False, typos=False, prefixes=False
                    )
                else:
                    strong, every = self._phrase_sets(key)
                    unit = Unit(said, strong, every, set(every), [(n, strong)])
                for written in SYNONYM_TABLE[key]:
                    strong, every = self._phrase_sets(written)
                    unit.strong |= strong
                    unit.any |= every
                    unit.readings.append((len(written), strong))
                units.append(unit)
                i += n
                break
            else:
                term, said = words[i]
                unit = self._word_unit(
                    term,
                    said,
                    open_ended=(open_ended and i == last) or (stems and len(term) >= 6),
                    typos=typos,
                )
                units.append(unit)
                i += 1
        return units

    # --- search ---

    def search(
        self,
        text: str,
        *,
        limit: int = 20,
        favorites: Iterable[int] = (),
        usage: dict[int, int] | None = None,
    ) -> list[Hit]:
        usage = usage or {}
        favorites = set(favorites)
        units = self.units(text)
        if not units or limit <= 0:
            return []
        code_query = all(self.code_pattern.match(u.said) for u in units)
        rank = self.code_rank if code_query else self.text_rank
        strict = _intersect([u.strong for u in units])
        loose = _intersect([u.any for u in units])
        literal = _intersect([u.literal for u in units])
        tiers: list[tuple[set[int], bool]] = [(strict, True), (loose - strict, False)]
        if not loose and len(units) > 1:
            tiers.append((_best_partial(units), False))
        boost = favorites | usage.keys()
        hits: list[Hit] = []
        for candidates, exact in tiers:
            wanted = limit - len(hits)
            if wanted <= 0:
                break
            pool = list(candidates & boost)
            plain = candidates - boost
            billable = plain & self.billable
            for group in (billable & literal, billable - literal):
                pool += heapq.nsmallest(wanted, group, key=rank.__getitem__)
            if len(billable) < wanted:
                rest = plain - billable
                for group in (rest & literal, rest - literal):
                    pool += heapq.nsmallest(wanted, group, key=rank.__getitem__)
            pool.sort(
                key=lambda i: (
                    i not in favorites,
                    i not in self.billable,
                    -usage.get(i, 0),
                    i not in literal,
                    rank[i],
                )
            )
            for i in pool[:wanted]:
                hits.append(Hit(self.entries[i], i, exact, i in favorites, usage.get(i, 0)))
        return hits


def _intersect(sets: Sequence[set[int]]) -> set[int]:
    if not sets:
        return set()
    ordered = sorted(sets, key=len)
    result = set(ordered[0])
    for other in ordered[1:]:
        result &= other
        if not result:
            break
    return result


def _best_partial(units: Sequence[Unit]) -> set[int]:
    """When no code matches every word: the codes matching the most of them."""
    counts: Counter[int] = Counter()
    for unit in units:
        counts.update(unit.any)
    if not counts:
        return set()
    best = max(counts.values())
    return {i for i, n in counts.items() if n == best}


# --- The indexes of the database's releases, one per release per process ---

_cache: dict[tuple, CodeIndex] = {}
_lock = threading.Lock()
_KEEP = 4


def _extra_terms(notes: dict | None) -> str:
    """The words of a code's includes notes and inclusion terms (searched, ranked lower)."""
    notes = notes or {}
    return " ".join(notes.get("includes", []) + notes.get("inclusion_terms", []))


def _entries_for(release) -> list[Entry]:
    from medoffice.coding.loaders import dotted
    from medoffice.coding.models import CodeSystem, Icd10Code, ProcedureCode

    if release.system == CodeSystem.ICD10CM:
        rows = Icd10Code.objects.filter(release=release).values_list(
            "code", "description", "billable", "notes"
        )
        return [
            Entry(
                code=code,
                display=dotted(code),
                description=description,
                billable=billable,
                extra=_extra_terms(notes),
            )
            for code, description, billable, notes in rows.iterator(chunk_size=5000)
        ]
    rows = ProcedureCode.objects.filter(release=release).values_list(
        "code", "description", "long_description"
    )
    return [
        Entry(code=code, display=code, description=description, billable=True, extra=long)
        for code, description, long in rows.iterator(chunk_size=5000)
    ]


def index_for(release) -> CodeIndex:
    """The index of one loaded release, built on first use and kept by this process."""
    from medoffice.coding.models import CodeSystem

    key = (release.pk, release.system, release.version, release.loaded_at)
    index = _cache.get(key)
    if index is not None:
        return index
    with _lock:
        index = _cache.get(key)
        if index is None:
            pattern = (
                ICD10_QUERY_CODE_RE
                if release.system == CodeSystem.ICD10CM
                else PROCEDURE_QUERY_CODE_RE
            )
            index = CodeIndex(_entries_for(release), code_pattern=pattern)
            while len(_cache) >= _KEEP:
                _cache.pop(next(iter(_cache)))
            _cache[key] = index
    return index


@dataclass
class SearchOutcome:
    release: object | None
    hits: list[Hit]
    detail: str = ""


def _favorite_codes(*, practice_id: int, system: str, provider) -> set[str]:
    from django.db.models import Q

    from medoffice.coding.models import FavoriteCode

    if provider is None:
        return set()
    mine = Q(provider=provider)
    if provider.specialty:
        mine |= Q(provider__isnull=True, specialty__iexact=provider.specialty)
    return set(
        FavoriteCode.objects.filter(mine, practice_id=practice_id, system=system).values_list(
            "code", flat=True
        )
    )


def _usage_counts(*, practice_id: int, system: str) -> dict[str, int]:
    from medoffice.coding.models import CodeUsage

    rows = (
        CodeUsage.objects.filter(practice_id=practice_id, system=system, count__gt=0)
        .order_by("-count")
        .values_list("code", "count")[:5000]
    )
    return dict(rows)


def code_search(
    *,
    practice_id: int,
    query: str,
    limit: int = 20,
    on: date | None = None,
    provider=None,
    system: str = "icd10cm",
) -> SearchOutcome:
    """Search the release in force on `on` (default: today) the way the UI, API and CLI do."""
    from django.utils import timezone

    from medoffice.coding.models import CodeSystem
    from medoffice.coding.selectors import release_in_force

    on = on or timezone.localdate()
    release = release_in_force(system, on)
    if release is None:
        label = CodeSystem(system).label
        return SearchOutcome(None, [], f"No {label} release is loaded for {on.isoformat()}.")
    index = index_for(release)
    favorites = {
        index.position[c]
        for c in _favorite_codes(practice_id=practice_id, system=system, provider=provider)
        if c in index.position
    }
    usage = {
        index.position[c]: n
        for c, n in _usage_counts(practice_id=practice_id, system=system).items()
        if c in index.position
    }
    hits = index.search(query, limit=limit, favorites=favorites, usage=usage)
    return SearchOutcome(release, hits)
