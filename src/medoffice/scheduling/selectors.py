"""Reads for scheduling: the slot finder's data, day by day, and resource candidates."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from medoffice.core.models import Location, Provider, StaffProfile
from medoffice.core.roles import Role
from medoffice.scheduling.models import Appointment, AppointmentType, Hold, TemplateBlock
from medoffice.scheduling.schedule_setup import ScheduleSetup, Template, schedule_setup
from medoffice.scheduling.slots import (
    Block,
    HoldReader,
    Needs,
    Occupancy,
    Slot,
    local_instant,
    open_slots,
    unit_of,
    units,
)
from medoffice.scheduling.states import AppointmentStatus

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


def _providers_for_type(appointment_type: AppointmentType, prefs: Preferences, setup):
    providers = Provider.objects.filter(practice_id=appointment_type.practice_id, is_active=True)
    allowed = setup.providers_of(appointment_type.id)
    if allowed:
        providers = providers.filter(id__in=allowed)
    if prefs.provider_ids:
        providers = providers.filter(id__in=prefs.provider_ids)
    return providers


def providers_for_type(appointment_type: AppointmentType, prefs: Preferences) -> list[Provider]:
    setup = schedule_setup(appointment_type.practice_id)
    return list(_providers_for_type(appointment_type, prefs, setup))


def needs_at(
    appointment_type: AppointmentType, location_ids, setup: ScheduleSetup | None = None
) -> dict[int, Needs]:
    """Per location: the rooms, equipment and assistants a type could use there.

    Rooms and equipment come from the practice's kept set-up; assistants (whose user
    accounts come and go) are read when the type needs one.
    """
    setup = setup or schedule_setup(appointment_type.practice_id)
    kinds = appointment_type.equipment_kind_list
    assistants: dict[int, list[int]] = defaultdict(list)
    if appointment_type.needs_assistant:
        for staff_id, location_id in (
            StaffProfile.objects.filter(
                role=Role.MEDICAL_ASSISTANT, user__is_active=True, locations__in=location_ids
            )
            .order_by("id")
            .values_list("id", "locations")
        ):
            assistants[location_id].append(staff_id)
    needs = {}
    for location_id in location_ids:
        rooms = setup.rooms.get((location_id, appointment_type.room_kind), ())
        equipment = tuple(setup.equipment.get((location_id, kind), ()) for kind in kinds)
        if appointment_type.room_kind and not rooms:
            continue  # this location cannot host the type at all
        if not all(equipment):
            continue
        if appointment_type.needs_assistant and not assistants[location_id]:
            continue
        needs[location_id] = Needs(
            duration_minutes=appointment_type.duration_minutes,
            rooms=rooms if appointment_type.room_kind else (),
            equipment=equipment,
            assistants=tuple(assistants[location_id]),
        )
    return needs


def _held_for_urgent(template: Template, day: date, zone: ZoneInfo, urgent: bool) -> bool:
    """A block held for same-day urgent care is closed to others until its release time,
    and open to urgent visits only on the day itself."""
    if template.urgent_until is None:
        return False
    now = timezone.now().astimezone(zone)
    if day != now.date():
        return True  # never booked ahead: it is what keeps same-day room
    return not urgent and now.time() < template.urgent_until


def _day_blocks(day: date, templates, zones, prefs: Preferences) -> list[Block]:
    resolved = []
    instants: dict[tuple[int, time], datetime] = {}  # blocks share a few wall-clock times

    def instant(location_id: int, wall: time) -> datetime:
        key = (location_id, wall)
        if key not in instants:
            instants[key] = local_instant(day, wall, zones[location_id])
        return instants[key]

    for template in templates:
        if template.valid_from and day < template.valid_from:
            continue
        if template.valid_until and day > template.valid_until:
            continue
        zone = zones[template.location_id]
        if _held_for_urgent(template, day, zone, prefs.urgent):
            continue
        starts_at = instant(template.location_id, template.start_time)
        ends_at = instant(template.location_id, template.end_time)
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


def _hold_rows(
    columns: str,
    keys: dict[str, Sequence[int]],
    first_unit: int,
    stop_unit: int,
    *,
    ignore: int | None = None,
    group_by: str = "",
) -> list[tuple]:
    """`columns` of the holds of these resources (ids by kind) in units [first, stop),
    apart from those of the appointment `ignore` (an id), grouped by `group_by` if given.

    Plain SQL on purpose: the ORM prepares an IN list value by value, so naming 200
    providers or 300 rooms costs about a millisecond before the database sees the query,
    more than running it, and the finder asks such queries a few times per search. Each
    OR arm carries the unit range, so every arm is a range seek per resource on the
    (kind, resource_id, unit) unique index, which also covers every column read.
    """
    arms, params = [], []
    for kind, ids in keys.items():
        if connection.vendor == "postgresql":
            # One array parameter rather than hundreds: half the time to send and plan.
            arms.append("(kind = %s AND unit >= %s AND unit < %s AND resource_id = ANY(%s))")
            params += [kind, first_unit, stop_unit, list(ids)]
            continue
        marks = ", ".join(["%s"] * len(ids))
        arms.append(f"(kind = %s AND unit >= %s AND unit < %s AND resource_id IN ({marks}))")
        params += [kind, first_unit, stop_unit, *ids]
    where = " OR ".join(arms)
    if ignore is not None:
        where = f"({where}) AND appointment_id <> %s"
        params.append(ignore)
    sql = f"SELECT {columns} FROM {Hold._meta.db_table} WHERE {where}"  # noqa: S608 - placeholders only
    if group_by:
        sql += f" GROUP BY {group_by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pool_busy(kind: str, ids: tuple[int, ...], span: range) -> set[int]:
    return {
        row[0] for row in _hold_rows("DISTINCT resource_id", {kind: ids}, span.start, span.stop)
    }


def resources_busy(
    needs: Needs, span: range, *, ignore: int | None = None, also: dict | None = None
) -> set[tuple[str, int]]:
    """(kind, id) of each room, item and assistant in `needs` held at some time during
    `span`, in one query (a booking's choice of resources; `ignore`: an appointment whose
    holds do not count; `also`: more resources by kind, e.g. the provider and the patient).
    Ids only, not units: any hold in the span makes it busy."""
    keys = {
        "R": needs.rooms,
        "E": [item for group in needs.equipment for item in group],
        "A": needs.assistants,
    }
    for kind, ids in (also or {}).items():
        keys[kind] = [*keys.get(kind, ()), *ids]
    keys = {kind: ids for kind, ids in keys.items() if ids}
    if not keys:
        return set()
    rows = _hold_rows("DISTINCT kind, resource_id", keys, span.start, span.stop, ignore=ignore)
    return set(rows)


# A pool of more resources than this (rooms of a big group practice) is asked per time
# (which of them are busy then) instead of read in windows like the others: reading a
# window of 300 rooms' holds costs more than the few times a search asks about rooms.
LAZY_POOL_SIZE = 64
# Holds are read in windows as the search moves on in time (HoldReader): a first window
# holds about this many resource-units (200 providers: 25 minutes; one provider: three
# and a half days), each window after it twice as long.
FIRST_WINDOW_CELLS = 1_000
FIRST_WINDOW_UNITS = (3, 14 * 24 * 12)  # at least, at most


def _hold_reader(resource_keys: dict[str, list[int]]) -> HoldReader | None:
    """A reader of these resources' holds (none if there are none)."""
    keys = {kind: ids for kind, ids in resource_keys.items() if ids}
    if not keys:
        return None

    def read(first_unit: int, stop_unit: int) -> list[tuple]:
        # One row per visit and resource: its first and last unit in the window. A visit
        # holds consecutive units (even if it did not, the run would only look busier).
        return _hold_rows(
            "kind, resource_id, MIN(unit), MAX(unit)", keys, first_unit, stop_unit,
            group_by="kind, resource_id, appointment_id",
        )  # fmt: skip

    cells = sum(len(ids) for ids in keys.values())
    least, most = FIRST_WINDOW_UNITS
    return HoldReader(read, window=min(max(FIRST_WINDOW_CELLS // cells, least), most))


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
    setup = schedule_setup(appointment_type.practice_id)
    providers = _providers_for_type(appointment_type, prefs, setup)
    provider_ids = list(providers.values_list("id", flat=True))
    if not provider_ids:
        return []
    locations = Location.objects.filter(practice_id=appointment_type.practice_id)
    if prefs.location_ids:
        locations = locations.filter(id__in=prefs.location_ids)
    zones = {pk: ZoneInfo(name) for pk, name in locations.values_list("id", "time_zone")}
    needs = needs_at(appointment_type, list(zones), setup)
    if not needs:
        return []
    searched = set(provider_ids)
    templates: dict[int, list] = {}  # weekday -> the searched providers' blocks offering the type
    pools = {
        "R": sorted({r for n in needs.values() for r in n.rooms}),
        "E": sorted({e for n in needs.values() for g in n.equipment for e in g}),
        "A": sorted({a for n in needs.values() for a in n.assistants}),
    }
    lazy = frozenset(kind for kind, ids in pools.items() if len(ids) > LAZY_POOL_SIZE)
    # A reader per kind of resource, each window sized by its own count: the one ECG is read
    # a day or more at a time, and the providers' holds only around the times it is free
    # (open_slots asks about equipment first).
    readers = {
        "P": _hold_reader({"P": provider_ids, "T": [] if patient_id is None else [patient_id]}),
        **{kind: _hold_reader({kind: ids}) for kind, ids in pools.items() if kind not in lazy},
    }
    readers["T"] = readers["P"]
    time_off = [
        off
        for off in setup.time_off_at(needs, not_before, not_after + timedelta(days=1))
        if off[0] is None or off[0] in searched
    ]
    occupancy = Occupancy(
        lazy=lazy, pool_busy=_pool_busy,
        readers={kind: reader for kind, reader in readers.items() if reader is not None},
    )  # fmt: skip
    found: list[Slot] = []
    first_day = min(not_before.astimezone(z).date() for z in zones.values())
    for offset in range(horizon + 1):
        day = first_day + timedelta(days=offset)
        if prefs.weekdays and day.weekday() not in prefs.weekdays:
            continue
        if day in setup.holidays:
            continue
        if day.weekday() not in templates:
            templates[day.weekday()] = [
                t
                for t in setup.templates(appointment_type.id, day.weekday())
                if t.provider_id in searched and t.location_id in needs
            ]
        blocks = _day_blocks(day, templates[day.weekday()], zones, prefs)
        if not blocks:
            continue
        day_start = min(b.starts_at for b in blocks)
        day_end = max(b.ends_at for b in blocks)
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
    setup: ScheduleSetup | None = None,
) -> bool:
    """Whether the provider's template offers this type at exactly this time, that day being
    neither a holiday nor inside an exception. Resources are the holds' business."""
    setup = setup or schedule_setup(location.practice_id)
    zone = location.zone
    day = starts_at.astimezone(zone).date()
    if day in setup.holidays:
        return False
    ends_at = starts_at + timedelta(minutes=appointment_type.duration_minutes)
    templates = [
        t
        for t in setup.provider_templates(appointment_type.id, day.weekday(), provider.id)
        if t.location_id == location.id
    ]
    for block in _day_blocks(day, templates, {location.id: zone}, Preferences(urgent=urgent)):
        on_grid = (starts_at - block.starts_at) % timedelta(minutes=block.slot_minutes)
        if block.starts_at <= starts_at and ends_at <= block.ends_at and not on_grid:
            break
    else:
        return False
    return not any(
        off[0] is None or off[0] == provider.id
        for off in setup.time_off_at([location.id], starts_at, ends_at)
    )


def urgent_hold_at(*, provider: Provider, location: Location, starts_at: datetime) -> time | None:
    """The release time of a block held for urgent care that covers this time, if any."""
    zone = location.zone
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


def _on_board(location: Location, day: date) -> Q:
    """The visits a location's day board shows for `day` (its own calendar day)."""
    starts = datetime.combine(day, time(0, 0), tzinfo=location.zone)
    return Q(location=location, starts_at__gte=starts, starts_at__lt=starts + timedelta(days=1))


# Where a visit on the board stands, as its pill says (day_board.html): key -> (label, filter).
BOARD_STATES = {
    "booked": ("Booked", Q(status=AppointmentStatus.BOOKED)),
    "arrived": ("Checked in", Q(status=AppointmentStatus.ARRIVED, roomed_at__isnull=True,
                                seen_at__isnull=True)),
    "roomed": ("Roomed", Q(status=AppointmentStatus.ARRIVED, roomed_at__isnull=False,
                           seen_at__isnull=True)),
    "seen": ("With provider", Q(status=AppointmentStatus.ARRIVED, seen_at__isnull=False)),
    "fulfilled": ("Checked out", Q(status=AppointmentStatus.FULFILLED)),
    "noshow": ("No-show", Q(status=AppointmentStatus.NOSHOW)),
}  # fmt: skip


def day_board_counts(*, days: dict[Location, date]) -> dict[int, dict[str, int]]:
    """{location id: {board state key: visits}} for each location's day, in one query."""
    window = Q(pk__in=[])
    for location, day in days.items():
        window |= _on_board(location, day)
    found = {
        row.pop("location_id"): row
        for row in Appointment.objects.filter(window)
        .order_by()
        .values("location_id")
        .annotate(**{key: Count("pk", filter=q) for key, (_, q) in BOARD_STATES.items()})
    }
    empty = dict.fromkeys(BOARD_STATES, 0)
    return {location.pk: found.get(location.pk, empty) for location in days}


def day_board(*, location: Location, day: date) -> list[BoardColumn]:
    """One column per provider working at the location that day (by template or booking)."""
    appointments = list(
        Appointment.objects.filter(_on_board(location, day))
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
    zone = location.zone
    setup = schedule_setup(location.practice_id)
    if day in setup.holidays:
        return {}
    wanted = set(provider_ids)
    templates = [
        block
        for block, _types in setup.blocks.get(day.weekday(), ())
        if block.provider_id in wanted and block.location_id == location.id
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
    off = [
        (who, since, until)
        for who, _location, since, until in setup.time_off_at([location.id], first, last)
        if who is None or who in wanted
    ]
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
