"""One search box: MRN, phone, date of birth, names (prefix and fuzzy), in any mix.

Every branch is an indexed lookup bounded by a LIMIT; fuzzy matches are
ranked in Python over at most a few hundred candidates. The UI, the API and
the benchmark call `patient_search`; `access.patient_search_for_user` adds
scope and the audit row.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from django.db.models import Q
from django.utils import timezone

from medoffice.core.sealing import member_id_index
from medoffice.patients.models import Patient, PatientStatus
from medoffice.patients.names import (
    canonical_first_names,
    name_similarity,
    normalize,
    phonetic,
    skeleton,
)

RESULT_FIELDS = (
    "id",
    "public_id",
    "mrn",
    "status",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "preferred_name",
    "dob",
    "sex_at_birth",
    "mobile_phone",
    "home_phone",
    "work_phone",
    "search_last",
    "search_first",
)
FUZZY_THRESHOLD = 0.86
_CANDIDATE_LIMIT = 300

_MRN_RE = re.compile(r"^(?=.*\d)[A-Za-z0-9-]{3,20}$")
_PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<m>\d{1,2})[/.-](?P<d>\d{1,2})[/.-](?P<y>\d{4})$"),
)


@dataclass(frozen=True)
class ParsedQuery:
    mrn: str = ""
    phone: str = ""
    dob: date | None = None
    words: tuple[str, ...] = ()
    comma: bool = False  # "last, first"


MODE_LABELS = {
    "mrn": "MRN",
    "member_id": "member id",
    "phone": "phone number",
    "dob": "date of birth",
    "name": "name",
    "name_dob": "name and date of birth",
    "empty": "nothing",
}


@dataclass
class SearchOutcome:
    mode: str
    results: list[Patient] = field(default_factory=list)
    # For a location-limited member of the emergency group: matches outside their
    # locations, whose charts they may open only by breaking the glass.
    outside: list[Patient] = field(default_factory=list)

    @property
    def label(self) -> str:
        return MODE_LABELS[self.mode]


def parse_query(text: str) -> ParsedQuery:
    """Read what the user typed: 'smith, jo 4/1/1980', '555-201-3344', '00012342'."""
    text = " ".join(text.split())[:200]
    if not text:
        return ParsedQuery()
    if _PHONE_RE.match(text):
        phone = to_e164(text)
        if phone:
            return ParsedQuery(phone=phone)
    if " " not in text and _MRN_RE.match(text) and parse_date(text) is None:
        return ParsedQuery(mrn=text.upper())
    dob = None
    words = []
    for piece in text.replace(",", " , ").split():
        parsed = parse_date(piece)
        if parsed is not None and dob is None:
            dob = parsed
        elif piece == "," or normalize(piece):
            words.append(piece)
    comma = "," in words
    names = tuple(normalize(w) for w in words if w != ",")
    return ParsedQuery(dob=dob, words=tuple(n for n in names if n), comma=comma)


def parse_date(token: str) -> date | None:
    for pattern in _DATE_FORMATS:
        match = pattern.match(token)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def to_e164(text: str, region: str = "US") -> str:
    """Any way of writing a valid phone number -> E.164, or '' when it is not one."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (letters a-z only)."""
    stripped = prefix.rstrip("z")
    if not stripped:
        return None
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


def _starts_with(column: str, prefix: str) -> Q:
    # A range, not LIKE: it uses the plain B-tree index on SQLite and PostgreSQL alike.
    upper = _prefix_upper_bound(prefix)
    condition = Q(**{f"{column}__gte": prefix})
    if upper is not None:
        condition &= Q(**{f"{column}__lt": upper})
    return condition


def _unscoped():
    """Active records, result columns only: every caller adds the practice itself."""
    return Patient.objects.exclude(status=PatientStatus.MERGED).only(*RESULT_FIELDS)


def _base(practice_id: int, *, include_merged: bool = False):
    patients = Patient.objects.filter(practice_id=practice_id).only(*RESULT_FIELDS)
    return patients if include_merged else patients.exclude(status=PatientStatus.MERGED)


def _each(querysets, limit: int) -> list[Patient]:
    """Run each query on its own and merge the rows, first seen first, without repeats.

    Not one query with OR: without statistics SQLite reads `practice_id = ? AND (a OR b)`
    by walking every patient of the practice through the practice_id prefix of some index
    (tens of milliseconds at 20,000 patients). Alone, each branch is a seek on its own
    (practice_id, column) index.
    """
    found: dict[int, Patient] = {}
    for queryset in querysets:
        for patient in queryset[:limit]:
            found.setdefault(patient.id, patient)
    return list(found.values())


