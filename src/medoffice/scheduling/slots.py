"""Time arithmetic and the open-slot search. Pure: no ORM.

Templates are wall-clock times in the location's zone; each day's blocks are
turned into UTC instants with that zone, so a daylight-saving change moves
nothing on the clock on the wall. Occupancy is kept in 5-minute units (minutes
since the epoch divided by 5, UTC), the same units the `Hold` rows use.
"""

from collections.abc import Callable, Iterable, Iterator
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
class HoldReader:
    """Reads some resources' holds in windows of units, as a search moves on in time.

    `read(first_unit, stop_unit)` yields (kind, resource id, first unit, last unit) rows,
    one per held run of units (a visit's holds of one resource are consecutive units, so
    a 30-minute visit is one row, not six). A window that continues the last one is twice
    as long as it, so a search that ends within its first hour reads about an hour of
    holds, and one that runs on for days needs a few queries; a window that does not (a
    later day) starts again at `window` units.
    """

    read: Callable[[int, int], Iterable[tuple[str, int, int]]]
    window: int
    loaded: range = range(0)
    _length: int = 0

    def cover(self, span: range, occupancy: "Occupancy") -> None:
        loaded = self.loaded
        if loaded.start <= span.start and span.stop <= loaded.stop:
            return
        if loaded.start <= span.start <= loaded.stop and len(loaded):
            self._length *= 2
        else:  # rows read before stay true; only the window starts afresh
            loaded = range(span.start, span.start)
            self._length = self.window
        stop = max(span.stop, loaded.stop + self._length)
        for kind, resource_id, first, last in self.read(loaded.stop, stop):
            occupancy.add_units(kind, resource_id, range(first, last + 1))
        self.loaded = range(loaded.start, stop)


@dataclass
class Occupancy:
    """Busy units per (kind, resource id), as loaded for the times being searched.

    Holds are either added up front (`add`) or, for the kinds in `readers`, read by a
    HoldReader the first time a span beyond what it has read is asked about.

    A large pool (many rooms) can instead be asked lazily: for the kinds in `lazy`,
    `pool_busy(kind, ids, span)` returns the ids busy during the span. It is only asked
    for a time at which the provider and the patient are free, so a whole day of a large
    pool's holds is never read.
    """

    busy: dict[tuple[str, int], set[int]] = field(default_factory=dict)
    lazy: frozenset[str] = frozenset()
    pool_busy: Callable[[str, tuple[int, ...], range], set[int]] | None = None
    readers: dict[str, HoldReader] = field(default_factory=dict)
    _asked: dict[tuple[str, tuple[int, ...], int, int], set[int]] = field(default_factory=dict)

    def add(self, kind: str, resource_id: int, unit: int) -> None:
        self.busy.setdefault((kind, resource_id), set()).add(unit)

    def add_units(self, kind: str, resource_id: int, held: range) -> None:
        self.busy.setdefault((kind, resource_id), set()).update(held)

    def _cover(self, kind: str, span: range) -> None:
        reader = self.readers.get(kind)
        if reader is not None:
            reader.cover(span, self)

    def free(self, kind: str, resource_id: int, span: range) -> bool:
        self._cover(kind, span)
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


