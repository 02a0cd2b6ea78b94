"""Search parameters: parsing a FHIR query into values, and the filters for each type.

A query is a list of (name, value) pairs. Repeating a parameter ANDs its values; a
comma inside one value ORs its parts. Names may carry a modifier (`family:exact`).
Parameters the framework handles itself start with `_` (see RESULT_PARAMS).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Q

from medoffice.interop.fhir.errors import FhirError

# Parameters about the result rather than the match (handled by the views).
RESULT_PARAMS = frozenset(
    {"_count", "_offset", "_sort", "_include", "_revinclude", "_format", "_total", "_summary",
     "_elements", "_pretty"}
)  # fmt: skip
DEFAULT_COUNT = 20
MAX_COUNT = 100
DATE_PREFIXES = ("eq", "ne", "lt", "gt", "le", "ge", "sa", "eb", "ap")


@dataclass(frozen=True)
class SearchContext:
    """What a filter may need besides the values: who asks, and their office's clock."""

    user: object
    practice_id: int
    zone: ZoneInfo
    names: frozenset[str] = frozenset()  # the search's parameters, for a filter to defer


@dataclass(frozen=True)
class SearchParam:
    """One search parameter of a resource type.

    `filter(values, modifier, ctx)` returns a Q for ONE occurrence of the parameter;
    `values` are the comma-separated alternatives (OR). Types: string, token, date,
    reference, number, uri (as the CapabilityStatement names them).
    """

    name: str
    type: str
    filter: Callable[[list[str], str, SearchContext], Q]
    documentation: str = ""
    modifiers: frozenset[str] = frozenset()


@dataclass
class SearchRequest:
    params: list[tuple[str, str, str]]  # (name, modifier, raw value) of the match parameters
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    revinclude: list[str] = field(default_factory=list)
    total: str = ""  # _total as asked: none, estimate, accurate, or "" (not asked)
    ignored: list[str] = field(default_factory=list)  # unknown parameters, reported in the Bundle


def _int_param(name: str, raw: str, lowest: int, highest: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise FhirError(400, "invalid", f"{name} must be a whole number.", (name,)) from exc
    if value < lowest:
        raise FhirError(400, "invalid", f"{name} must be at least {lowest}.", (name,))
    return min(value, highest) if highest is not None else value


def parse_query(
    pairs: list[tuple[str, str]],
    known: dict[str, SearchParam],
    *,
    sorts: frozenset[str],
    includes: frozenset[str],
    revincludes: frozenset[str],
    strict: bool,
) -> SearchRequest:
    """Split a query into match parameters and result controls; refuse what is malformed.

    Unknown parameters are ignored (and listed in `ignored`) unless `strict`, when they
    are a 400, as `Prefer: handling=strict` asks.
    """
    out = SearchRequest(params=[])
    for raw_name, raw_value in pairs:
        name, _, modifier = raw_name.partition(":")
        if name in RESULT_PARAMS:
            if name == "_count":
                out.count = _int_param("_count", raw_value, 0, MAX_COUNT)
            elif name == "_offset":
                out.offset = _int_param("_offset", raw_value, 0)
            elif name == "_sort":
                for key in (k.strip() for k in raw_value.split(",") if k.strip()):
                    if key.lstrip("-") not in sorts:
                        raise FhirError(400, "not-supported", f"Cannot sort by {key}.", ("_sort",))
                    out.sort.append(key)
            elif name in ("_include", "_revinclude"):
                allowed = includes if name == "_include" else revincludes
                value = raw_value.removesuffix(":iterate")
                if value not in allowed:
                    if strict:
                        raise FhirError(
                            400, "not-supported", f"{name}={raw_value} is not supported.", (name,)
                        )
                    out.ignored.append(f"{name}={raw_value}")
                else:
                    (out.include if name == "_include" else out.revinclude).append(value)
            elif name == "_total":
                if raw_value not in ("none", "estimate", "accurate"):
                    raise FhirError(400, "invalid", "_total is none, estimate or accurate.")
                out.total = raw_value
            continue
        param = known.get(name)
        if param is None:
            if strict:
                raise FhirError(
                    400, "not-supported", f"Unknown search parameter {name}.", (raw_name,)
                )
            out.ignored.append(raw_name)
            continue
        if modifier and modifier not in param.modifiers:
            raise FhirError(
                400, "not-supported", f"Modifier :{modifier} is not supported on {name}.",
                (raw_name,),
            )  # fmt: skip
        out.params.append((name, modifier, raw_value))
    return out


def search_total(
    query: SearchRequest, rows: list, has_next: bool, count: Callable[[], int]
) -> int | None:
    """Bundle.total for a page of `rows`: what the page itself proves, a count only when asked.

    The page was read one row long, so when no row follows it (or it is empty at the
    start) the total is the offset plus its rows, for free. Otherwise counting means
    visiting every match: tens of thousands of rows for `family=smi` among a million
    patients, a hundred times the cost of the page (docs/benchmarks.md). So the count
    runs only for `_total=accurate` or `estimate` (an exact count is a valid estimate);
    without `_total` such a page has no total, as FHIR allows, and `_total=none` never has one.
    """
    if query.total == "none":
        return None
    if not has_next and (rows or query.offset == 0):
        return query.offset + len(rows)
    if query.total in ("accurate", "estimate"):
        return count()
    return None


def values_of(raw: str) -> list[str]:
    """The OR alternatives of one value: split on commas not escaped with a backslash."""
    parts, current, escaped = [], [], False
    for ch in raw:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p != ""]


