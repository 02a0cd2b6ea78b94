"""What billing asks of the code sets: is a code real, what was it on a given day, and a
simple search. Reads the coding app's models directly (coding owns them).

A code is judged against the `CodeSetRelease` in force on the date of service,
never today's. `code_search` is the one place the superbill's search box goes
through (diagnoses by the coding app's ranked search).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from medoffice.billing.scrubber import CodeFacts, CodeStatus
from medoffice.coding import search as coding_search
from medoffice.coding.models import CodeSetRelease, CodeSystem, Icd10Code, Modifier, ProcedureCode

# CPT (5 digits; category II ends in F, III in T, PLA in U) or HCPCS Level II (letter + 4 digits).
PROCEDURE_PATTERN = re.compile(r"^(?:[0-9]{4}[0-9FTU]|[A-V][0-9]{4})$")
MODIFIER_PATTERN = re.compile(r"^[A-Z0-9]{2}$")


def is_procedure_form(code: str) -> bool:
    return bool(PROCEDURE_PATTERN.match(code))


def procedure_system(code: str) -> str:
    return CodeSystem.HCPCS if code[:1].isalpha() else CodeSystem.CPT


@dataclass(frozen=True)
class _Release:
    id: int
    version: str
    effective_from: date
    effective_until: date | None

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


class Releases:
    """The releases of each code set, read once per batch of look-ups."""

    def __init__(self) -> None:
        self._by_system: dict[str, list[_Release]] = defaultdict(list)
        for row in CodeSetRelease.objects.order_by("-effective_from").values(
            "id", "system", "version", "effective_from", "effective_until"
        ):
            system = row.pop("system")
            self._by_system[system].append(_Release(**row))

    def in_force(self, system: str, day: date) -> _Release | None:
        """The newest release covering `day` (a newer one overrides an open-ended older one)."""
        return next((r for r in self._by_system[system] if r.covers(day)), None)

    def of(self, system: str) -> list[_Release]:
        return self._by_system[system]


def _status_elsewhere(rows_by_release: dict, releases: list[_Release], current: _Release):
    """Why a code missing from the release in force is missing: removed, or not yet added."""
    later = [
        r for r in releases if r.effective_from > current.effective_from and r.id in rows_by_release
    ]
    earlier = [
        r for r in releases if r.effective_from < current.effective_from and r.id in rows_by_release
    ]  # noqa: E501
    if earlier:
        return CodeStatus.EXPIRED, rows_by_release[earlier[0].id], current.effective_from
    if later:
        first = min(later, key=lambda r: r.effective_from)
        return CodeStatus.NOT_YET_VALID, rows_by_release[first.id], first.effective_from
    return CodeStatus.UNKNOWN, None, None


class CodeBook:
    """Facts about many codes on many days, from two queries per code set.

    Used by the snapshot builder (one book per batch of encounters) and by the
    superbill services.
    """

    def __init__(self, *, icd10: Iterable[str] = (), procedures: Iterable[str] = ()) -> None:
        self.releases = Releases()
        self._icd: dict[str, dict[int, dict]] = defaultdict(dict)
        self._px: dict[str, dict[int, dict]] = defaultdict(dict)
        icd_codes = sorted(set(icd10))
        px_codes = sorted(set(procedures))
        for chunk in _chunks(icd_codes):
            for row in Icd10Code.objects.filter(code__in=chunk).values(
                "release_id", "code", "description", "billable", "sex", "age_min", "age_max"
            ):
                self._icd[row["code"]][row["release_id"]] = row
        for chunk in _chunks(px_codes):
            for row in ProcedureCode.objects.filter(code__in=chunk).values(
                "release_id", "code", "description", "effective_from", "terminated_on"
            ):
                self._px[row["code"]][row["release_id"]] = row

    def icd10(self, code: str, day: date) -> CodeFacts:
        current = self.releases.in_force(CodeSystem.ICD10CM, day)
        rows = self._icd.get(code, {})
        if current is None:
            return CodeFacts(CodeStatus.NO_RELEASE if rows else CodeStatus.UNKNOWN)
        row = rows.get(current.id)
        if row is None:
            status, other, changed = _status_elsewhere(
                rows, self.releases.of(CodeSystem.ICD10CM), current
            )
            return CodeFacts(
                status, description=other["description"] if other else "",
                release=current.version, changed_on=changed,
            )  # fmt: skip
        return CodeFacts(
            CodeStatus.VALID if row["billable"] else CodeStatus.NOT_BILLABLE,
            description=row["description"], release=current.version, sex=row["sex"],
            age_min=row["age_min"], age_max=row["age_max"],
        )  # fmt: skip

    def procedure(self, code: str, day: date) -> CodeFacts:
        system = procedure_system(code)
        rows = self._px.get(code, {})
        current = self.releases.in_force(system, day)
        if current is None:
            return CodeFacts(CodeStatus.NO_RELEASE if rows else CodeStatus.UNKNOWN)
        row = rows.get(current.id)
        if row is None:
            status, other, changed = _status_elsewhere(rows, self.releases.of(system), current)
            return CodeFacts(
                status, description=other["description"] if other else "",
                release=current.version, changed_on=changed,
            )  # fmt: skip
        if row["terminated_on"] and row["terminated_on"] < day:
            return CodeFacts(
                CodeStatus.EXPIRED, row["description"], current.version,
                changed_on=row["terminated_on"],
            )  # fmt: skip
        if row["effective_from"] and row["effective_from"] > day:
            return CodeFacts(
                CodeStatus.NOT_YET_VALID, row["description"], current.version,
                changed_on=row["effective_from"],
            )  # fmt: skip
        return CodeFacts(CodeStatus.VALID, row["description"], current.version)

    def icd10_known(self, code: str) -> bool:
        """In some release of ICD-10-CM (a code may be saved, then judged for its day)."""
        return bool(self._icd.get(code))

    def procedure_known(self, code: str) -> bool:
        return bool(self._px.get(code))

    def icd10_description(self, code: str, day: date) -> str:
        facts = self.icd10(code, day)
        if facts.description:
            return facts.description
        rows = self._icd.get(code, {})
        return next(iter(rows.values()))["description"] if rows else ""

    def procedure_description(self, code: str, day: date) -> str:
        facts = self.procedure(code, day)
        if facts.description:
            return facts.description
        rows = self._px.get(code, {})
        return next(iter(rows.values()))["description"] if rows else ""


def _chunks(values: list[str], size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def known_modifiers() -> frozenset[str]:
    return frozenset(Modifier.objects.filter(is_active=True).values_list("code", flat=True))


@dataclass(frozen=True)
class CodeHit:
    code: str  # as stored: E119, 99213
    shown: str  # as people read it: E11.9, 99213
    description: str
    billable: bool = True


def code_search(
    kind: str, query: str, *, day: date, practice_id: int, provider=None, limit: int = 15
) -> list[CodeHit]:
    """Codes of `kind` ("diagnosis" or "service") in force on `day` matching `query`.

    Diagnoses go through the coding app's ranked search (prefixes, words in any order,
    synonyms, typos; billable, the provider's favourites and the practice's usual
    first); services by code prefix or words of the descriptor.
    """
    text = query.strip()
    if len(text) < 2:
        return []
    if kind == "diagnosis":
        found = coding_search.code_search(
            practice_id=practice_id, query=text, limit=limit, on=day, provider=provider
        )
        return [
            CodeHit(h.entry.code, h.entry.display, h.entry.description, h.entry.billable)
            for h in found.hits
        ]
    releases = Releases()
    release_ids = [
        r.id
        for system in (CodeSystem.CPT, CodeSystem.HCPCS)
        if (r := releases.in_force(system, day)) is not None
    ]
    if not release_ids:
        return []
    words = Q()
    for word in text.split():
        words &= Q(description__icontains=word)
    found = (
        ProcedureCode.objects.filter(release_id__in=release_ids)
        .filter(Q(code__startswith=text.upper()) | words)
        .order_by("code")[:limit]
    )
    return [CodeHit(r.code, r.code, r.description) for r in found]
