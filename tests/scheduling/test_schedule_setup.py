"""The kept scheduling set-up (schedule_setup.py) is read once, and any change to it, by any
path (queryset.update, bulk_create, raw SQL, a rolled-back change), is seen by the next
booking or search."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from medoffice.scheduling import schedule_setup as kept_setups
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import (
    Holiday,
    Room,
    ScheduleException,
    SetupVersion,
    TemplateBlock,
)
from medoffice.scheduling.schedule_setup import schedule_setup
from medoffice.scheduling.selectors import find_slots
from tests.scheduling.conftest import CHICAGO, next_weekday_at


class _Undo(Exception):
    pass


def first_offer(visit_type):
    return find_slots(appointment_type=visit_type, limit=1, days=14)[0].starts_at


def test_an_unchanged_setup_costs_one_small_query(office, practice):
    kept = schedule_setup(practice.id)
    with CaptureQueriesContext(connection) as queries:
        again = schedule_setup(practice.id)
    assert again is kept
    assert len(queries) == 1
    assert "scheduling_setupversion" in queries[0]["sql"]


def test_each_change_gives_a_new_token(office, rooms):
    before = SetupVersion.objects.get(id=1).token
    Room.objects.filter(id=rooms[0].id).update(name="Exam 9")
    after = SetupVersion.objects.get(id=1).token
    assert after != before


def test_a_rooms_new_kind_is_seen_by_the_next_booking(
    office, rooms, second_provider, patients, book
):
    first, second = patients(2)
    assert book(first, next_weekday_at(9)).room_id == rooms[0].id
    Room.objects.filter(id=rooms[1].id).update(kind="procedure")  # no signals
    with pytest.raises(SlotTakenError):  # the one exam room left is taken
        book(second, next_weekday_at(9), provider_=second_provider)
    Room.objects.filter(id=rooms[1].id).update(kind="exam")
    assert book(second, next_weekday_at(9), provider_=second_provider).room_id == rooms[1].id


def test_a_location_left_without_the_room_kind_is_refused_at_once(office, rooms, patient, book):
    schedule_setup(office.practice_id)  # kept with two exam rooms
    Room.objects.update(kind="lab")
    with pytest.raises(ValidationError) as refused:
        book(patient, next_weekday_at(9))
    assert "location" in refused.value.message_dict


def test_a_types_new_provider_list_is_seen_by_the_next_booking(
    office, visit_type, provider, second_provider, patients, book
):
    first, second = patients(2)
    book(first, next_weekday_at(9))
    visit_type.providers.add(second_provider)
    with pytest.raises(ValidationError) as refused:
        book(second, next_weekday_at(10))
    assert "appointment_type" in refused.value.message_dict
    visit_type.providers.clear()
    assert book(second, next_weekday_at(10)).provider_id == provider.id


def test_a_template_moved_by_queryset_update_is_seen_by_the_next_search_and_booking(
    office, visit_type, provider, second_provider, patient, book, freeze
):
    freeze(next_weekday_at(7))
    assert first_offer(visit_type).astimezone(CHICAGO).time() == time(9, 0)
    TemplateBlock.objects.update(start_time=time(10, 0))
    assert first_offer(visit_type).astimezone(CHICAGO).time() == time(10, 0)
    with pytest.raises(ValidationError):
        book(patient, next_weekday_at(9))


def test_holidays_and_time_off_added_in_bulk_are_seen(
    office, practice, location, provider, visit_type, patient, book, freeze
):
    freeze(next_weekday_at(7))
    day = next_weekday_at(9)
    assert first_offer(visit_type) == day
    Holiday.objects.bulk_create([Holiday(practice=practice, day=day.date(), name="Closed")])
    assert first_offer(visit_type).date() != day.date()
    with pytest.raises(ValidationError):
        book(patient, day)
    Holiday.objects.all().delete()
    ScheduleException.objects.bulk_create(
        [ScheduleException(location=location, provider=provider, starts_at=day,
                           ends_at=day + timedelta(hours=1), reason="Meeting")]
    )  # fmt: skip
    with pytest.raises(ValidationError):
        book(patient, day)
    assert book(patient, day + timedelta(hours=1)).provider_id == provider.id


def test_a_change_made_in_plain_sql_is_seen(office, rooms, practice):
    exam = (office.id, "exam")
    assert schedule_setup(practice.id).rooms[exam] == (rooms[0].id, rooms[1].id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scheduling_room SET is_active = %s WHERE id = %s", [False, rooms[0].id]
        )
    assert schedule_setup(practice.id).rooms[exam] == (rooms[1].id,)


def test_a_rolled_back_change_leaves_nothing_stale(office, rooms, practice):
    exam = (office.id, "exam")
    seen_inside = []
    try:
        with transaction.atomic():
            Room.objects.filter(id=rooms[0].id).update(kind="lab")
            seen_inside.append(schedule_setup(practice.id).rooms[exam])
            raise _Undo
    except _Undo:
        pass
    assert seen_inside == [(rooms[1].id,)]
    assert schedule_setup(practice.id).rooms[exam] == (rooms[0].id, rooms[1].id)


def test_without_the_token_row_nothing_is_kept(office, rooms, practice):
    SetupVersion.objects.all().delete()
    first = schedule_setup(practice.id)
    assert schedule_setup(practice.id) is not first
    Room.objects.filter(id=rooms[0].id).update(kind="lab")  # the trigger writes the row again
    assert schedule_setup(practice.id).rooms[(office.id, "exam")] == (rooms[1].id,)


def test_past_time_off_not_kept_is_read_when_asked(office, location, provider, practice, freeze):
    now = freeze(next_weekday_at(7))
    ScheduleException.objects.create(
        location=location, provider=provider, starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=2), reason="Course",
    )  # fmt: skip
    kept = schedule_setup(practice.id)
    assert kept.time_off == {}
    asked = kept.time_off_at([location.id], now - timedelta(days=4), now)
    assert [off[0] for off in asked] == [provider.id]


def test_each_practice_has_its_own_setup(office, practice, other_practice):
    assert schedule_setup(practice.id).rooms
    assert schedule_setup(other_practice.id).rooms == {}
    assert kept_setups._kept[practice.id].token == kept_setups._kept[other_practice.id].token
