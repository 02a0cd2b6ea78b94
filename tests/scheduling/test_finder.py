"""The slot finder against the database: preferences, holidays, exceptions, notice, horizon,
providers, shared equipment and assistants, telehealth. Time is frozen on a known Monday."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from medoffice.core.models import Location
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.holidays import holidays_load_federal
from medoffice.scheduling.models import (
    AppointmentType,
    Hold,
    Holiday,
    Room,
    ScheduleException,
    TemplateBlock,
)
from medoffice.scheduling.selectors import Preferences, find_slots
from medoffice.scheduling.slots import unit_of
from tests.scheduling.conftest import CHICAGO, counts, local_times

MONDAY = date(2030, 7, 1)  # the week of Independence Day (Thursday 2030-07-04)
NOW = datetime.combine(MONDAY, time(7, 0), tzinfo=CHICAGO)
DENVER = ZoneInfo("America/Denver")


def on(day: date, hour: int, minute: int = 0, zone=CHICAGO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + timedelta(days=n) for n in (1, 2, 3))


@pytest.fixture
def week(office, freeze):
    freeze(NOW)
    return office


def find(appointment_type, **kw):
    kw.setdefault("limit", 1000)
    kw.setdefault("days", 7)
    return find_slots(appointment_type=appointment_type, **kw)


def on_day(slots, day: date, provider=None) -> list[str]:
    return [
        s.starts_at.astimezone(CHICAGO).strftime("%H:%M")
        for s in slots
        if s.starts_at.astimezone(CHICAGO).date() == day
        and (provider is None or s.provider_id == provider.id)
    ]


# ---------------------------------------------------------------- preferences


def test_the_first_offer_is_the_next_template_time_after_now(week, visit_type, provider):
    slots = find(visit_type, limit=3)
    assert local_times(slots) == ["Mon 09:00", "Mon 09:00", "Mon 09:15"]
    assert [s.provider_id for s in slots][:1] == [min(provider.id, slots[1].provider_id)]


def test_a_preferred_provider_gets_only_that_providers_times(week, visit_type, second_provider):
    slots = find(visit_type, prefs=Preferences(provider_ids=(second_provider.id,)))
    assert slots
    assert {s.provider_id for s in slots} == {second_provider.id}


def test_preferred_weekdays_limit_the_days(week, visit_type):
    slots = find(visit_type, prefs=Preferences(weekdays=(2, 4)))
    assert {s.starts_at.astimezone(CHICAGO).strftime("%a") for s in slots} == {"Wed", "Fri"}


def test_a_preferred_location_uses_its_own_time_zone(week, practice, provider, visit_type):
    north = Location.objects.create(
        practice=practice, name="North", address1="1 Peak Rd", city="Denver", state="CO",
        zip_code="80202", time_zone="America/Denver",
    )  # fmt: skip
    Room.objects.create(location=north, name="Exam N")
    TemplateBlock.objects.create(
        provider=provider, location=north, weekday=2, start_time=time(14, 0),
        end_time=time(15, 0), slot_minutes=30,
    )  # fmt: skip
    slots = find(visit_type, prefs=Preferences(location_ids=(north.id,)))
    assert {s.location_id for s in slots} == {north.id}
    assert [s.starts_at.astimezone(DENVER).strftime("%a %H:%M") for s in slots] == [
        "Wed 14:00", "Wed 14:30",
    ]  # fmt: skip
    assert slots[0].starts_at.astimezone(UTC) == on(WEDNESDAY, 20, 0, UTC)  # MDT is UTC-6


@pytest.fixture
def afternoons(week, provider, location):
    for weekday in range(5):
        TemplateBlock.objects.create(
            provider=provider, location=location, weekday=weekday,
            start_time=time(13, 0), end_time=time(15, 0), slot_minutes=30,
        )  # fmt: skip


def test_morning_and_afternoon_split_at_noon(afternoons, visit_type, provider):
    prefs = {"provider_ids": (provider.id,), "weekdays": (0,)}
    everything = find(visit_type, prefs=Preferences(**prefs))
    morning = find(visit_type, prefs=Preferences(part_of_day="morning", **prefs))
    afternoon = find(visit_type, prefs=Preferences(part_of_day="afternoon", **prefs))
    assert on_day(morning, MONDAY) == on_day(everything, MONDAY)[:11]
    assert on_day(afternoon, MONDAY) == ["13:00", "13:30", "14:00", "14:30"]
    assert all(s.ends_at.astimezone(CHICAGO).time() <= time(12, 0) for s in morning)
    assert len(everything) == len(morning) + len(afternoon)


def test_part_of_day_clips_a_block_that_spans_noon(week, practice, location, rooms):
    early = AppointmentType.objects.create(practice=practice, name="Quick", duration_minutes=30)
    doctor = TemplateBlock.objects.first().provider
    TemplateBlock.objects.all().delete()
    TemplateBlock.objects.create(
        provider=doctor, location=location, weekday=1, start_time=time(11, 0),
        end_time=time(13, 0), slot_minutes=30,
    )  # fmt: skip
    assert on_day(find(early, prefs=Preferences(part_of_day="morning")), TUESDAY) == [
        "11:00", "11:30",
    ]  # fmt: skip
    assert on_day(find(early, prefs=Preferences(part_of_day="afternoon")), TUESDAY) == [
        "12:00", "12:30",
    ]  # fmt: skip


# ---------------------------------------------------------------- holidays and exceptions


def test_federal_holidays_load_once_and_close_the_office(
    week, practice, visit_type, provider, patient, book
):
    assert holidays_load_federal(practice=practice, years=[2030]) == 11
    assert holidays_load_federal(practice=practice, years=[2030]) == 0
    assert Holiday.objects.get(practice=practice, day=date(2030, 7, 4)).name == "Independence Day"
    assert Holiday.objects.filter(practice=practice, day=date(2030, 12, 25)).exists()
    slots = find(visit_type)
    offered_days = {s.starts_at.astimezone(CHICAGO).date() for s in slots}
    assert THURSDAY not in offered_days
    assert {WEDNESDAY, THURSDAY + timedelta(days=1)} <= offered_days
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        book(patient, on(THURSDAY, 9))
    assert "starts_at" in excinfo.value.message_dict
    assert counts() == before


def test_a_provider_exception_hides_only_that_providers_times(
    week, location, visit_type, provider, second_provider, patients, book
):
    ScheduleException.objects.create(
        location=location, provider=provider, starts_at=on(TUESDAY, 10),
        ends_at=on(TUESDAY, 11), reason="meeting",
    )  # fmt: skip
    slots = find(visit_type)
    assert on_day(slots, TUESDAY, provider) == [
        "09:00", "09:15", "09:30", "11:00", "11:15", "11:30",
    ]  # fmt: skip
    assert len(on_day(slots, TUESDAY, second_provider)) == 11
    assert len(on_day(slots, WEDNESDAY, provider)) == 11
    first, second = patients(2)
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        book(first, on(TUESDAY, 9, 45))  # 9:45-10:15 runs into the meeting
    assert "starts_at" in excinfo.value.message_dict
    assert counts() == before
    assert book(first, on(TUESDAY, 9, 45), provider_=second_provider).starts_at
    assert book(second, on(TUESDAY, 9, 30)).ends_at == on(TUESDAY, 10)


def test_a_location_exception_hides_everyones_times(
    week, location, visit_type, provider, second_provider
):
    ScheduleException.objects.create(
        location=location, starts_at=on(TUESDAY, 0), ends_at=on(WEDNESDAY, 0),
        reason="water main",
    )  # fmt: skip
    slots = find(visit_type)
    assert on_day(slots, TUESDAY) == []
    assert len(on_day(slots, WEDNESDAY)) == 22


def test_a_block_restricted_to_some_types_offers_only_those(
    week, visit_type, ecg, ecg_type, provider
):
    block = TemplateBlock.objects.filter(provider=provider, weekday=1).get()
    block.appointment_types.add(ecg_type)
    assert on_day(find(visit_type), TUESDAY, provider) == []
    assert len(on_day(find(ecg_type), TUESDAY, provider)) == 11  # 20-minute visits, 9:00-11:30


def test_template_validity_dates_are_honoured(week, visit_type, provider):
    next_monday = MONDAY + timedelta(days=7)
    TemplateBlock.objects.filter(provider=provider).exclude(weekday=0).update(valid_until=WEDNESDAY)
    TemplateBlock.objects.filter(provider=provider, weekday=0).update(valid_from=next_monday)
    slots = find(visit_type, prefs=Preferences(provider_ids=(provider.id,)), days=10)
    days = {s.starts_at.astimezone(CHICAGO).date() for s in slots}
    assert days == {TUESDAY, WEDNESDAY, next_monday}


# ---------------------------------------------------------------- notice and horizon


def test_min_notice_moves_the_first_offer_and_refuses_short_notice_bookings(
    week, visit_type, patient, book
):
    visit_type.min_notice_hours = 48
    visit_type.save()
    assert local_times(find(visit_type, limit=1)) == ["Wed 09:00"]
    before = counts()
    with pytest.raises(ValidationError, match="notice"):
        book(patient, on(TUESDAY, 9))
    assert counts() == before
    assert book(patient, on(TUESDAY, 9), override=True).starts_at == on(TUESDAY, 9)


def test_max_days_ahead_bounds_what_is_offered_and_booked(week, visit_type, patient, book):
    visit_type.max_days_ahead = 7
    visit_type.save()
    latest = NOW + timedelta(days=7)
    slots = find(visit_type, days=None)
    assert slots
    assert max(s.starts_at for s in slots) <= latest
    assert find(visit_type, after=NOW + timedelta(days=30), days=None) == []
    before = counts()
    with pytest.raises(ValidationError, match="7 days ahead"):
        book(patient, on(MONDAY + timedelta(days=8), 9))
    assert counts() == before
    # the last time offered can be booked
    assert book(patient, slots[-1].starts_at, provider_=None).starts_at == slots[-1].starts_at


# ---------------------------------------------------------------- providers and resources


def test_a_type_limited_to_some_providers_is_offered_and_booked_only_with_them(
    week, visit_type, provider, second_provider, patient, book
):
    visit_type.providers.add(second_provider)
    assert {s.provider_id for s in find(visit_type)} == {second_provider.id}
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        book(patient, on(TUESDAY, 9), provider_=provider)
    assert "appointment_type" in excinfo.value.message_dict
    assert counts() == before
    assert book(patient, on(TUESDAY, 9), provider_=second_provider).provider == second_provider


def test_one_ecg_cannot_serve_two_providers_at_once(
    week, ecg, ecg_type, provider, second_provider, patients, book
):
    first, second = patients(2)
    tuesday = find(ecg_type, prefs=Preferences(weekdays=(1,)))
    assert on_day(tuesday, TUESDAY, provider)[:2] == on_day(tuesday, TUESDAY, second_provider)[:2]
    appointment = book(first, on(TUESDAY, 9), type_=ecg_type)
    assert list(appointment.equipment.all()) == [ecg]
    assert Hold.objects.filter(appointment=appointment, kind="E", resource_id=ecg.id).count() == 4
    after = find(ecg_type, prefs=Preferences(weekdays=(1,)))
    # the ECG is busy 9:00-9:20, so neither provider is offered 9:00 or 9:15 (20-minute visits)
    assert on_day(after, TUESDAY, second_provider)[:1] == ["09:30"]
    assert on_day(after, TUESDAY, provider)[:1] == ["09:30"]
    before = counts()
    with pytest.raises(SlotTakenError):
        book(second, on(TUESDAY, 9), type_=ecg_type, provider_=second_provider)
    assert counts() == before
    book(second, on(TUESDAY, 9, 30), type_=ecg_type, provider_=second_provider)


def test_a_type_needing_an_assistant_is_not_offered_where_there_is_none(week, practice, visit_type):
    needy = AppointmentType.objects.create(
        practice=practice, name="Procedure", duration_minutes=30, needs_assistant=True
    )
    assert find(needy) == []


def test_one_assistant_cannot_serve_two_providers_at_once(
    week, practice, medical_assistant, provider, second_provider, patients, book
):
    needy = AppointmentType.objects.create(
        practice=practice, name="Procedure", duration_minutes=30, needs_assistant=True
    )
    first, second = patients(2)
    assert {s.assistant_id for s in find(needy)} == {medical_assistant.id}
    appointment = book(first, on(TUESDAY, 10), type_=needy)
    assert appointment.assistant == medical_assistant
    held = Hold.objects.filter(appointment=appointment, kind="A", resource_id=medical_assistant.id)
    assert held.count() == 6
    after = find(needy, prefs=Preferences(provider_ids=(second_provider.id,), weekdays=(1,)))
    assert not {"09:45", "10:00", "10:15"} & set(on_day(after, TUESDAY))
    assert {"09:30", "10:30"} <= set(on_day(after, TUESDAY))
    before = counts()
    with pytest.raises(SlotTakenError):
        book(second, on(TUESDAY, 10), type_=needy, provider_=second_provider)
    assert counts() == before


def test_an_inactive_assistant_is_not_offered(week, practice, medical_assistant):
    needy = AppointmentType.objects.create(
        practice=practice, name="Procedure", duration_minutes=30, needs_assistant=True
    )
    medical_assistant.user.is_active = False
    medical_assistant.user.save()
    assert find(needy) == []


def test_a_telehealth_visit_gets_its_own_video_room(
    week, practice, settings, provider, second_provider, patients, book
):
    settings.MEDOFFICE_TELEHEALTH_URL = "https://video.test/visit/{room}?v=1"
    video = AppointmentType.objects.create(
        practice=practice, name="Video visit", duration_minutes=15, modality="telehealth"
    )
    first, second = patients(2)
    one = book(first, on(TUESDAY, 9), type_=video)
    two = book(second, on(TUESDAY, 9), type_=video, provider_=second_provider)
    for appointment in (one, two):
        assert appointment.telehealth_url.startswith("https://video.test/visit/")
        assert appointment.telehealth_url.endswith("?v=1")
        assert len(appointment.telehealth_url) > len("https://video.test/visit/?v=1") + 10
        assert appointment.room is None
    assert one.telehealth_url != two.telehealth_url
    in_person = book(first, on(TUESDAY, 10))
    assert in_person.telehealth_url == ""


# ---------------------------------------------------------------- DST through the finder


@pytest.mark.parametrize(
    ("sunday", "offset"), [(date(2027, 3, 14), -5), (date(2027, 11, 7), -6)], ids=["spring", "fall"]
)
def test_the_finder_keeps_wall_clock_times_on_dst_sundays(
    sunday, offset, freeze, location, rooms, provider, practice, patient, make_patient, book
):
    freeze(datetime.combine(sunday - timedelta(days=6), time(12, 0), tzinfo=CHICAGO))
    for weekday in (5, 6):
        TemplateBlock.objects.create(
            provider=provider, location=location, weekday=weekday, start_time=time(9, 0),
            end_time=time(12, 0), slot_minutes=15,
        )  # fmt: skip
    quick = AppointmentType.objects.create(
        practice=practice, name="Quick", duration_minutes=15, room_kind="exam"
    )
    slots = find(quick, days=10)
    saturday = sunday - timedelta(days=1)
    assert on_day(slots, saturday) == on_day(slots, sunday)
    assert len(on_day(slots, sunday)) == 12
    assert on_day(slots, sunday)[0] == "09:00"
    first = next(s for s in slots if s.starts_at.astimezone(CHICAGO).date() == sunday)
    assert first.starts_at.astimezone(CHICAGO).utcoffset() == timedelta(hours=offset)
    appointment = book(patient, first.starts_at, type_=quick)
    # a booking given in UTC lands on the same wall-clock grid
    second = next(s for s in slots if s.starts_at.astimezone(CHICAGO).date() == sunday
                  and s.starts_at > first.starts_at)  # fmt: skip
    other = book(make_patient(first_name="Zed", last_name="Quinn", mobile_phone=""),
                 second.starts_at.astimezone(UTC), type_=quick)  # fmt: skip
    assert other.starts_at.astimezone(CHICAGO).strftime("%H:%M") == "09:15"
    with pytest.raises(ValidationError):
        book(patient, (second.starts_at + timedelta(minutes=20)).astimezone(UTC), type_=quick)
    units = set(
        Hold.objects.filter(appointment=appointment, kind="P").values_list("unit", flat=True)
    )
    nine_utc = datetime.combine(sunday, time(9 - offset, 0), tzinfo=UTC)
    assert units == {unit_of(nine_utc), unit_of(nine_utc) + 1, unit_of(nine_utc) + 2}
