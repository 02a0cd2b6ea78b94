"""Time arithmetic and the open-slot search. Pure: no ORM.

Templates are wall-clock times in the location's zone; each day's blocks are
turned into UTC instants with that zone, so a daylight-saving change moves
nothing on the clock on the wall. Occupancy is kept in 5-minute units (minutes
since the epoch divided by 5, UTC), the same units the `Hold` rows use.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UNIT_SECONDS = 5 * 60


def unit_of(instant: datetime) -> int:
    return int(instant.timestamp()) // UNIT_SECONDS


def units(starts_at: datetime, ends_at: datetime) -> range:
    """The units an interval occupies; an end inside a unit occupies that unit."""
    return range(unit_of(starts_at), -(-int(ends_at.timestamp()) // UNIT_SECONDS))


def instant_of(unit: int) -> datetime:
    return datetime.fromtimestamp(unit * UNIT_SECONDS, tz=UTC)


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day in a zone, as an aware instant (fold=0 in a repeated hour)."""
    return datetime.combine(day, wall, tzinfo=zone)


@dataclass(frozen=True)
class Block:
    """One provider's template block, already resolved to a day (UTC bounds)."""

    provider_id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int


@dataclass(frozen=True)
class Needs:
    """What a booking must hold besides the provider and the patient."""

    duration_minutes: int
    rooms: tuple[int, ...] = ()  # any one of these (per location, see Candidate)
    equipment: tuple[tuple[int, ...], ...] = ()  # one of each group
    assistants: tuple[int, ...] = ()  # any one of these


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    provider_id: int
    location_id: int
    room_id: int | None = None
    equipment_ids: tuple[int, ...] = ()
    assistant_id: int | None = None


@dataclass
class Occupancy:
    """Busy units per (kind, resource id), as loaded for the days being searched.

    A large pool (many rooms) can instead be asked lazily: for the kinds in `lazy`,
    `pool_busy(kind, ids, span)` returns the ids busy during the span. It is only asked
    for a time at which the provider and the patient are free, so a whole day of a large
    pool's holds is never read.
    """

    busy: dict[tuple[str, int], set[int]] = field(default_factory=dict)
    lazy: frozenset[str] = frozenset()
    pool_busy: Callable[[str, tuple[int, ...], range], set[int]] | None = None
    _asked: dict[tuple[str, tuple[int, ...], int, int], set[int]] = field(default_factory=dict)

    def add(self, kind: str, resource_id: int, unit: int) -> None:
        self.busy.setdefault((kind, resource_id), set()).add(unit)

    def free(self, kind: str, resource_id: int, span: range) -> bool:
        taken = self.busy.get((kind, resource_id))
        return not taken or taken.isdisjoint(span)

    def first_free(self, kind: str, ids: tuple[int, ...], span: range) -> int | None:
        if kind not in self.lazy or self.pool_busy is None:
            return next((i for i in ids if self.free(kind, i, span)), None)
        key = (kind, ids, span.start, span.stop)
        if key not in self._asked:
            self._asked[key] = self.pool_busy(kind, ids, span)
        taken = self._asked[key]
        return next((i for i in ids if i not in taken), None)


def block_starts(
    block: Block, duration: timedelta, not_before: datetime, not_after: datetime | None = None
) -> Iterator[datetime]:
    step = timedelta(minutes=block.slot_minutes)
    start = block.starts_at
    while start + duration <= block.ends_at:
        if not_after is not None and start > not_after:
            return
        if start >= not_before:
            yield start
        start += step


def open_slots(
    blocks: list[Block],
    needs_by_location: dict[int, Needs],
    occupancy: Occupancy,
    *,
    patient_id: int | None,
    not_before: datetime,
    not_after: datetime | None = None,
    closed: list[tuple[int | None, int, datetime, datetime]] = (),
    limit: int,
) -> list[Slot]:
    """The earliest open slots in `blocks` (one day's worth), at most `limit`, by start time.

    Starts run from `not_before` to `not_after` (inclusive; None: to the block's end).

    `closed` lists (provider id or None for the whole location, location id, start, end)
    exceptions. A slot needs the provider, the patient and one of each required
    resource free for every unit of the visit.
    """
    found: list[Slot] = []
    candidates: list[tuple[datetime, Block]] = []
    for block in blocks:
        needs = needs_by_location.get(block.location_id)
        if needs is None:
            continue
        duration = timedelta(minutes=needs.duration_minutes)
        for start in block_starts(block, duration, not_before, not_after):
            candidates.append((start, block))
    candidates.sort(key=lambda pair: (pair[0], pair[1].provider_id))
    for start, block in candidates:
        needs = needs_by_location[block.location_id]
        end = start + timedelta(minutes=needs.duration_minutes)
        if _is_closed(closed, block, start, end):
            continue
        span = units(start, end)
        if not occupancy.free("P", block.provider_id, span):
            continue
        if patient_id is not None and not occupancy.free("T", patient_id, span):
            continue
        # Equipment first: it is the scarcest, and rooms may cost a query to ask about.
        equipment_ids = []
        for group in needs.equipment:
            chosen = occupancy.first_free("E", group, span)
            if chosen is None:
                break
            equipment_ids.append(chosen)
        if len(equipment_ids) != len(needs.equipment):
            continue
        room_id = None
        if needs.rooms:
            room_id = occupancy.first_free("R", needs.rooms, span)
            if room_id is None:
                continue
        assistant_id = None
        if needs.assistants:
            assistant_id = occupancy.first_free("A", needs.assistants, span)
            if assistant_id is None:
                continue
        found.append(
            Slot(start, end, block.provider_id, block.location_id, room_id,
                 tuple(equipment_ids), assistant_id)
        )  # fmt: skip
        if len(found) >= limit:
            break
    return found


def _is_closed(closed, block: Block, start: datetime, end: datetime) -> bool:
    for provider_id, location_id, closed_from, closed_until in closed:
        applies = provider_id == block.provider_id or (
            provider_id is None and location_id == block.location_id
        )
        if applies and start < closed_until and closed_from < end:
            return True
    return False
