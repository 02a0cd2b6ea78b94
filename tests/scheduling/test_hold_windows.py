"""Holds read in windows as the search moves on (HoldReader), and the order of the checks in
open_slots: pure, no database; the reader is a function over a list of holds."""

from datetime import UTC, date, datetime, time

from medoffice.scheduling.slots import (
    Block,
    HoldReader,
    Needs,
    Occupancy,
    local_instant,
    open_slots,
    unit_of,
    units,
)
from tests.scheduling.conftest import CHICAGO

DAY = date(2030, 1, 8)
P1, P2, LOC, ECG = 11, 12, 21, 31
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return local_instant(DAY, time(hour, minute), CHICAGO)


def recording_reader(holds: list[tuple[str, int, int]], window: int):
    """A HoldReader over `holds`, and the list of (first, stop) windows it was asked for."""
    asked: list[tuple[int, int]] = []

    def read(first: int, stop: int):
        asked.append((first, stop))
        return [(kind, rid, unit, unit) for kind, rid, unit in holds if first <= unit < stop]

    return HoldReader(read, window=window), asked


def test_windows_grow_as_the_search_moves_on_and_nothing_is_read_twice():
    reader, asked = recording_reader([], window=4)
    occupancy = Occupancy(readers={"P": reader})
    start = unit_of(at(9))
    for offset in range(0, 40):
        occupancy.free("P", P1, range(start + offset, start + offset + 2))
    assert asked[0] == (start, start + 4)
    lengths = [stop - first for first, stop in asked]
    assert lengths == [4, 8, 16, 32]
    assert all(a[1] == b[0] for a, b in zip(asked, asked[1:], strict=False))  # contiguous


def test_a_window_after_a_gap_starts_afresh_at_the_first_length():
    reader, asked = recording_reader([], window=4)
    occupancy = Occupancy(readers={"P": reader})
    start = unit_of(at(9))
    occupancy.free("P", P1, range(start, start + 6))  # one read: 6 units
    occupancy.free("P", P1, range(start + 6, start + 8))  # continues: twice as long
    occupancy.free("P", P1, range(start + 500, start + 502))  # a later day
    assert asked == [(start, start + 6), (start + 6, start + 14), (start + 500, start + 504)]


def test_a_reader_sees_the_holds_of_its_windows():
    start = unit_of(at(9))
    reader, _ = recording_reader([("P", P1, start + 10)], window=2)
    occupancy = Occupancy(readers={"P": reader})
    assert occupancy.free("P", P1, range(start, start + 2))
    assert not occupancy.free("P", P1, range(start + 9, start + 11))
    assert occupancy.free("P", P2, range(start + 9, start + 11))


def test_the_same_slots_whatever_the_window():
    holds = [("P", P1, u) for u in units(at(9), at(10, 30))]
    holds += [("P", P2, u) for u in units(at(9, 30), at(11))]
    blocks = [Block(P1, LOC, at(9), at(12), 15), Block(P2, LOC, at(9), at(12), 15)]
    needs = {LOC: Needs(duration_minutes=30)}
    loaded = Occupancy()
    for kind, resource_id, unit in holds:
        loaded.add(kind, resource_id, unit)
    expected = open_slots(blocks, needs, loaded, patient_id=None, not_before=LONG_AGO, limit=50)
    for window in (1, 3, 12, 1000):
        reader, _ = recording_reader(holds, window=window)
        found = open_slots(
            blocks, needs, Occupancy(readers={"P": reader, "T": reader}), patient_id=None,
            not_before=LONG_AGO, limit=50,
        )  # fmt: skip
        assert found == expected, window
    assert len(expected) == 9  # P1 from 10:30 (5), P2 at 9:00 and from 11:00 (4)


def test_a_busy_machine_passes_over_a_time_without_reading_the_providers_holds():
    ecg_busy = [("E", ECG, u) for u in units(at(9), at(11))]
    machines, _ = recording_reader(ecg_busy, window=100)
    people, asked = recording_reader([], window=2)
    occupancy = Occupancy(readers={"E": machines, "P": people})
    blocks = [Block(P1, LOC, at(9), at(12), 15), Block(P2, LOC, at(9), at(12), 15)]
    needs = {LOC: Needs(duration_minutes=20, equipment=((ECG,),))}
    found = open_slots(blocks, needs, occupancy, patient_id=None, not_before=LONG_AGO, limit=1)
    assert [(s.starts_at, s.provider_id, s.equipment_ids) for s in found] == [(at(11), P1, (ECG,))]
    assert asked[0][0] == unit_of(at(11))  # nothing read for the hours the ECG was busy


def test_starts_honour_not_before_to_the_second_and_not_after_inclusively():
    blocks = [Block(P1, LOC, at(9), at(12), 15)]
    needs = {LOC: Needs(duration_minutes=15)}
    found = open_slots(
        blocks, needs, Occupancy(), patient_id=None,
        not_before=at(9, 15).replace(microsecond=1), not_after=at(10),
        limit=50,
    )  # fmt: skip
    assert [s.starts_at for s in found] == [at(9, 30), at(9, 45), at(10)]
    assert found[0].starts_at.tzinfo is CHICAGO  # in the block's own zone, as before


def test_a_run_read_as_first_and_last_unit_holds_every_unit_between():
    start = unit_of(at(9))
    occupancy = Occupancy(
        readers={"P": HoldReader(lambda first, stop: [("P", P1, start + 2, start + 7)], window=12)}
    )
    assert occupancy.free("P", P1, range(start, start + 2))
    assert not occupancy.free("P", P1, range(start + 7, start + 8))
    assert occupancy.busy[("P", P1)] == set(range(start + 2, start + 8))
