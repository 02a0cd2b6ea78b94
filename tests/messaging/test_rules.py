"""Pure decisions: the due reminder, the channel, quiet hours, what a reply means."""

from datetime import UTC, datetime, time, timedelta

import pytest

from medoffice.messaging.models import parse_offsets
from medoffice.messaging.rules import (
    Channel,
    Intent,
    Reach,
    choose_channel,
    due_offset,
    in_quiet_hours,
    reply_intent,
)

VISIT = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)
OFFSETS = [timedelta(hours=72), timedelta(hours=24)]
LONG_AGO = VISIT - timedelta(days=30)


def due(hours_before: float, booked_at=LONG_AGO):
    return due_offset(
        starts_at=VISIT, booked_at=booked_at, offsets=OFFSETS,
        now=VISIT - timedelta(hours=hours_before),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("hours_before", "expected"),
    [(100, None), (72.01, None), (72, 72), (50, 72), (24, 24), (1, 24), (0, None), (-1, None)],
)
def test_the_due_reminder_is_the_smallest_offset_passed(hours_before, expected):
    assert due(hours_before) == (timedelta(hours=expected) if expected else None)


def test_an_offset_whose_moment_came_before_the_booking_is_not_due():
    assert due(30, booked_at=VISIT - timedelta(hours=40)) is None
    assert due(20, booked_at=VISIT - timedelta(hours=40)) == timedelta(hours=24)


OK = Reach(enabled=True, address="x", consented=True)


@pytest.mark.parametrize(
    ("preferred", "sms", "email", "expected"),
    [
        ("sms", OK, OK, Channel.SMS),
        ("email", OK, OK, Channel.EMAIL),
        ("phone", OK, OK, Channel.SMS),
        ("email", OK, Reach(True, "", True), Channel.SMS),
        ("sms", Reach(True, "x", False), OK, Channel.EMAIL),
        ("sms", Reach(True, "x", True, opted_out=True), OK, Channel.EMAIL),
        ("sms", Reach(False, "x", True), OK, Channel.EMAIL),
    ],
)
def test_the_preferred_channel_if_usable_else_the_other(preferred, sms, email, expected):
    assert choose_channel(preferred=preferred, sms=sms, email=email).channel == expected


def test_no_usable_channel_says_why_for_each():
    choice = choose_channel(
        preferred="sms", sms=Reach(True, "", True), email=Reach(False, "a@b", True)
    )
    assert choice.channel is None
    assert choice.reason == "text: no mobile number; e-mail: the practice sends no e-mail"


@pytest.mark.parametrize(
    ("local", "expected"),
    [(time(20, 59), False), (time(21, 0), True), (time(2, 0), True), (time(7, 59), True),
     (time(8, 0), False), (time(12, 0), False)],
)  # fmt: skip
def test_quiet_hours_span_midnight(local, expected):
    assert in_quiet_hours(local, start=time(21, 0), end=time(8, 0)) is expected


def test_quiet_hours_within_a_day_and_none():
    assert in_quiet_hours(time(13, 0), start=time(12, 0), end=time(14, 0))
    assert not in_quiet_hours(time(13, 0), start=time(9, 0), end=time(9, 0))


@pytest.mark.parametrize(
    ("body", "intent"),
    [("C", Intent.YES), ("yes!", Intent.YES), (" Confirm ", Intent.YES), ("y", Intent.YES),
     ("N", Intent.NO), ("no.", Intent.NO), ("Cancel", Intent.NO),
     ("STOP", Intent.STOP), ("unsubscribe", Intent.STOP), ("START", Intent.START),
     ("No, I'll be late", Intent.OTHER), ("yes please", Intent.OTHER), ("", Intent.OTHER),
     ("🙂", Intent.OTHER), ("maybe", Intent.OTHER)],
)  # fmt: skip
def test_a_reply_is_one_keyword_or_left_to_a_person(body, intent):
    assert reply_intent(body) == intent


def test_offsets_parse_and_refuse_nonsense():
    from django.core.exceptions import ValidationError

    assert parse_offsets("24, 72") == [72, 24]
    assert parse_offsets("") == []
    for bad in ("0", "abc", "24,24", "1000", "-3"):
        with pytest.raises(ValidationError):
            parse_offsets(bad)
