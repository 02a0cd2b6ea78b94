"""Reads for scheduling: the slot finder's data, day by day, and resource candidates."""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from medoffice.core.models import Location, Provider, StaffProfile
from medoffice.core.roles import Role
from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    Equipment,
    Hold,
    Holiday,
    Room,
    ScheduleException,
    TemplateBlock,
)
from medoffice.scheduling.slots import (
    Block,
    Needs,
    Occupancy,
    Slot,
    local_instant,
    open_slots,
    unit_of,
    units,
)

# Wall-clock bounds of the parts of the day a patient may prefer (None: to the block's end).
PARTS_OF_DAY = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), None),
}


@dataclass(frozen=True)
class Preferences:
    provider_ids: tuple[int, ...] = ()
    location_ids: tuple[int, ...] = ()
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    part_of_day: str = ""  # morning / afternoon / evening
    urgent: bool = False  # same-day urgent care may use the blocks held for it


def providers_for_type(appointment_type: AppointmentType, prefs: Preferences) -> list[Provider]:
    providers = Provider.objects.filter(practice_id=appointment_type.practice_id, is_active=True)
    allowed = list(appointment_type.providers.values_list("id", flat=True))
    if allowed:
        providers = providers.filter(id__in=allowed)
    if prefs.provider_ids:
        providers = providers.filter(id__in=prefs.provider_ids)
    return list(providers)


def needs_at(appointment_type: AppointmentType, location_ids) -> dict[int, Needs]:
    """Per location: the rooms, equipment and assistants a type could use there."""
    rooms: dict[int, list[int]] = defaultdict(list)
    if appointment_type.room_kind:
        for room_id, location_id in Room.objects.filter(
            location_id__in=location_ids, kind=appointment_type.room_kind, is_active=True
        ).values_list("id", "location_id"):
            rooms[location_id].append(room_id)
    equipment: dict[tuple[int, str], list[int]] = defaultdict(list)
    kinds = appointment_type.equipment_kind_list
    if kinds:
        for item_id, location_id, kind in Equipment.objects.filter(
            location_id__in=location_ids, kind__in=kinds, is_active=True
        ).values_list("id", "location_id", "kind"):
            equipment[(location_id, kind)].append(item_id)
    assistants: dict[int, list[int]] = defaultdict(list)
    if appointment_type.needs_assistant:
        for staff_id, location_id in StaffProfile.objects.filter(
            role=Role.MEDICAL_ASSISTANT, user__is_active=True, locations__in=location_ids
        ).values_list("id", "locations"):
            assistants[location_id].append(staff_id)
    needs = {}
    for location_id in location_ids:
        if appointment_type.room_kind and not rooms[location_id]:
            continue  # this location cannot host the type at all
        if any(not equipment[(location_id, kind)] for kind in kinds):
            continue
        if appointment_type.needs_assistant and not assistants[location_id]:
            continue
        needs[location_id] = Needs(
            duration_minutes=appointment_type.duration_minutes,
            rooms=tuple(rooms[location_id]),
            equipment=tuple(tuple(equipment[(location_id, kind)]) for kind in kinds),
            assistants=tuple(assistants[location_id]),
        )
    return needs


@dataclass(frozen=True)
class _Template:
    provider_id: int
    location_id: int
    weekday: int
    start_time: time
    end_time: time
    slot_minutes: int
    valid_from: date | None
    valid_until: date | None
    urgent_until: time | None


def _held_for_urgent(template: _Template, day: date, zone: ZoneInfo, urgent: bool) -> bool:
    """A block held for same-day urgent care is closed to others until its release time,
    and open to urgent visits only on the day itself."""
    if template.urgent_until is None:
        return False
    now = timezone.now().astimezone(zone)
    if day != now.date():
        return True  # never booked ahead: it is what keeps same-day room
    return not urgent and now.time() < template.urgent_until


def _blocks_by_weekday(appointment_type, provider_ids, location_ids):
    rows = (
        TemplateBlock.objects.filter(provider_id__in=provider_ids, location_id__in=location_ids)
        .filter(Q(appointment_types=None) | Q(appointment_types=appointment_type))
        .values_list(*(f.name for f in fields(_Template)))
        .distinct()
    )
    by_weekday: dict[int, list[_Template]] = defaultdict(list)
    for row in rows:
        template = _Template(*row)
        by_weekday[template.weekday].append(template)
    return by_weekday


