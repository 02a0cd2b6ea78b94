"""The dashboard's own figures, read from scheduling and billing: appointments, no-show rate
and waits by week, provider utilisation, charges by month. Other apps add theirs in their
`reporting` module (core/reporting.py); the registry puts them all together."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from medoffice.billing.models import Charge
from medoffice.core.models import Location, Provider
from medoffice.core.money import ZERO
from medoffice.core.reporting import Figure, FigureData, Filters, Series
from medoffice.scheduling.models import Appointment, Holiday, TemplateBlock

LIVE = ("booked", "arrived", "fulfilled", "noshow")
KEPT = ("arrived", "fulfilled")


def zone_of(filters: Filters) -> ZoneInfo:
    locations = Location.objects.filter(practice=filters.practice)
    if filters.location_ids:
        locations = locations.filter(id__in=filters.location_ids)
    first = locations.order_by("id").first()
    return ZoneInfo(first.time_zone if first else "UTC")


def _span(filters: Filters, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(filters.first_day, time(0), tzinfo=zone),
        datetime.combine(filters.last_day + timedelta(days=1), time(0), tzinfo=zone),
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(filters: Filters) -> list[date]:
    first, result = _monday(filters.first_day), []
    while first <= filters.last_day:
        result.append(first)
        first += timedelta(days=7)
    return result


def _appointments(filters: Filters):
    visits = Appointment.objects.filter(location__practice=filters.practice)
    if filters.location_ids:
        visits = visits.filter(location_id__in=filters.location_ids)
    if filters.provider_ids:
        visits = visits.filter(provider_id__in=filters.provider_ids)
    return visits


def _by_week(filters: Filters) -> dict:
    """week -> {status: count, "wait": [total seconds, n]}, one pass over the visits' times."""
    if "by_week" in filters.memo:
        return filters.memo["by_week"]
    zone = zone_of(filters)
    start, end = _span(filters, zone)
    result: dict = defaultdict(lambda: defaultdict(int))
    rows = (
        _appointments(filters)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .values_list("starts_at", "status", "arrived_at", "roomed_at")
        .iterator(chunk_size=5000)
    )
    for starts_at, status, arrived_at, roomed_at in rows:
        week = _monday(starts_at.astimezone(zone).date())
        bucket = result[week]
        bucket[status] += 1
        if arrived_at and roomed_at and roomed_at > arrived_at:
            bucket["wait_seconds"] += int((roomed_at - arrived_at).total_seconds())
            bucket["waits"] += 1
    filters.memo["by_week"] = result
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
        rate = Decimal(100 * missed) / (kept + missed) if kept + missed else Decimal(0)
        rate = rate.quantize(Decimal("0.1"))
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
        minutes = round(data[week]["wait_seconds"] / 60 / n, 1) if n else 0
        points.append((_label(week), minutes))
        rows.append((week.isoformat(), n, minutes))
    seen = [p for p in points if p[1]]
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
    zone = zone_of(filters)
    start, end = _span(filters, zone)
    booked: dict[int, int] = defaultdict(int)
    rows = (
        _appointments(filters)
        .filter(starts_at__gte=start, starts_at__lt=end, status__in=LIVE)
        .values("provider_id", "appointment_type__duration_minutes")
        .annotate(n=Count("id"))
    )
    for row in rows:
        booked[row["provider_id"]] += row["n"] * row["appointment_type__duration_minutes"]
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
    charges = Charge.objects.filter(
        encounter__practice=filters.practice,
        date_of_service__gte=filters.first_day, date_of_service__lte=filters.last_day,
    )  # fmt: skip
    if filters.location_ids:
        charges = charges.filter(encounter__location_id__in=filters.location_ids)
    if filters.provider_ids:
        charges = charges.filter(provider_id__in=filters.provider_ids)
    by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[date, int] = defaultdict(int)
    for day, amount, n in (
        charges.values_list("date_of_service")
        .annotate(total=Sum("amount"), n=Count("id", filter=Q(reverses__isnull=True)))
        .values_list("date_of_service", "total", "n")
    ):
        by_month[day.replace(day=1)] += amount
        counts[day.replace(day=1)] += n
    labels = months(filters)
    total = sum(by_month.values(), ZERO)
    return FigureData(
        series=(Series("Charges", tuple((f"{m:%b %y}", by_month[m]) for m in labels)),),
        headline=f"${total:,.2f} charged",
        columns=("Month", "Charge lines", "Charges $"),
        rows=tuple((f"{m:%Y-%m}", counts[m], by_month[m]) for m in labels),
        link="/billing/encounters/",
    )


FIGURES = [
    Figure("appointments", "Appointments by week", "bars", appointments_by_week, order=10),
    Figure("no-shows", "No-show rate by week", "line", no_show_rate_by_week, order=20, unit="%"),
    Figure("waits", "Wait from check-in to exam room", "line", wait_by_week, order=30,
           unit="min"),
    Figure("utilisation", "Provider utilisation", "bars", provider_utilisation, order=40,
           unit="%"),
    Figure("charges", "Charges by month", "bars", charges_by_month, order=50, unit="$"),
]  # fmt: skip