def _grid(order: int, block: Block, duration_s: int, first_s: int, last_s: int | None):
    """(first start, last start, step, provider id, block order) of the starts on the block's
    grid that fit the visit, from `first_s` to `last_s` (epoch seconds); None if none do."""
    step = block.slot_minutes * 60
    start = int(block.starts_at.timestamp())
    last = int(block.ends_at.timestamp()) - duration_s
    if last_s is not None:
        last = min(last, last_s)
    if first_s > start:
        start += -(-(first_s - start) // step) * step  # the next grid point at or after it
    if start > last:
        return None
    return start, last, step, block.provider_id, order


# Candidates are built this many seconds of starts at a time.
CANDIDATE_WINDOW_S = 3600


def _candidates(grids: list[tuple[int, int, int, int, int]]) -> Iterator[tuple[int, int, int]]:
    """(start second, provider id, block order) of every grid's starts, in that order.

    Built an hour of starts at a time and sorted, rather than merged one candidate at a
    time: with 200 providers an hour is about 800 candidates, built in a few list
    operations, where a lazy merge paid a generator step and a heap operation for each
    (most of a search that must pass over thousands of them, e.g. while the one ECG is
    busy). A search that is satisfied early still builds at most an hour more.
    """
    pending = sorted(grids)
    active: list[tuple[int, int, int, int, int]] = []
    taken = 0
    window = pending[0][0] if pending else 0
    while taken < len(pending) or active:
        if not active and pending[taken][0] > window:
            window = pending[taken][0]  # nothing starts in between
        end = window + CANDIDATE_WINDOW_S
        while taken < len(pending) and pending[taken][0] < end:
            active.append(pending[taken])
            taken += 1
        batch: list[tuple[int, int, int]] = []
        going_on = []
        for grid in active:
            first, last, step, provider_id, order = grid
            if first < window:
                first += -(-(window - first) // step) * step
            batch.extend(
                (second, provider_id, order)
                for second in range(first, min(last, end - 1) + 1, step)
            )
            if last >= end:
                going_on.append(grid)
        active = going_on
        batch.sort()
        yield from batch
        window = end


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

    Candidates come in (start, provider) order, in whole epoch seconds, an hour of starts
    at a time (`_candidates`): with 200 providers the first ten slots are usually found
    among the first few dozen candidates, so the thousands of later ones are never built.
    """
    found: list[Slot] = []
    first_s = -(-not_before.timestamp() // 1)  # whole seconds, rounded up
    last_s = None if not_after is None else int(not_after.timestamp() // 1)
    grids = []
    for order, block in enumerate(blocks):
        needs = needs_by_location.get(block.location_id)
        if needs is not None:
            grid = _grid(order, block, needs.duration_minutes * 60, int(first_s), last_s)
            if grid is not None:
                grids.append(grid)
    shut = [
        (provider_id, location_id, int(since.timestamp()), int(until.timestamp()))
        for provider_id, location_id, since, until in closed
    ]
    # Locations whose equipment is all taken at the start being tried (candidates come in
    # start order, and the span depends only on the start and the location's needs).
    equipment_busy_at, equipment_busy = None, set()
    for start_s, provider_id, order in _candidates(grids):
        block = blocks[order]
        needs = needs_by_location[block.location_id]
        if needs.equipment:
            if start_s != equipment_busy_at:
                equipment_busy_at, equipment_busy = start_s, set()
            if block.location_id in equipment_busy:
                continue  # the next provider at a location whose ECG is busy then
        end_s = start_s + needs.duration_minutes * 60
        if shut and _is_shut(shut, block, start_s, end_s):
            continue
        span = range(start_s // UNIT_SECONDS, -(-end_s // UNIT_SECONDS))
        # Equipment first, even before the provider: it is the scarcest (one ECG for a
        # hundred providers), so a time at which it is busy is passed over for every
        # provider without reading their holds for that time, nor asking again.
        equipment_ids = []
        for group in needs.equipment:
            chosen = occupancy.first_free("E", group, span)
            if chosen is None:
                break
            equipment_ids.append(chosen)
        if len(equipment_ids) != len(needs.equipment):
            equipment_busy.add(block.location_id)
            continue
        if not occupancy.free("P", provider_id, span):
            continue
        if patient_id is not None and not occupancy.free("T", patient_id, span):
            continue
        # Rooms after the people: a large pool of them costs a query per time asked.
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
        zone = block.starts_at.tzinfo
        found.append(
            Slot(datetime.fromtimestamp(start_s, zone), datetime.fromtimestamp(end_s, zone),
                 provider_id, block.location_id, room_id, tuple(equipment_ids), assistant_id)
        )  # fmt: skip
        if len(found) >= limit:
            break
    return found


def _is_shut(shut, block: Block, start_s: int, end_s: int) -> bool:
    for provider_id, location_id, since, until in shut:
        applies = provider_id == block.provider_id or (
            provider_id is None and location_id == block.location_id
        )
        if applies and start_s < until and since < end_s:
            return True
    return False