def _day_blocks(day: date, templates, zones, prefs: Preferences) -> list[Block]:
    resolved = []
    for template in templates:
        if template.valid_from and day < template.valid_from:
            continue
        if template.valid_until and day > template.valid_until:
            continue
        zone = zones[template.location_id]
        if _held_for_urgent(template, day, zone, prefs.urgent):
            continue
        starts_at = local_instant(day, template.start_time, zone)
        ends_at = local_instant(day, template.end_time, zone)
        if prefs.part_of_day:
            earliest, latest = PARTS_OF_DAY[prefs.part_of_day]
            starts_at = max(starts_at, local_instant(day, earliest, zone))
            if latest is not None:
                ends_at = min(ends_at, local_instant(day, latest, zone))
            if ends_at <= starts_at:
                continue
        resolved.append(
            Block(template.provider_id, template.location_id, starts_at, ends_at,
                  template.slot_minutes)
        )  # fmt: skip
    return resolved


def _pool_busy(kind: str, ids: tuple[int, ...], span: range) -> set[int]:
    return set(
        Hold.objects.filter(
            kind=kind, resource_id__in=ids, unit__gte=span.start, unit__lt=span.stop
        )
        .values_list("resource_id", flat=True)
        .distinct()
    )


# A pool of more resources than this (rooms of a big group practice) is asked per time
# instead of read for the whole day.
LAZY_POOL_SIZE = 64


def _occupancy(
    resource_keys: dict[str, list[int]], first_unit: int, last_unit: int, lazy: frozenset[str]
) -> Occupancy:
    """The day's holds of the providers, the patient and the small pools, read at once."""
    occupancy = Occupancy(lazy=lazy, pool_busy=_pool_busy)
    condition = Q()
    for kind, ids in resource_keys.items():
        if ids:
            condition |= Q(kind=kind, resource_id__in=ids, unit__gte=first_unit, unit__lt=last_unit)
    if condition:
        for kind, resource_id, unit in Hold.objects.filter(condition).values_list(
            "kind", "resource_id", "unit"
        ):
            occupancy.add(kind, resource_id, unit)
    return occupancy


def find_slots(
    *,
    appointment_type: AppointmentType,
    after: datetime | None = None,
    limit: int = 10,
    patient_id: int | None = None,
    prefs: Preferences = Preferences(),  # noqa: B008 - frozen dataclass
    days: int | None = None,
) -> list[Slot]:
    """The first `limit` open times for a type, across providers, locations and resources.

    Times run from now plus the type's notice to now plus its `max_days_ahead`, the
    same bounds the booking service enforces.
    """
    now = timezone.now()
    notice = 0 if prefs.urgent else appointment_type.min_notice_hours  # urgent: seen today
    not_before = max(after or now, now + timedelta(hours=notice))
    not_after = now + timedelta(days=appointment_type.max_days_ahead)
    if not_before > not_after:
        return []
    horizon = days if days is not None else appointment_type.max_days_ahead
    providers = providers_for_type(appointment_type, prefs)
    if not providers:
        return []
    locations = Location.objects.filter(practice_id=appointment_type.practice_id)
    if prefs.location_ids:
        locations = locations.filter(id__in=prefs.location_ids)
    zones = {loc.id: ZoneInfo(loc.time_zone) for loc in locations}
    needs = needs_at(appointment_type, list(zones))
    if not needs:
        return []
    provider_ids = [p.id for p in providers]
    by_weekday = _blocks_by_weekday(appointment_type, provider_ids, list(needs))
    holidays = set(
        Holiday.objects.filter(
            practice_id=appointment_type.practice_id,
            day__gte=not_before.date() - timedelta(days=1),
            day__lte=not_before.date() + timedelta(days=horizon + 1),
        ).values_list("day", flat=True)
    )
    pools = {
        "R": sorted({r for n in needs.values() for r in n.rooms}),
        "E": sorted({e for n in needs.values() for g in n.equipment for e in g}),
        "A": sorted({a for n in needs.values() for a in n.assistants}),
    }
    lazy = frozenset(kind for kind, ids in pools.items() if len(ids) > LAZY_POOL_SIZE)
    resources = {
        "P": provider_ids,
        "T": [patient_id] if patient_id is not None else [],
        **{kind: ids for kind, ids in pools.items() if kind not in lazy},
    }
    time_off = list(
        ScheduleException.objects.filter(
            location_id__in=list(needs),
            starts_at__lt=not_after + timedelta(days=1),
            ends_at__gt=not_before,
        )
        .filter(Q(provider__isnull=True) | Q(provider_id__in=provider_ids))
        .values_list("provider_id", "location_id", "starts_at", "ends_at")
    )
    found: list[Slot] = []
    first_day = min(not_before.astimezone(z).date() for z in zones.values())
    for offset in range(horizon + 1):
        day = first_day + timedelta(days=offset)
        if prefs.weekdays and day.weekday() not in prefs.weekdays:
            continue
        if day in holidays:
            continue
        blocks = _day_blocks(day, by_weekday.get(day.weekday(), ()), zones, prefs)
        if not blocks:
            continue
        day_start = min(b.starts_at for b in blocks)
        day_end = max(b.ends_at for b in blocks)
        occupancy = _occupancy(resources, unit_of(day_start), unit_of(day_end) + 1, lazy)
        closed = [c for c in time_off if c[2] < day_end and day_start < c[3]]
        found += open_slots(
            blocks, needs, occupancy, patient_id=patient_id, not_before=not_before,
            not_after=not_after, closed=closed, limit=limit - len(found),
        )  # fmt: skip
        if len(found) >= limit:
            break
    return found