def any_of(conditions: list[Q]) -> Q:
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


# --- dates ---


def split_prefix(value: str) -> tuple[str, str]:
    if value[:2] in DATE_PREFIXES and value[2:3].isdigit():
        return value[:2], value[2:]
    return "eq", value


def date_bounds(text: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants [start, end) a FHIR date or dateTime of any precision covers; a value
    without a zone is read on the office's clock."""
    try:
        if len(text) == 4:
            start = datetime(int(text), 1, 1, tzinfo=zone)
            return start, start.replace(year=start.year + 1)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            start = datetime(year, month, 1, tzinfo=zone)
            following = (year + 1, 1) if month == 12 else (year, month + 1)
            return start, start.replace(year=following[0], month=following[1])
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(0), tzinfo=zone)
            return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FhirError(400, "invalid", f"Not a FHIR date: {text!r}.") from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone)
    precision = timedelta(seconds=1) if instant.microsecond == 0 else timedelta(microseconds=1)
    return instant, instant + precision


def date_condition(column: str, raw: str, zone: ZoneInfo, *, civil: bool = False) -> Q:
    """Q for one prefixed date value on `column` (a DateField when `civil`, else an
    aware DateTimeField). A stored value is a point: eq means inside the given range."""
    prefix, text = split_prefix(raw)
    start, end = date_bounds(text, zone)
    low, high = (start.date(), end.date()) if civil else (start, end)
    if civil and len(text) > 10:
        raise FhirError(400, "invalid", f"{raw!r}: a date, not a time, is expected here.")
    match prefix:
        case "eq" | "ap":
            return Q(**{f"{column}__gte": low, f"{column}__lt": high})
        case "ne":
            return Q(**{f"{column}__lt": low}) | Q(**{f"{column}__gte": high})
        case "lt" | "eb":
            return Q(**{f"{column}__lt": low})
        case "le":
            return Q(**{f"{column}__lt": high})
        case "gt" | "sa":
            return Q(**{f"{column}__gte": high})
        case _:  # "ge"
            return Q(**{f"{column}__gte": low})


def date_param(name: str, column: str, documentation: str, *, civil: bool = False) -> SearchParam:
    def build(values: list[str], modifier: str, ctx: SearchContext) -> Q:
        return any_of([date_condition(column, v, ctx.zone, civil=civil) for v in values])

    return SearchParam(name, "date", build, documentation)


# --- tokens and references ---


def split_token(value: str) -> tuple[str | None, str]:
    """`system|code` -> (system, code); `|code` -> ("", code); `code` -> (None, code)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def reference_id(value: str, resource_type: str) -> str:
    """`Patient/123`, a full URL ending so, or a bare id -> the id; another type -> ''."""
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2:
        if parts[-2] == "_history" and len(parts) >= 4:
            parts = parts[:-2]
        return parts[-1] if parts[-2] == resource_type else ""
    return value


def reference_param(name: str, resource_type: str, column: str, documentation: str) -> SearchParam:
    """A reference to `resource_type` matched on `column` (the target's public id)."""

    def build(values: list[str], modifier: str, ctx: SearchContext) -> Q:
        ids = [reference_id(v, resource_type) for v in values]
        return Q(**{f"{column}__in": [i for i in ids if valid_uuid(i)]})

    return SearchParam(name, "reference", build, documentation)


def valid_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def id_param(column: str = "public_id") -> SearchParam:
    def build(values: list[str], modifier: str, ctx: SearchContext) -> Q:
        return Q(**{f"{column}__in": [v for v in values if valid_uuid(v)]})

    return SearchParam("_id", "token", build, "Logical id of the resource")
