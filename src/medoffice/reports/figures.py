"""The dashboard's own figures, read from scheduling and billing: appointments, no-show rate
and waits by week, provider utilisation, charges by month. Other apps add theirs in their
`reporting` module (core/reporting.py); the registry puts them all together."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, IntegerField, Sum, Value, When

from medoffice.core.models import Location, Provider
from medoffice.core.money import ZERO
from medoffice.core.reporting import Figure, FigureData, Filters, Series
from medoffice.reports.models import ChargeDay, ClaimDay, VisitDay
from medoffice.reports.rollups import rollup_view
from medoffice.scheduling.models import Holiday, TemplateBlock

KEPT = ("arrived", "fulfilled")
SUMMED = ("booked", "arrived", "fulfilled", "noshow", "cancelled", "waits", "wait_seconds",
          "live_minutes")  # fmt: skip


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(filters: Filters) -> list[date]:
    first, result = _monday(filters.first_day), []
    while first <= filters.last_day:
        result.append(first)
        first += timedelta(days=7)
    return result


def period_of(field: str, starts: list, first: int = 0):
    """The index of the period `field` falls in, periods beginning at `starts` (ascending);
    values before starts[1] are period 0 (the caller's filter bounds the first). A balanced
    tree of comparisons: about log2(len(starts)) per row, exact in any time zone."""
    if len(starts) == 1:
        return Value(first, output_field=IntegerField())
    middle = len(starts) // 2
    return Case(
        When(**{f"{field}__lt": starts[middle]}, then=period_of(field, starts[:middle], first)),
        default=period_of(field, starts[middle:], first + middle),
        output_field=IntegerField(),
    )


def _visit_rollup(filters: Filters):
    days = VisitDay.objects.filter(
        location__practice=filters.practice, day__gte=filters.first_day,
        day__lte=filters.last_day,
    )  # fmt: skip
    if filters.location_ids:
        days = days.filter(location_id__in=filters.location_ids)
    if filters.provider_ids:
        days = days.filter(provider_id__in=filters.provider_ids)
    return days


def _in_scope(filters: Filters, fresh: dict) -> list:
    """The rows computed from the sources for the unrefreshed days (rollups.rollup_view)
    that the figure's filters keep: the practice's locations, the chosen locations and
    providers, the period."""
    if not fresh:
        return []
    ours = set(Location.objects.filter(practice=filters.practice).values_list("id", flat=True))
    return [
        (key, row) for key, row in fresh.items()
        if key[0] in ours
        and (not filters.location_ids or key[0] in filters.location_ids)
        and (not filters.provider_ids or key[1] in filters.provider_ids)
        and filters.first_day <= key[2] <= filters.last_day
    ]  # fmt: skip


def _by_week(filters: Filters) -> dict:
    """week -> {status: count, "wait_seconds": total, "waits": n, "live_minutes": n}, and
    provider id -> live minutes: one grouped query over the visits' daily rollup (each visit
    is on its local day there, so weeks begin at local midnights)."""
    if "by_week" in filters.memo:
        return filters.memo["by_week"]
    labels = weeks(filters)
    stored, fresh = rollup_view("visits", _visit_rollup(filters), filters.memo, filters.practice.pk)
    rows = (
        stored.annotate(week=period_of("day", labels))
        .values("week", "provider_id")
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    )
    result: dict = defaultdict(lambda: defaultdict(int))
    minutes: dict[int, int] = defaultdict(int)
    for row in rows:
        bucket = result[labels[row["week"]]]
        for name in SUMMED:
            bucket[name] += row[name] or 0
        minutes[row["provider_id"]] += row["live_minutes"] or 0
    for (_, provider_id, day), row in _in_scope(filters, fresh):
        bucket = result[_monday(day)]
        for name in SUMMED:
            bucket[name] += row[name]
        minutes[provider_id] += row["live_minutes"]
    filters.memo["by_week"] = result
    filters.memo["live_minutes"] = minutes
    return result


def _label(day: date) -> str:
    return f"{day:%b %d}"


def appointments_by_week(filters: Filters) -> FigureData:
    data, labels = _by_week(filters), weeks(filters)
    kept = [(_label(w), sum(data[w][s] for s in KEPT)) for w in labels]
    booked = [(_label(w), data[w]["booked"]) for w in labels]
    noshow = [(_label(w), data[w]["noshow"]) for w in labels]
    cancelled = [(_label(w), data[w]["cancelled"]) for w in labels]
    total = sum(v for _, v in kept) + sum(v for _, v in noshow)
    rows = tuple(
        (w.isoformat(), k[1], b[1], n[1], c[1])
        for w, k, b, n, c in zip(labels, kept, booked, noshow, cancelled, strict=True)
    )
    return FigureData(
        series=(Series("Kept", tuple(kept)), Series("Booked", tuple(booked)),
                Series("No-show", tuple(noshow))),
        headline=f"{total:,} visits kept or missed",
        columns=("Week of", "Kept", "Still booked", "No-shows", "Cancelled"), rows=rows,
        link="/schedule/",
    )  # fmt: skip


def no_show_rate_by_week(filters: Filters) -> FigureData:
    data, labels = _by_week(filters), weeks(filters)
    points, rows = [], []
    shows = misses = 0
    for week in labels:
        kept = sum(data[week][s] for s in KEPT)
        missed = data[week]["noshow"]
        shows, misses = shows + kept, misses + missed
        rate = _rate(missed, kept + missed) if kept + missed else None  # no visits due
        points.append((_label(week), rate))
        rows.append((week.isoformat(), kept + missed, missed, rate))
    overall = Decimal(100 * misses) / (shows + misses) if shows + misses else Decimal(0)
    return FigureData(
        series=(Series("No-show rate", tuple(points)),),
        headline=f"{overall.quantize(Decimal('0.1'))}% of visits missed",
        columns=("Week of", "Visits due", "No-shows", "Rate %"),
        rows=tuple(rows),
    )


def wait_by_week(filters: Filters) -> FigureData:
    data, labels = _by_week(filters), weeks(filters)
    points, rows = [], []
    for week in labels:
        n = data[week]["waits"]
        minutes = round(data[week]["wait_seconds"] / 60 / n, 1) if n else None
        points.append((_label(week), minutes))
        rows.append((week.isoformat(), n, minutes))
    seen = [p for p in points if p[1] is not None]
    average = round(sum(v for _, v in seen) / len(seen), 1) if seen else 0
    return FigureData(
        series=(Series("Minutes from check-in to exam room", tuple(points)),),
        headline=f"{average} min average wait", columns=("Week of", "Visits", "Average min"),
        rows=tuple(rows),
    )  # fmt: skip


def _template_minutes(filters: Filters, providers) -> dict[int, int]:
    """Minutes each provider's templates offered over the period (holidays left out)."""
    holidays = set(
        Holiday.objects.filter(
            practice=filters.practice, day__gte=filters.first_day, day__lte=filters.last_day
        ).values_list("day", flat=True)
    )
    days_by_weekday: dict[int, list[date]] = defaultdict(list)
    day = filters.first_day
    while day <= filters.last_day:
        if day not in holidays:
            days_by_weekday[day.weekday()].append(day)
        day += timedelta(days=1)
    offered: dict[int, int] = defaultdict(int)
    blocks = TemplateBlock.objects.filter(provider_id__in=[p.id for p in providers])
    if filters.location_ids:
        blocks = blocks.filter(location_id__in=filters.location_ids)
    for block in blocks:
        length = (
            datetime.combine(date.min, block.end_time)
            - datetime.combine(date.min, block.start_time)
        ).seconds // 60
        days = [
            d for d in days_by_weekday[block.weekday]
            if (block.valid_from is None or d >= block.valid_from)
            and (block.valid_until is None or d <= block.valid_until)
        ]  # fmt: skip
        offered[block.provider_id] += length * len(days)
    return offered