def _by_name(patient: Patient):
    return (patient.search_last, patient.search_first, patient.dob)


def _name_orders(parsed: ParsedQuery) -> list[tuple[str, str]]:
    """(last, first) readings of the words: 'smith, john' is one; 'john smith' is two."""
    words = parsed.words
    if len(words) == 1:
        return [(words[0], "")]
    if parsed.comma:
        return [(words[0], words[1])]
    return [(words[-1], words[0]), (words[0], words[-1])]


def patient_search(*, practice_id: int, query: str, limit: int = 25) -> SearchOutcome:
    parsed = parse_query(query)
    if parsed.mrn:
        # A retired (merged) MRN still leads to its record, whose banner names the survivor.
        found = list(_base(practice_id, include_merged=True).filter(mrn=parsed.mrn)[:limit])
        if not found:
            # A member id: sealed at rest, so found by its keyed digest (AC-08).
            found = list(
                _base(practice_id)
                .filter(coverages__member_id_index=member_id_index(parsed.mrn))
                .distinct()[:limit]
            )
            if found:
                return SearchOutcome("member_id", found)
        return SearchOutcome("mrn", found)
    if parsed.phone:
        # One statement, the practice inside each arm: SQLite answers it with a MULTI-INDEX
        # OR over the three (practice_id, phone) indexes, and Django compiles it once.
        either = Q()
        for column in ("mobile_phone", "home_phone", "work_phone"):
            either |= Q(practice_id=practice_id, **{column: parsed.phone})
        found = sorted(
            _unscoped().filter(either)[:_CANDIDATE_LIMIT],
            key=lambda p: (p.last_name, p.first_name),
        )
        return SearchOutcome("phone", found[:limit])
    if not parsed.words:
        if parsed.dob is None:
            return SearchOutcome("empty")
        # Sorted here: with ORDER BY ... LIMIT, SQLite walks the name index instead of pt_dob.
        found = sorted(_base(practice_id).filter(dob=parsed.dob)[:_CANDIDATE_LIMIT], key=_by_name)
        return SearchOutcome("dob", found[:limit])
    if parsed.dob is not None:
        return SearchOutcome("name_dob", _name_and_dob(practice_id, parsed, limit))
    found = _name_prefix(practice_id, parsed, limit)
    if len(found) >= limit or len("".join(parsed.words)) < 3:
        return SearchOutcome("name", found)
    return SearchOutcome(
        "name", found + _name_fuzzy(practice_id, parsed, limit - len(found), found)
    )


def _name_prefix(practice_id: int, parsed: ParsedQuery, limit: int) -> list[Patient]:
    readings = []
    for last, first in _name_orders(parsed):
        reading = _starts_with("search_last", last)
        if first:
            reading &= _starts_with("search_first", first)
        readings.append(
            _base(practice_id).filter(reading).order_by("search_last", "search_first", "dob")
        )
    return sorted(_each(readings, limit), key=_by_name)[:limit]


def _rank(candidates, parsed: ParsedQuery, exclude: set[int], limit: int) -> list[Patient]:
    scored = []
    for patient in candidates:
        if patient.id in exclude:
            continue
        score = max(
            name_similarity(first, last, patient.first_name, patient.last_name)
            for last, first in _name_orders(parsed)
        )
        if score >= FUZZY_THRESHOLD:
            scored.append((score, patient))
    scored.sort(key=lambda pair: (-pair[0], pair[1].last_name, pair[1].first_name))
    return [patient for _, patient in scored[:limit]]


def _name_and_dob(practice_id: int, parsed: ParsedQuery, limit: int) -> list[Patient]:
    """Everyone born that day, ranked by name likeness: any typo is forgiven."""
    candidates = _base(practice_id).filter(dob=parsed.dob)[:_CANDIDATE_LIMIT]
    return _rank(candidates, parsed, set(), limit)


def _name_fuzzy(practice_id: int, parsed: ParsedQuery, limit: int, already) -> list[Patient]:
    branches = []
    for last, first in _name_orders(parsed):
        for by_last in (Q(last_key=phonetic(last)), Q(last_skeleton=skeleton(last))):
            if first:
                first_keys = {phonetic(name) for name in canonical_first_names(first)}
                by_last &= Q(first_key__in=sorted(first_keys))
            branches.append(_base(practice_id).filter(by_last))
    candidates = _each(branches, _CANDIDATE_LIMIT)
    return _rank(candidates, parsed, {p.id for p in already}, limit)


def age_on(dob: date, day: date | None = None) -> int:
    day = day or timezone.localdate()
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
