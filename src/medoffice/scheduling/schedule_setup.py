"""A practice's scheduling set-up, read once and kept until it changes.

What every booking and every slot search checks but staff change seldom: the weekly
template blocks and the types they offer, the providers a type is limited to, holidays,
time off, and each location's rooms and equipment. Read afresh, these were a dozen ORM
queries per booking (most of its time) and 2,000 template rows per search at 200
providers. Kept, they cost one short read per call: the token of `SetupVersion`.

Database triggers (migration 0007) give the token a new random value in the same
transaction as any change to those tables, from any process and by any path (admin,
bulk_create, queryset.update, raw SQL). Each process keeps one `ScheduleSetup` per
practice with the token it was read under and reads it again when the database shows
another token, so the next booking after a change, in any worker, sees it. With no token
row (a test database just flushed), nothing is kept.

The practice's own row (its group NPI and public id, which every HL7 message names), its
appointment types, providers and locations are kept as well, watched by the same token
(migration 0011): a booking request finds what it names without a query. They are shared
by the process's threads: read them, never change and save them.

Not kept, because they change often: medical assistants (user accounts) and holds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from medoffice.core.models import Location, Practice, Provider
from medoffice.scheduling.models import (
    AppointmentType,
    Equipment,
    Holiday,
    Room,
    ScheduleException,
    SetupVersion,
    TemplateBlock,
)


class Template(NamedTuple):
    provider_id: int
    location_id: int
    start_time: time
    end_time: time
    slot_minutes: int
    valid_from: date | None
    valid_until: date | None
    urgent_until: time | None  # held for same-day urgent visits until then, if set


# (provider id, or None for the whole location; location id; starts at; ends at)
TimeOff = tuple[int | None, int, datetime, datetime]


@dataclass
class ScheduleSetup:
    token: str | None
    time_off_from: datetime  # time off ending before this is not kept
    # weekday -> (block, the types it is limited to: empty for every type), by block id
    blocks: dict[int, list[tuple[Template, frozenset[int]]]]
    type_providers: dict[int, frozenset[int]]  # type id -> providers it is limited to
    holidays: frozenset[date]
    time_off: dict[int, list[TimeOff]]  # by location
    rooms: dict[tuple[int, str], tuple[int, ...]]  # (location, kind) -> active, by name
    equipment: dict[tuple[int, str], tuple[int, ...]]  # (location, kind) -> active, by name
    # id -> every room, active or not (read-only, shared by the process's threads): a
    # booking's answer and its messages name the room without a query
    room_rows: dict[int, Room] = field(default_factory=dict)
    # id -> (name, kind) of every item of equipment, active or not (messages name them)
    equipment_labels: dict[int, tuple[str, str]] = field(default_factory=dict)
    practice: Practice | None = None  # read-only: shared by the process's threads
    # The practice's types and locations by public id, providers by NPI (read-only too)
    types: dict[str, AppointmentType] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    _offered: dict[tuple[int, int], list[Template]] = field(default_factory=dict)
    _by_provider: dict[tuple[int, int], dict[int, list[Template]]] = field(default_factory=dict)

    def providers_of(self, appointment_type_id: int) -> frozenset[int]:
        """The providers a type is limited to; empty: any provider."""
        return self.type_providers.get(appointment_type_id, frozenset())

    def templates(self, appointment_type_id: int, weekday: int) -> list[Template]:
        """The blocks of a weekday that offer the type (a block naming no type offers all)."""
        key = (appointment_type_id, weekday)
        if key not in self._offered:
            self._offered[key] = [
                block
                for block, types in self.blocks.get(weekday, ())
                if not types or appointment_type_id in types
            ]
        return self._offered[key]

    def provider_templates(
        self, appointment_type_id: int, weekday: int, provider_id: int
    ) -> list[Template]:
        """One provider's blocks of a weekday that offer the type (a booking's check)."""
        key = (appointment_type_id, weekday)
        if key not in self._by_provider:
            by_provider: dict[int, list[Template]] = defaultdict(list)
            for block in self.templates(appointment_type_id, weekday):
                by_provider[block.provider_id].append(block)
            self._by_provider[key] = dict(by_provider)
        return self._by_provider[key].get(provider_id, [])

    def time_off_at(self, location_ids, since: datetime, until: datetime) -> list[TimeOff]:
        """Time off at these locations overlapping [since, until)."""
        if since < self.time_off_from:  # not kept (a test moved its clock back)
            return list(
                ScheduleException.objects.filter(
                    location_id__in=list(location_ids), starts_at__lt=until, ends_at__gt=since
                ).values_list("provider_id", "location_id", "starts_at", "ends_at")
            )
        return [
            off
            for location_id in location_ids
            for off in self.time_off.get(location_id, ())
            if off[2] < until and since < off[3]
        ]


# practice id -> its set-up, as last read by this process (replaced whole, never edited,
# so threads of one process can share it)
_kept: dict[int, ScheduleSetup] = {}


def schedule_setup(practice_id: int) -> ScheduleSetup:
    """The practice's set-up as the database has it now (one small query when unchanged)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {SetupVersion._meta.db_table} WHERE id = 1"  # noqa: S608 - a model's table name
        )
        row = cursor.fetchone()
    token = row[0] if row else None
    kept = _kept.get(practice_id)
    if kept is not None and token is not None and kept.token == token:
        return kept
    setup = _read(practice_id, token)
    if token is not None:
        _kept[practice_id] = setup
    return setup


