"""slots.py is pure: unit arithmetic, wall-clock instants across DST, and the open-slot search.

No database here: every test builds Blocks, Needs and Occupancy by hand.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from medoffice.scheduling.slots import (
    Block,
    Needs,
    Occupancy,
    block_starts,
    instant_of,
    local_instant,
    open_slots,
    unit_of,
    units,
)
from tests.scheduling.conftest import CHICAGO

DAY = date(2030, 1, 8)  # an ordinary Tuesday, far from any DST change
P1, P2, LOC, LOC2 = 11, 12, 21, 22
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return local_instant(day, time(hour, minute), CHICAGO)


def block(provider_id=P1, location_id=LOC, start=(9, 0), end=(12, 0), slot_minutes=15, day=DAY):
    return Block(provider_id, location_id, at(*start, day=day), at(*end, day=day), slot_minutes)


def hhmm(slots) -> list[tuple[str, int]]:
    return [(s.starts_at.astimezone(CHICAGO).strftime("%H:%M"), s.provider_id) for s in slots]


def search(blocks, needs=None, occupancy=None, **kw):
    kw.setdefault("patient_id", None)
    kw.setdefault("not_before", LONG_AGO)
    kw.setdefault("limit", 1000)
    return open_slots(
        blocks, needs or {LOC: Needs(duration_minutes=30)}, occupancy or Occupancy(), **kw
    )


# ---------------------------------------------------------------- units


def test_a_unit_is_five_minutes_since_the_epoch_in_utc():
    assert unit_of(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert unit_of(datetime(1970, 1, 1, 0, 4, 59, tzinfo=UTC)) == 0
    assert unit_of(datetime(1970, 1, 1, 0, 5, tzinfo=UTC)) == 1
    start = at(9)
    assert instant_of(unit_of(start)) == start
    # the same instant written in another zone is the same unit
    assert unit_of(start.astimezone(UTC)) == unit_of(start)


def test_an_interval_occupies_each_unit_it_touches():
    start = at(9)
    first = unit_of(start)
    assert units(start, at(9, 30)) == range(first, first + 6)
    assert units(start, at(9, 5)) == range(first, first + 1)
    assert len(units(start, start)) == 0


def test_an_end_inside_a_unit_occupies_that_unit():
    start = at(9)
    first = unit_of(start)
    assert units(start, start + timedelta(minutes=7)) == range(first, first + 2)
    assert units(start, start + timedelta(minutes=5, seconds=1)) == range(first, first + 2)
    # a start inside a unit occupies that unit too
    assert units(at(9, 3), at(9, 7)) == range(first, first + 2)


# ---------------------------------------------------------------- wall clock across DST


@pytest.mark.parametrize(
    ("day", "offset_hours", "utc_hour"),
    [
        (date(2026, 3, 7), -6, 15),  # Saturday before spring-forward: CST
        (date(2026, 3, 8), -5, 14),  # spring-forward day: CDT
        (date(2026, 10, 31), -5, 14),  # Saturday before fall-back: CDT
        (date(2026, 11, 1), -6, 15),  # fall-back day: CST
    ],
)
def test_a_nine_oclock_block_starts_at_nine_on_the_wall(day, offset_hours, utc_hour):
    instant = local_instant(day, time(9, 0), CHICAGO)
    assert instant.utcoffset() == timedelta(hours=offset_hours)
    assert instant.astimezone(UTC) == datetime.combine(day, time(utc_hour, 0), tzinfo=UTC)
    assert instant.astimezone(CHICAGO).strftime("%Y-%m-%d %H:%M") == f"{day} 09:00"


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)], ids=["spring", "fall"])
def test_a_dst_day_offers_the_same_twelve_quarter_hours(day):
    slots = search([block(day=day)], {LOC: Needs(duration_minutes=15)})
    expected = [f"{h:02d}:{m:02d}" for h in (9, 10, 11) for m in (0, 15, 30, 45)]
    assert [s.starts_at.astimezone(CHICAGO).strftime("%H:%M") for s in slots] == expected
    assert len(slots) == 12
    # evenly spaced in real time too: no lost or extra hour inside the block
    gaps = {b.starts_at - a.starts_at for a, b in zip(slots, slots[1:], strict=False)}
    assert gaps == {timedelta(minutes=15)}
    assert slots[-1].ends_at.astimezone(CHICAGO).strftime("%H:%M") == "12:00"


def test_block_starts_stop_where_the_visit_would_overrun_the_block():
    starts = list(block_starts(block(), timedelta(minutes=30), LONG_AGO))
    assert starts[0] == at(9)
    assert starts[-1] == at(11, 30)
    assert len(starts) == 11


# ---------------------------------------------------------------- open_slots


def busy(occupancy: Occupancy, kind: str, resource_id: int, start: datetime, end: datetime):
    for unit in units(start, end):
        occupancy.add(kind, resource_id, unit)
    return occupancy


def test_results_are_ordered_by_time_then_provider():
    blocks = [block(P2, end=(9, 30)), block(P1, end=(9, 30))]
    slots = search(blocks, {LOC: Needs(duration_minutes=15)})
    assert hhmm(slots) == [("09:00", P1), ("09:00", P2), ("09:15", P1), ("09:15", P2)]


def test_a_busy_provider_unit_hides_every_start_that_would_touch_it():
    occupancy = busy(Occupancy(), "P", P1, at(10), at(10, 5))
    times = [t for t, _ in hhmm(search([block()], occupancy=occupancy))]
    assert "09:30" in times
    assert "10:15" in times
    assert not {"09:45", "10:00"} & set(times)  # 30-minute visits that would cover 10:00


def test_another_providers_holds_do_not_matter():
    occupancy = busy(Occupancy(), "P", P2, at(9), at(12))
    assert len(search([block()], occupancy=occupancy)) == 11


def test_the_patients_own_visits_are_avoided_only_for_that_patient():
    occupancy = busy(Occupancy(), "T", 77, at(9), at(10))
    for_77 = search([block()], occupancy=occupancy, patient_id=77)
    assert hhmm(for_77)[0] == ("10:00", P1)
    assert hhmm(search([block()], occupancy=occupancy, patient_id=78))[0] == ("09:00", P1)


def test_a_room_is_chosen_among_the_free_ones_and_none_free_means_no_slot():
    needs = {LOC: Needs(duration_minutes=30, rooms=(1, 2))}
    occupancy = busy(Occupancy(), "R", 1, at(9), at(9, 30))
    first = search([block()], needs, occupancy)[0]
    assert (hhmm([first]), first.room_id) == ([("09:00", P1)], 2)
    busy(occupancy, "R", 2, at(9), at(10))
    first = search([block()], needs, occupancy)[0]
    assert (hhmm([first]), first.room_id) == ([("09:30", P1)], 1)


def test_one_item_of_each_equipment_group_is_needed():
    needs = {LOC: Needs(duration_minutes=30, equipment=((5,), (6, 7)))}
    occupancy = busy(Occupancy(), "E", 6, at(9), at(12))
    first = search([block()], needs, occupancy)[0]
    assert first.equipment_ids == (5, 7)
    busy(occupancy, "E", 7, at(9), at(10))
    assert hhmm(search([block()], needs, occupancy))[0] == ("10:00", P1)
    busy(occupancy, "E", 5, at(10), at(12))
    assert search([block()], needs, occupancy) == []


def test_an_assistant_must_be_free_for_the_whole_visit():
    needs = {LOC: Needs(duration_minutes=30, assistants=(8, 9))}
    occupancy = busy(Occupancy(), "A", 8, at(9), at(12))
    assert search([block()], needs, occupancy)[0].assistant_id == 9
    busy(occupancy, "A", 9, at(9, 25), at(9, 30))
    assert hhmm(search([block()], needs, occupancy))[0] == ("09:30", P1)


def test_a_provider_exception_closes_only_that_provider():
    closed = [(P1, LOC, at(9), at(11))]
    slots = search([block(P1), block(P2)], closed=closed)
    assert {t for t, p in hhmm(slots) if p == P1} == {"11:00", "11:15", "11:30"}
    assert len([p for _, p in hhmm(slots) if p == P2]) == 11


def test_a_location_exception_closes_everyone_at_that_location_only():
    blocks = [block(P1), block(P2), block(P2, location_id=LOC2, start=(13, 0), end=(14, 0))]
    needs = {LOC: Needs(duration_minutes=30), LOC2: Needs(duration_minutes=30)}
    closed = [(None, LOC, at(8), at(12))]
    slots = search(blocks, needs, closed=closed)
    assert {s.location_id for s in slots} == {LOC2}
    assert len(slots) == 3


def test_an_exception_touching_only_the_visits_edge_does_not_close_it():
    closed = [(P1, LOC, at(9, 30), at(10))]
    times = [t for t, _ in hhmm(search([block()], closed=closed))]
    assert "09:00" in times
    assert "10:00" in times
    assert "09:15" not in times
    assert "09:45" not in times


def test_not_before_drops_earlier_starts():
    slots = search([block()], not_before=at(10, 10))
    assert hhmm(slots)[0] == ("10:15", P1)


def test_not_after_drops_later_starts_inclusively():
    slots = search([block()], not_after=at(10))
    assert hhmm(slots)[-1] == ("10:00", P1)
    assert len(slots) == 5
    assert search([block()], not_after=at(8)) == []


def test_limit_keeps_the_earliest():
    slots = search([block(P1), block(P2)], limit=3)
    assert hhmm(slots) == [("09:00", P1), ("09:00", P2), ("09:15", P1)]


def test_a_location_that_cannot_host_the_type_offers_nothing():
    assert search([block(location_id=LOC2)], {LOC: Needs(duration_minutes=30)}) == []


def test_candidates_come_in_start_then_provider_order_across_hours_and_gaps():
    # Blocks of different lengths, grids and days: the hour-at-a-time build must give the
    # same order as sorting every start at once (and skip the night between the days).
    blocks = [
        block(P1, start=(8, 0), end=(17, 0), slot_minutes=15),
        block(P2, start=(8, 10), end=(12, 0), slot_minutes=20),
        block(13, start=(13, 0), end=(13, 45), slot_minutes=15),
        block(14, start=(9, 0), end=(17, 0), slot_minutes=30, day=DAY + timedelta(days=1)),
    ]
    slots = search(blocks, {LOC: Needs(duration_minutes=15)})
    expected = sorted(
        (start, b.provider_id)
        for b in blocks
        for start in block_starts(b, timedelta(minutes=15), LONG_AGO)
    )
    assert [(s.starts_at, s.provider_id) for s in slots] == expected


def test_a_location_whose_equipment_is_busy_is_passed_over_for_every_provider():
    needs = {LOC: Needs(duration_minutes=30, equipment=((5,),)), LOC2: Needs(duration_minutes=30)}
    occupancy = busy(Occupancy(), "E", 5, at(9), at(10))
    blocks = [block(P1), block(P2), block(13, location_id=LOC2)]
    slots = search(blocks, needs, occupancy, not_after=at(10))
    assert hhmm(slots) == [
        ("09:00", 13), ("09:15", 13), ("09:30", 13), ("09:45", 13),
        ("10:00", P1), ("10:00", P2), ("10:00", 13),
    ]  # fmt: skip