def is_template_time(
    *,
    appointment_type: AppointmentType,
    provider: Provider,
    location: Location,
    starts_at: datetime,
    urgent: bool = False,
) -> bool:
    """Whether the provider's template offers this type at exactly this time, that day being
    neither a holiday nor inside an exception. Resources are the holds' business."""
    zone = ZoneInfo(location.time_zone)
    day = starts_at.astimezone(zone).date()
    if Holiday.objects.filter(practice_id=location.practice_id, day=day).exists():
        return False
    ends_at = starts_at + timedelta(minutes=appointment_type.duration_minutes)
    templates = _blocks_by_weekday(appointment_type, [provider.id], [location.id]).get(
        day.weekday(), ()
    )
    for block in _day_blocks(day, templates, {location.id: zone}, Preferences(urgent=urgent)):
        on_grid = (starts_at - block.starts_at) % timedelta(minutes=block.slot_minutes)
        if block.starts_at <= starts_at and ends_at <= block.ends_at and not on_grid:
            break
    else:
        return False
    return not ScheduleException.objects.filter(
        Q(provider__isnull=True) | Q(provider=provider),
        location=location,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).exists()


def urgent_hold_at(*, provider: Provider, location: Location, starts_at: datetime) -> time | None:
    """The release time of a block held for urgent care that covers this time, if any."""
    zone = ZoneInfo(location.time_zone)
    local = starts_at.astimezone(zone)
    held = TemplateBlock.objects.filter(
        provider=provider, location=location, weekday=local.weekday(),
        start_time__lte=local.time(), end_time__gt=local.time(), urgent_until__isnull=False,
    ).values_list("urgent_until", flat=True).first()  # fmt: skip
    return held


@dataclass
class BoardColumn:
    provider: Provider
    appointments: list


def day_board(*, location: Location, day: date) -> list[BoardColumn]:
    """One column per provider working at the location that day (by template or booking)."""
    zone = ZoneInfo(location.time_zone)
    starts = datetime.combine(day, time(0, 0), tzinfo=zone)
    ends = starts + timedelta(days=1)
    appointments = list(
        Appointment.objects.filter(location=location, starts_at__gte=starts, starts_at__lt=ends)
        .exclude(status="entered-in-error")
        .select_related("patient", "appointment_type", "room")
        .order_by("starts_at")
    )
    working = set(
        TemplateBlock.objects.filter(location=location, weekday=day.weekday()).values_list(
            "provider_id", flat=True
        )
    ) | {a.provider_id for a in appointments}
    columns = {
        p.id: BoardColumn(p, [])
        for p in Provider.objects.filter(id__in=working).order_by("last_name", "first_name")
    }
    for appointment in appointments:
        columns[appointment.provider_id].appointments.append(appointment)
    return list(columns.values())


def chosen_slot(data, practice_id: int) -> tuple[datetime, Provider, Location] | None:
    """The offered time a form posted back (starts_at, slot_provider, slot_location), if
    it names a provider and location of this practice; None for anything else."""
    try:
        starts_at = datetime.fromisoformat(data.get("starts_at", ""))
        provider_pk = int(data.get("slot_provider", ""))
        location_pk = int(data.get("slot_location", ""))
    except ValueError:
        return None
    mine = {"practice_id": practice_id}
    provider = Provider.objects.filter(pk=provider_pk, **mine).first()
    location = Location.objects.filter(pk=location_pk, **mine).first()
    if starts_at.tzinfo is None or provider is None or location is None:
        return None
    return starts_at, provider, location


def slot_places(slots: list[Slot]) -> tuple[dict[int, Provider], dict[int, Location]]:
    """The providers and locations the slots name, by id (one query each)."""
    providers = Provider.objects.in_bulk({s.provider_id for s in slots})
    locations = Location.objects.in_bulk({s.location_id for s in slots})
    return providers, locations


def _minutes(start, end) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds() / 60))