def _read(practice_id: int, token: str | None) -> ScheduleSetup:
    # Past time off matters to no check (both refuse past times); a day's margin keeps
    # searches and bookings that started just before the read on the kept list.
    time_off_from = timezone.now() - timedelta(days=1)
    limited: dict[int, set[int]] = defaultdict(set)
    for block_id, type_id in TemplateBlock.appointment_types.through.objects.filter(
        templateblock__location__practice_id=practice_id
    ).values_list("templateblock_id", "appointmenttype_id"):
        limited[block_id].add(type_id)
    blocks: dict[int, list[tuple[Template, frozenset[int]]]] = defaultdict(list)
    for block_id, weekday, *row in (
        TemplateBlock.objects.filter(location__practice_id=practice_id)
        .order_by("id")
        .values_list("id", "weekday", *Template._fields)
    ):
        blocks[weekday].append((Template._make(row), frozenset(limited.get(block_id, ()))))
    type_providers: dict[int, set[int]] = defaultdict(set)
    for type_id, provider_id in AppointmentType.providers.through.objects.filter(
        appointmenttype__practice_id=practice_id
    ).values_list("appointmenttype_id", "provider_id"):
        type_providers[type_id].add(provider_id)
    time_off: dict[int, list[TimeOff]] = defaultdict(list)
    for off in ScheduleException.objects.filter(
        location__practice_id=practice_id, ends_at__gt=time_off_from
    ).values_list("provider_id", "location_id", "starts_at", "ends_at"):
        time_off[off[1]].append(off)
    rooms: dict[tuple[int, str], list[int]] = defaultdict(list)
    room_rows: dict[int, Room] = {}
    for room in Room.objects.filter(location__practice_id=practice_id):  # location, name
        room_rows[room.id] = room
        if room.is_active:
            rooms[(room.location_id, room.kind)].append(room.id)
    equipment: dict[tuple[int, str], list[int]] = defaultdict(list)
    equipment_labels: dict[int, tuple[str, str]] = {}
    for item_id, location_id, kind, name, active in Equipment.objects.filter(
        location__practice_id=practice_id
    ).values_list("id", "location_id", "kind", "name", "is_active"):  # location, kind, name
        equipment_labels[item_id] = (name, kind)
        if active:
            equipment[(location_id, kind)].append(item_id)
    return ScheduleSetup(
        token=token,
        time_off_from=time_off_from,
        blocks=dict(blocks),
        type_providers={t: frozenset(p) for t, p in type_providers.items()},
        holidays=frozenset(
            Holiday.objects.filter(practice_id=practice_id).values_list("day", flat=True)
        ),
        time_off=dict(time_off),
        rooms={key: tuple(ids) for key, ids in rooms.items()},
        equipment={key: tuple(ids) for key, ids in equipment.items()},
        room_rows=room_rows,
        equipment_labels=equipment_labels,
        practice=Practice.objects.filter(id=practice_id).first(),
        types={
            str(t.public_id): t for t in AppointmentType.objects.filter(practice_id=practice_id)
        },
        locations={
            str(loc.public_id): loc for loc in Location.objects.filter(practice_id=practice_id)
        },
        providers={p.npi: p for p in Provider.objects.filter(practice_id=practice_id)},
    )
