"""The claim scrubber: rules run on an encounter before it can become a claim.

Pure: every rule reads a plain `EncounterSnapshot` (built by
`selectors.encounter_snapshots` from the database) and returns `Issue`s. No
ORM, no request, no clock: "today" is in the snapshot. Each rule has a stable
code, a severity (an error blocks the claim, a warning informs), and each issue
says in plain language what is wrong and which field to fix. A practice can
switch rules off per payer (`PayerRules.rules_off`); the codes are listed in
docs/billing.md.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from medoffice.coding.loaders import dotted

MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4
LETTERS = "ABCDEFGHIJKL"
TELEHEALTH_PLACES = frozenset({"02", "10"})
# Modifiers that say a service was given by audio-video or audio only.
TELEHEALTH_MODIFIERS = frozenset({"95", "GT", "GQ", "FQ", "93"})
# NCCI-associated modifiers: with one of them a PTP pair of indicator 1 may be billed.
NCCI_MODIFIERS = frozenset(
    {"24", "25", "27", "57", "58", "59", "78", "79", "91", "XE", "XP", "XS", "XU",
     "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
     "LC", "LD", "LM", "LT", "RC", "RI", "RT", "TA", "T1", "T2", "T3", "T4", "T5", "T6",
     "T7", "T8", "T9"}
)  # fmt: skip
FILING_SOON_DAYS = 30


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class CodeStatus(StrEnum):
    """What the code sets say about a code on the date of service."""

    VALID = "valid"
    NOT_BILLABLE = "not_billable"  # ICD-10-CM: a category or subcategory, not a leaf
    EXPIRED = "expired"  # in an earlier release, not in the one in force (or terminated)
    NOT_YET_VALID = "not_yet_valid"  # only in a later release (or effective later)
    UNKNOWN = "unknown"  # in no release at all
    NO_RELEASE = "no_release"  # no release of that code set is in force on the day


@dataclass(frozen=True)
class CodeFacts:
    status: CodeStatus
    description: str = ""
    release: str = ""  # the version in force on the date of service, e.g. "2026"
    sex: str = ""  # "F"/"M": only that sex at birth can have it
    age_min: int | None = None
    age_max: int | None = None
    changed_on: date | None = None  # the day it stopped (expired) or starts (not yet valid)


@dataclass(frozen=True)
class DiagnosisSnapshot:
    order: int
    code: str  # without the dot
    facts: CodeFacts

    @property
    def letter(self) -> str:
        return LETTERS[self.order - 1] if 1 <= self.order <= MAX_DIAGNOSES else str(self.order)

    @property
    def dotted(self) -> str:
        return dotted(self.code)


@dataclass(frozen=True)
class LineSnapshot:
    number: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    pointers: tuple[int, ...]
    facts: CodeFacts

    @property
    def name(self) -> str:
        return f"Line {self.number} ({self.code})"


@dataclass(frozen=True)
class PayerSnapshot:
    name: str
    requires_referral: bool = False
    prior_auth_codes: frozenset[str] = frozenset()
    timely_filing_days: int = 365
    rules_off: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CoverageSnapshot:
    payer: PayerSnapshot
    active_on_service_date: bool
    effective_start: date | None = None
    effective_end: date | None = None
    status: str = "active"


@dataclass(frozen=True)
class PtpPair:
    column1: str
    column2: str
    modifier_indicator: str  # "0" never together, "1" with an NCCI modifier, "9" not applicable


@dataclass(frozen=True)
class MueLimit:
    code: str
    max_units: int
    per_day: bool  # adjudication 2/3 (date of service); 1 is per line


@dataclass(frozen=True)
class EncounterSnapshot:
    date_of_service: date
    today: date
    place_of_service: str
    patient_sex: str  # sex at birth: F, M or U
    patient_dob: date
    coverage: CoverageSnapshot | None
    diagnoses: tuple[DiagnosisSnapshot, ...]
    lines: tuple[LineSnapshot, ...]
    referring_provider_npi: str = ""
    prior_authorization: str = ""
    ptp_pairs: tuple[PtpPair, ...] = ()
    mue_limits: tuple[MueLimit, ...] = ()
    known_modifiers: frozenset[str] = frozenset()  # empty: the modifier list is not loaded
    key: str = ""  # the encounter's public id, for callers that scrub many at once

    @property
    def patient_age(self) -> int:
        """Whole years on the date of service."""
        dob, day = self.patient_dob, self.date_of_service
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Issue:
    rule: str
    severity: Severity
    message: str
    field: str  # "diagnoses.2", "lines.1.modifiers", "coverage", "referring_provider_npi" ...


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    summary: str  # one line for docs and the admin
    check: Callable[[EncounterSnapshot], Iterable[tuple[str, str]]]  # (message, field)


@dataclass(frozen=True)
class ScrubResult:
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == Severity.WARNING)

    @property
    def is_clean(self) -> bool:
        return not self.issues

    @property
    def can_claim(self) -> bool:
        return not self.errors


def _day(value: date) -> str:
    return value.strftime("%m/%d/%Y")


SEX_WORDS = {"F": "female", "M": "male", "U": "unknown"}


# ---------------------------------------------------------------- coverage and deadlines


def _coverage_missing(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if s.coverage is None:
        yield (
            "No insurance is attached to this visit, so there is no one to claim from. Add the "
            "patient's insurance (then save the encounter again), or bill the patient as self-pay.",
            "coverage",
        )


def _coverage_inactive(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    c = s.coverage
    if c is None or c.active_on_service_date:
        return
    if c.status != "active":
        why = f"it is marked {c.status.replace('-', ' ')}"
    elif c.effective_end and c.effective_end < s.date_of_service:
        why = f"it ended on {_day(c.effective_end)}"
    elif c.effective_start and c.effective_start > s.date_of_service:
        why = f"it starts on {_day(c.effective_start)}"
    else:
        why = "its dates do not cover the day"
    yield (
        f"The {c.payer.name} insurance was not active on {_day(s.date_of_service)}: {why}. "
        "Check the patient's insurance for that day.",
        "coverage",
    )


def _deadline(s: EncounterSnapshot) -> date | None:
    if s.coverage is None:
        return None
    return s.date_of_service + timedelta(days=s.coverage.payer.timely_filing_days)


def _filing_late(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    deadline = _deadline(s)
    if deadline is not None and s.today > deadline:
        yield (
            f"Too late to file with {s.coverage.payer.name}: claims must reach it within "
            f"{s.coverage.payer.timely_filing_days} days of the visit, by {_day(deadline)}.",
            "date_of_service",
        )


def _service_ahead(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if s.date_of_service > s.today:
        yield (
            f"The visit is dated {_day(s.date_of_service)}, after today: a payer refuses a "
            "claim for a service not yet given. Bill it on or after that day.",
            "date_of_service",
        )


def _filing_soon(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    deadline = _deadline(s)
    if deadline is None or s.today > deadline:
        return
    left = (deadline - s.today).days
    if left <= FILING_SOON_DAYS:
        yield (
            f"File soon: {s.coverage.payer.name}'s filing limit ends on {_day(deadline)} "
            f"({left} days left).",
            "date_of_service",
        )


def _referral_missing(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if s.coverage and s.coverage.payer.requires_referral and not s.referring_provider_npi:
        yield (
            f"{s.coverage.payer.name} needs a referral: enter the referring provider's NPI.",
            "referring_provider_npi",
        )


def _prior_auth_missing(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if s.coverage is None or s.prior_authorization:
        return
    needing = [line for line in s.lines if line.code in s.coverage.payer.prior_auth_codes]
    if needing:
        codes = ", ".join(dict.fromkeys(line.code for line in needing))
        yield (
            f"{s.coverage.payer.name} needs a prior authorization for {codes}: enter the "
            "authorization number.",
            "prior_authorization",
        )


# ---------------------------------------------------------------- diagnoses


def _dx_missing(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if not s.diagnoses:
        yield "Add at least one diagnosis: a claim needs one for each service.", "diagnoses"


def _dx_too_many(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if len(s.diagnoses) > MAX_DIAGNOSES:
        yield (
            f"A claim holds at most {MAX_DIAGNOSES} diagnoses; this visit has "
            f"{len(s.diagnoses)}. Remove the least relevant.",
            "diagnoses",
        )


def _dx_with(status: CodeStatus, message: Callable[[EncounterSnapshot, DiagnosisSnapshot], str]):
    def check(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
        for dx in s.diagnoses:
            if dx.facts.status == status:
                yield message(s, dx), f"diagnoses.{dx.order}"

    return check


def _since(facts: CodeFacts) -> str:
    return f" since {_day(facts.changed_on)}" if facts.changed_on else ""


_dx_unknown = _dx_with(
    CodeStatus.UNKNOWN,
    lambda s, dx: (
        f"Diagnosis {dx.letter} ({dx.dotted}) is not an ICD-10-CM code. "
        "Check it for a typo, or search for the right code."
    ),
)
_dx_no_release = _dx_with(
    CodeStatus.NO_RELEASE,
    lambda s, dx: (
        f"Diagnosis {dx.letter} ({dx.dotted}) cannot be checked: no ICD-10-CM release "
        f"is loaded for {_day(s.date_of_service)}. Ask the office manager to load it."
    ),
)
_dx_not_billable = _dx_with(
    CodeStatus.NOT_BILLABLE,
    lambda s, dx: (
        f"Diagnosis {dx.letter} ({dx.dotted}) is a category, not a billable code: "
        "choose a more specific code under it."
    ),
)
_dx_expired = _dx_with(
    CodeStatus.EXPIRED,
    lambda s, dx: (
        f"Diagnosis {dx.letter} ({dx.dotted}) was no longer valid on "
        f"{_day(s.date_of_service)}{_since(dx.facts)}: it is not in the ICD-10-CM "
        f"{dx.facts.release} release. Choose the code that replaced it."
    ),
)
_dx_not_yet_valid = _dx_with(
    CodeStatus.NOT_YET_VALID,
    lambda s, dx: (
        f"Diagnosis {dx.letter} ({dx.dotted}) was not yet valid on "
        f"{_day(s.date_of_service)}{' (it starts ' + _day(dx.facts.changed_on) + ')' if dx.facts.changed_on else ''}"  # noqa: E501
        ": use the code in force on the date of service."
    ),
)


def _dx_sex(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    for dx in s.diagnoses:
        wanted = dx.facts.sex
        if wanted and s.patient_sex in ("F", "M") and wanted != s.patient_sex:
            yield (
                f"Diagnosis {dx.letter} ({dx.dotted}{': ' + dx.facts.description if dx.facts.description else ''}) "  # noqa: E501
                f"is for {SEX_WORDS[wanted]} patients only; this patient's sex at birth is "
                f"{SEX_WORDS[s.patient_sex]}. Check the code or the patient's record.",
                f"diagnoses.{dx.order}",
            )


def _dx_age(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    age = s.patient_age
    for dx in s.diagnoses:
        low, high = dx.facts.age_min, dx.facts.age_max
        if (low is not None and age < low) or (high is not None and age > high):
            span = (
                f"{low} to {high}" if low is not None and high is not None
                else f"{low} and over" if low is not None else f"up to {high}"
            )  # fmt: skip
            yield (
                f"Diagnosis {dx.letter} ({dx.dotted}) is for patients aged {span}; this "
                f"patient was {age} on the date of service.",
                f"diagnoses.{dx.order}",
            )


# ---------------------------------------------------------------- service lines


def _lines_missing(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if not s.lines:
        yield "Add at least one service: there is nothing to bill.", "lines"


def _px_with(status: CodeStatus, message: Callable[[EncounterSnapshot, LineSnapshot], str]):
    def check(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
        for line in s.lines:
            if line.facts.status == status:
                yield message(s, line), f"lines.{line.number}.code"

    return check


_px_unknown = _px_with(
    CodeStatus.UNKNOWN,
    lambda s, line: (
        f"{line.name}: {line.code} is not a CPT or HCPCS code this practice has "
        "loaded. Check it for a typo."
    ),
)
_px_no_release = _px_with(
    CodeStatus.NO_RELEASE,
    lambda s, line: (
        f"{line.name}: no CPT/HCPCS release is loaded for "
        f"{_day(s.date_of_service)}, so {line.code} cannot be checked."
    ),
)
_px_expired = _px_with(
    CodeStatus.EXPIRED,
    lambda s, line: (
        f"{line.name}: {line.code} was no longer valid on "
        f"{_day(s.date_of_service)}{_since(line.facts)}. Use the code that replaced it."
    ),
)
_px_not_yet_valid = _px_with(
    CodeStatus.NOT_YET_VALID,
    lambda s, line: f"{line.name}: {line.code} was not yet valid on {_day(s.date_of_service)}.",
)


def _units(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    for line in s.lines:
        if line.units < 1:
            yield f"{line.name}: units must be 1 or more.", f"lines.{line.number}.units"


def _pointers_missing(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    for line in s.lines:
        if not line.pointers:
            yield (
                f"{line.name} points to no diagnosis: pick the diagnosis it treats.",
                f"lines.{line.number}.pointers",
            )


def _pointers_range(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    orders = {dx.order for dx in s.diagnoses}
    for line in s.lines:
        wrong = [p for p in line.pointers if p not in orders]
        if wrong:
            names = ", ".join(LETTERS[p - 1] if 1 <= p <= MAX_DIAGNOSES else str(p) for p in wrong)
            yield (
                f"{line.name} points to diagnosis {names}, which is not on the visit "
                f"(it has {len(s.diagnoses)}).",
                f"lines.{line.number}.pointers",
            )


def _pointers_too_many(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    for line in s.lines:
        if len(line.pointers) > MAX_POINTERS:
            yield (
                f"{line.name} points to {len(line.pointers)} diagnoses; a claim line takes at "
                f"most {MAX_POINTERS}.",
                f"lines.{line.number}.pointers",
            )


def _modifiers_too_many(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    for line in s.lines:
        if len(line.modifiers) > MAX_MODIFIERS:
            yield (
                f"{line.name} has {len(line.modifiers)} modifiers; a claim line takes at most "
                f"{MAX_MODIFIERS}.",
                f"lines.{line.number}.modifiers",
            )


def _modifier_unknown(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if not s.known_modifiers:
        return
    for line in s.lines:
        unknown = [m for m in line.modifiers if m not in s.known_modifiers]
        if unknown:
            yield (
                f"{line.name}: modifier {', '.join(unknown)} is not on the practice's list "
                "of modifiers.",
                f"lines.{line.number}.modifiers",
            )


def _telehealth_modifier(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    if s.place_of_service not in TELEHEALTH_PLACES:
        return
    for line in s.lines:
        if not TELEHEALTH_MODIFIERS & set(line.modifiers):
            yield (
                f"{line.name}: a telehealth visit (place of service {s.place_of_service}) "
                "usually needs modifier 95 on each service; payers may deny it without.",
                f"lines.{line.number}.modifiers",
            )


def _ptp(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    by_code: dict[str, list[LineSnapshot]] = defaultdict(list)
    for line in s.lines:
        by_code[line.code].append(line)
    for pair in s.ptp_pairs:
        if pair.modifier_indicator == "9":
            continue
        firsts, seconds = by_code.get(pair.column1, []), by_code.get(pair.column2, [])
        if not firsts or not seconds:
            continue
        second = seconds[0]
        if pair.modifier_indicator == "1":
            used = {m for line in (*firsts, *seconds) for m in line.modifiers}
            if used & NCCI_MODIFIERS:
                continue
            yield (
                f"{second.name} is not paid with {pair.column1} on the same day unless a "
                "modifier (such as 59, XS or 25) shows it was a separate service (NCCI edit).",
                f"lines.{second.number}.modifiers",
            )
        else:
            yield (
                f"{second.name} may never be billed with {pair.column1} on the same day "
                "(NCCI edit): remove one of them.",
                f"lines.{second.number}.code",
            )


def _mue(s: EncounterSnapshot) -> Iterator[tuple[str, str]]:
    limits = {m.code: m for m in s.mue_limits}
    per_day: dict[str, int] = defaultdict(int)
    for line in s.lines:
        per_day[line.code] += max(line.units, 0)
    reported = set()
    for line in s.lines:
        limit = limits.get(line.code)
        if limit is None:
            continue
        if limit.per_day:
            if line.code in reported or per_day[line.code] <= limit.max_units:
                continue
            reported.add(line.code)
            yield (
                f"{line.code}: {per_day[line.code]} units on one day; at most "
                f"{limit.max_units} are paid per day (MUE).",
                f"lines.{line.number}.units",
            )
        elif line.units > limit.max_units:
            yield (
                f"{line.name}: {line.units} units; at most {limit.max_units} are paid on one "
                "line (MUE).",
                f"lines.{line.number}.units",
            )


E, W = Severity.ERROR, Severity.WARNING

RULES: tuple[Rule, ...] = (
    Rule("COVERAGE_MISSING", E, "No insurance on the visit", _coverage_missing),
    Rule("COVERAGE_INACTIVE", E, "Insurance not active on the date of service", _coverage_inactive),
    Rule("FILING_LATE", E, "Past the payer's timely-filing limit", _filing_late),
    Rule("DOS_FUTURE", E, "Date of service after today", _service_ahead),
    Rule("FILING_SOON", W, f"Timely-filing limit within {FILING_SOON_DAYS} days", _filing_soon),
    Rule("REFERRAL_MISSING", E, "Payer needs a referring provider", _referral_missing),
    Rule("PRIOR_AUTH_MISSING", E, "Payer needs a prior authorization", _prior_auth_missing),
    Rule("DX_MISSING", E, "No diagnosis", _dx_missing),
    Rule("DX_TOO_MANY", E, "More than 12 diagnoses", _dx_too_many),
    Rule("DX_UNKNOWN", E, "Not an ICD-10-CM code", _dx_unknown),
    Rule("DX_NO_RELEASE", E, "No ICD-10-CM release for the date of service", _dx_no_release),
    Rule("DX_NOT_BILLABLE", E, "ICD-10-CM category, not a billable code", _dx_not_billable),
    Rule("DX_EXPIRED", E, "ICD-10-CM code no longer valid on the date", _dx_expired),
    Rule("DX_NOT_YET_VALID", E, "ICD-10-CM code not yet valid on the date", _dx_not_yet_valid),
    Rule("DX_SEX", E, "Diagnosis for the other sex", _dx_sex),
    Rule("DX_AGE", E, "Diagnosis outside its ages", _dx_age),
    Rule("LINES_MISSING", E, "No service lines", _lines_missing),
    Rule("PX_UNKNOWN", E, "Not a loaded CPT/HCPCS code", _px_unknown),
    Rule("PX_NO_RELEASE", E, "No CPT/HCPCS release for the date of service", _px_no_release),
    Rule("PX_EXPIRED", E, "CPT/HCPCS code terminated before the date", _px_expired),
    Rule("PX_NOT_YET_VALID", E, "CPT/HCPCS code not yet valid on the date", _px_not_yet_valid),
    Rule("UNITS_INVALID", E, "Units below 1", _units),
    Rule("POINTER_MISSING", E, "Line without a diagnosis pointer", _pointers_missing),
    Rule("POINTER_RANGE", E, "Pointer to a diagnosis not on the visit", _pointers_range),
    Rule("POINTER_TOO_MANY", E, "More than 4 pointers on a line", _pointers_too_many),
    Rule("MODIFIER_TOO_MANY", E, "More than 4 modifiers on a line", _modifiers_too_many),
    Rule("MODIFIER_UNKNOWN", W, "Modifier not on the practice's list", _modifier_unknown),
    Rule(
        "TELEHEALTH_MODIFIER", W, "Telehealth visit line without modifier 95", _telehealth_modifier
    ),  # noqa: E501
    Rule("NCCI_PTP", E, "Procedure pair not billed together (NCCI PTP)", _ptp),
    Rule("NCCI_MUE", E, "Units above the per-day maximum (NCCI MUE)", _mue),
)
RULE_CODES = frozenset(rule.code for rule in RULES)


def scrub(snapshot: EncounterSnapshot, *, rules: Iterable[Rule] = RULES) -> ScrubResult:
    """Run every rule not switched off for the payer; errors first, in rule order."""
    off = snapshot.coverage.payer.rules_off if snapshot.coverage else frozenset()
    issues = [
        Issue(rule.code, rule.severity, message, where)
        for rule in rules
        if rule.code not in off
        for message, where in rule.check(snapshot)
    ]
    issues.sort(key=lambda issue: issue.severity != Severity.ERROR)
    return ScrubResult(tuple(issues))
