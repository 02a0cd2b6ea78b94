"""Name normalisation and the keys that make fuzzy patient search fast. Pure: no ORM.

Three keys are stored per patient and indexed:
- the normalised name (letters only, lower case) for prefix search;
- a phonetic key (Metaphone, via jellyfish) for names that sound alike;
- a skeleton (first letter + the other letters sorted) for transposed letters.
First names are first mapped to a canonical form through a nickname table,
so Bob finds Robert. Candidates found through any key are ranked by
Jaro-Winkler similarity (rapidfuzz).
"""

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jellyfish
from rapidfuzz.distance import JaroWinkler


def normalize(name: str) -> str:
    """'O'Brien-Smith ' -> 'obriensmith'; accents folded to ASCII."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if "a" <= ch <= "z")


def phonetic(normalized: str) -> str:
    return jellyfish.metaphone(normalized)[:20] if normalized else ""


def skeleton(normalized: str) -> str:
    return normalized[:1] + "".join(sorted(normalized[1:])) if normalized else ""


@cache
def _nickname_table() -> dict[str, tuple[str, ...]]:
    """Every name (canonical or nickname) -> the canonical names it may stand for."""
    table: dict[str, list[str]] = {}
    text = resources.files("medoffice.patients").joinpath("data/nicknames.txt").read_text()
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, _, variants = line.partition(":")
        for name in [canonical, *variants.split()]:
            table.setdefault(name.strip(), []).append(canonical.strip())
    return {name: tuple(dict.fromkeys(canonicals)) for name, canonicals in table.items()}


def canonical_first_names(normalized_first: str) -> tuple[str, ...]:
    """'bob' -> ('robert',); 'jon' -> ('john', 'jonathan'); unknown names stand for themselves."""
    return _nickname_table().get(normalized_first, (normalized_first,))


def nicknames_of(first_name: str) -> tuple[str, ...]:
    """Nicknames of a canonical first name in the table ('Robert' -> 'Bob', 'Bobby', ...)."""
    wanted = normalize(first_name)
    found = [
        name
        for name, canonicals in _nickname_table().items()
        if wanted in canonicals and name != wanted
    ]
    return tuple(sorted(name.title() for name in found))


def are_name_variants(first_a: str, first_b: str) -> bool:
    a, b = normalize(first_a), normalize(first_b)
    return a == b or bool(set(canonical_first_names(a)) & set(canonical_first_names(b)))


@dataclass(frozen=True)
class SearchKeys:
    search_last: str
    search_first: str
    last_key: str
    last_skeleton: str
    first_key: str


def search_keys(*, first_name: str, last_name: str) -> SearchKeys:
    last = normalize(last_name)
    first = normalize(first_name)
    return SearchKeys(
        search_last=last,
        search_first=first,
        last_key=phonetic(last),
        last_skeleton=skeleton(last),
        first_key=phonetic(canonical_first_names(first)[0]),
    )


def name_similarity(query_first: str, query_last: str, first: str, last: str) -> float:
    """0..1: how alike two (first, last) names are, allowing nicknames and swapped order."""
    qf, ql, f, lst = (
        normalize(query_first),
        normalize(query_last),
        normalize(first),
        normalize(last),
    )

    def first_score(a: str, b: str) -> float:
        if not a:
            return 1.0
        if are_name_variants(a, b) or b.startswith(a):
            return 1.0
        return JaroWinkler.similarity(a, b)

    def last_score(a: str, b: str) -> float:
        return JaroWinkler.similarity(a, b) if a else 1.0

    straight = 0.6 * last_score(ql, lst) + 0.4 * first_score(qf, f)
    swapped = 0.6 * last_score(qf, lst) + 0.4 * first_score(ql, f) - 0.05
    return max(straight, swapped)