def wait_minutes(appointment: Appointment, now: datetime | None = None) -> dict[str, int | None]:
    """The waits of one visit: for a room, for the provider, and (still waiting) so far."""
    now = now or timezone.now()
    still_waiting = appointment.status == "arrived" and appointment.seen_at is None
    return {
        "for_room": _minutes(appointment.arrived_at, appointment.roomed_at),
        "for_provider": _minutes(appointment.roomed_at, appointment.seen_at),
        "arrival_to_provider": _minutes(appointment.arrived_at, appointment.seen_at),
        "so_far": _minutes(appointment.arrived_at, now) if still_waiting else None,
    }


@dataclass(frozen=True)
class ProviderFigures:
    provider: Provider
    due: int  # visits whose time came: seen, checked in, or missed
    no_shows: int
    avg_wait_for_room: float | None  # minutes, arrival to room
    avg_wait_for_provider: float | None  # minutes, room to provider

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.due if self.due else None


@dataclass(frozen=True)
class FrequentNoShow:
    patient_id: int
    no_shows: int
    last_no_show: datetime


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def dashboard_figures(
    *, practice_id: int, starts: datetime, ends: datetime, frequent_at: int = 2
) -> tuple[list[ProviderFigures], list[FrequentNoShow]]:
    """No-show rates and wait times per provider, and the patients who miss visits often."""
    rows = Appointment.objects.filter(
        location__practice_id=practice_id,
        starts_at__gte=starts,
        starts_at__lt=ends,
        status__in=("arrived", "fulfilled", "noshow"),
    ).values_list("provider_id", "patient_id", "status", "starts_at", "arrived_at", "roomed_at",
                  "seen_at")  # fmt: skip
    per_provider: dict[int, dict] = defaultdict(
        lambda: {"due": 0, "no_shows": 0, "room": [], "provider": []}
    )
    missed: dict[int, list[datetime]] = defaultdict(list)
    for provider_id, patient_id, status, starts_at, arrived, roomed, seen in rows:
        figures = per_provider[provider_id]
        figures["due"] += 1
        if status == "noshow":
            figures["no_shows"] += 1
            missed[patient_id].append(starts_at)
        if arrived and roomed:
            figures["room"].append(_minutes(arrived, roomed))
        if roomed and seen:
            figures["provider"].append(_minutes(roomed, seen))
    providers = Provider.objects.in_bulk(per_provider)
    table = sorted(
        (
            ProviderFigures(providers[pid], f["due"], f["no_shows"], _average(f["room"]),
                            _average(f["provider"]))
            for pid, f in per_provider.items()
        ),
        key=lambda p: (p.provider.last_name, p.provider.first_name),
    )  # fmt: skip
    frequent = sorted(
        (FrequentNoShow(pid, len(times), max(times)) for pid, times in missed.items()
         if len(times) >= frequent_at),
        key=lambda f: (-f.no_shows, f.last_no_show),
    )  # fmt: skip
    return table, frequent


def no_show_count(patient_id: int, *, since: datetime) -> int:
    return Appointment.objects.filter(
        patient_id=patient_id, status="noshow", starts_at__gte=since
    ).count()


def open_times(*, location: Location, day: date, provider_ids) -> dict[int, list[datetime]]:
    """Per provider: the template's start times that day with the provider free for a whole
    slot, for the board's "book here" links (the booking itself checks everything again)."""
    zone = ZoneInfo(location.time_zone)
    if Holiday.objects.filter(practice_id=location.practice_id, day=day).exists():
        return {}
    templates = [
        _Template(*row)
        for row in TemplateBlock.objects.filter(
            provider_id__in=provider_ids, location=location, weekday=day.weekday()
        ).values_list(*(f.name for f in fields(_Template)))
    ]
    blocks = _day_blocks(day, templates, {location.id: zone}, Preferences())
    if not blocks:
        return {}
    first, last = min(b.starts_at for b in blocks), max(b.ends_at for b in blocks)
    busy = set(
        Hold.objects.filter(
            kind="P", resource_id__in=provider_ids, unit__gte=unit_of(first),
            unit__lt=unit_of(last),
        ).values_list("resource_id", "unit")
    )  # fmt: skip
    off = list(
        ScheduleException.objects.filter(location=location, starts_at__lt=last, ends_at__gt=first)
        .filter(Q(provider__isnull=True) | Q(provider_id__in=provider_ids))
        .values_list("provider_id", "starts_at", "ends_at")
    )
    now = timezone.now()
    found: dict[int, list[datetime]] = defaultdict(list)
    for block in blocks:
        step = timedelta(minutes=block.slot_minutes)
        start = block.starts_at
        while start + step <= block.ends_at:
            span = units(start, start + step)
            free = start >= now and not any((block.provider_id, u) in busy for u in span)
            away = any(
                who in (None, block.provider_id) and s < start + step and start < e
                for who, s, e in off
            )
            if free and not away:
                found[block.provider_id].append(start)
            start += step
    return {pid: sorted(times) for pid, times in found.items()}