def provider_utilisation(filters: Filters) -> FigureData:
    providers = Provider.objects.filter(practice=filters.practice, is_active=True)
    if filters.provider_ids:
        providers = providers.filter(id__in=filters.provider_ids)
    providers = list(providers.order_by("last_name", "first_name"))
    _by_week(filters)
    booked: dict[int, int] = filters.memo["live_minutes"]
    offered = _template_minutes(filters, providers)
    points, table = [], []
    for doctor in providers:
        share = Decimal(100 * booked[doctor.id]) / offered[doctor.id] if offered[doctor.id] else 0
        share = Decimal(share).quantize(Decimal("0.1"))
        points.append((doctor.last_name, share))
        table.append((str(doctor), offered[doctor.id] // 60, booked[doctor.id] // 60, share))
    total_offered = sum(offered.values())
    overall = Decimal(100 * sum(booked.values())) / total_offered if total_offered else Decimal(0)
    return FigureData(
        series=(Series("Booked share of template time", tuple(points)),),
        headline=f"{overall.quantize(Decimal('0.1'))}% of template time booked",
        columns=("Provider", "Template hours", "Booked hours", "Utilisation %"),
        rows=tuple(table),
    )


def months(filters: Filters) -> list[date]:
    first = filters.first_day.replace(day=1)
    result = []
    while first <= filters.last_day:
        result.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return result


def charges_by_month(filters: Filters) -> FigureData:
    charges = ChargeDay.objects.filter(
        location__practice=filters.practice,
        day__gte=filters.first_day, day__lte=filters.last_day,
    )  # fmt: skip
    if filters.location_ids:
        charges = charges.filter(location_id__in=filters.location_ids)
    if filters.provider_ids:
        charges = charges.filter(provider_id__in=filters.provider_ids)
    charges, fresh = rollup_view("charges", charges, filters.memo, filters.practice.pk)
    labels = months(filters)
    by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[date, int] = defaultdict(int)
    for row in (
        charges.annotate(month=period_of("day", labels))
        .values("month")
        .annotate(total=Sum("amount"), n=Sum("lines"))
        .order_by()
    ):
        by_month[labels[row["month"]]] += row["total"]
        counts[labels[row["month"]]] += row["n"]
    for (_, _, day), row in _in_scope(filters, fresh):
        by_month[day.replace(day=1)] += row["amount"]
        counts[day.replace(day=1)] += row["lines"]
    total = sum(by_month.values(), ZERO)
    return FigureData(
        series=(Series("Charges", tuple((f"{m:%b %y}", by_month[m]) for m in labels)),),
        headline=f"${total:,.2f} charged",
        columns=("Month", "Charge lines", "Charges $"),
        rows=tuple((f"{m:%Y-%m}", counts[m], by_month[m]) for m in labels),
        link="/billing/encounters/",
    )


def _claims_by_month(filters: Filters) -> dict:
    """month -> {"sent", "clean", "adjudicated", "denied"}: original claims sent, by the month
    of service; clean: never rejected (999/277CA); adjudicated: ever paid or denied."""
    if "claims" in filters.memo:
        return filters.memo["claims"]
    labels = months(filters)
    claims = ClaimDay.objects.filter(
        location__practice=filters.practice,
        day__gte=filters.first_day, day__lte=filters.last_day,
    )  # fmt: skip
    if filters.location_ids:
        claims = claims.filter(location_id__in=filters.location_ids)
    if filters.provider_ids:
        claims = claims.filter(provider_id__in=filters.provider_ids)
    claims, fresh = rollup_view("claims", claims, filters.memo, filters.practice.pk)
    rows = (
        claims.annotate(month=period_of("day", labels))
        .values("month")
        .annotate(**{key: Sum(key) for key in ("sent", "clean", "adjudicated", "denied")})
        .order_by()
    )
    result: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for key in ("sent", "clean", "adjudicated", "denied"):
            result[labels[row["month"]]][key] += row[key] or 0
    for (_, _, day), row in _in_scope(filters, fresh):
        for key in ("sent", "clean", "adjudicated", "denied"):
            result[day.replace(day=1)][key] += row[key]
    filters.memo["claims"] = result
    return result


def _rate(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / whole if whole else Decimal(0)).quantize(Decimal("0.1"))


def _claim_rate(filters: Filters, part: str, whole: str, series: str, headline: str,
                columns: tuple) -> FigureData:  # fmt: skip
    data, labels = _claims_by_month(filters), months(filters)
    # A month without claims has no rate: a gap in the line, no row.
    rate = {m: _rate(data[m][part], data[m][whole]) if data[m][whole] else None for m in labels}
    rows = tuple(
        (f"{m:%Y-%m}", data[m][whole], data[m][part], rate[m]) for m in labels if data[m][whole]
    )
    overall = _rate(sum(data[m][part] for m in labels), sum(data[m][whole] for m in labels))
    return FigureData(
        series=(Series(series, tuple((f"{m:%b %y}", rate[m]) for m in labels)),),
        headline=headline.format(overall), columns=columns, rows=rows,
        link="/billing/claims/work/",
    )  # fmt: skip


def clean_claim_rate(filters: Filters) -> FigureData:
    return _claim_rate(filters, "clean", "sent", "Accepted first time %",
                       "{}% of claims accepted first time",
                       ("Month of service", "Sent", "Never rejected", "Clean %"))  # fmt: skip


def denial_rate(filters: Filters) -> FigureData:
    return _claim_rate(filters, "denied", "adjudicated", "Denied %",
                       "{}% of adjudicated claims denied",
                       ("Month of service", "Adjudicated", "Denied", "Denial %"))  # fmt: skip


FIGURES = [
    Figure("appointments", "Appointments by week", "bars", appointments_by_week, order=10),
    Figure("no-shows", "No-show rate by week", "line", no_show_rate_by_week, order=20, unit="%"),
    Figure("waits", "Wait from check-in to exam room", "line", wait_by_week, order=30,
           unit="min"),
    Figure("utilisation", "Provider utilisation", "bars", provider_utilisation, order=40,
           unit="%"),
    Figure("charges", "Charges by month", "bars", charges_by_month, order=50, unit="$"),
    # Payments, adjustments and days in A/R come from the payments app's own `reporting`
    # module (core/reporting.py), between charges (50) and the claims' rates (56, 57).
    Figure("clean-claims", "Clean-claim rate by month", "line", clean_claim_rate, order=56,
           unit="%"),
    Figure("denial-rate", "Denial rate by month", "line", denial_rate, order=57, unit="%"),
]  # fmt: skip
