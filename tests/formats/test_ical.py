"""The iCalendar codec: round trips, the zone and DST, and malformed files refused with a reason."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from medoffice.formats.ical import InvalidCalendarError, Invite, parse_invite, render_invite
from tests.clock import CHICAGO

# The Monday after the spring-forward Sunday of 2027 (March 14): CDT, UTC-5.
START = datetime(2027, 3, 15, 9, 0, tzinfo=CHICAGO)
INVITE = Invite(
    uid="0b7c3c1e-2f5e-4a8e-9a51-8f3f2f1d9c11@riverside.example.org",
    sequence=2,
    method="REQUEST",
    starts_at=START,
    ends_at=START + timedelta(minutes=30),
    time_zone="America/Chicago",
    summary="Visit at Riverside Family Medicine",
    location="Main, 100 Main St, Springfield, IL 62701",
    description="To change or cancel, call (217) 555-0100.",
    stamp=datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
    organizer_email="reminders@riverside.example.org",
    attendee_email="john.smith@example.org",
    url="https://video.example.org/medoffice/abc",
)


def test_an_invitation_reads_back_as_written():
    assert parse_invite(render_invite(INVITE)) == INVITE


def test_times_are_written_in_the_office_zone_with_its_vtimezone():
    text = render_invite(INVITE).decode()

    assert "DTSTART;TZID=America/Chicago:20270315T090000" in text
    assert "BEGIN:VTIMEZONE" in text
    assert "TZOFFSETTO:-0500" in text  # daylight time, which the visit falls in


def test_a_visit_in_utc_is_shown_in_the_office_zone():
    in_utc = replace(
        INVITE, starts_at=START.astimezone(UTC), ends_at=INVITE.ends_at.astimezone(UTC)
    )

    parsed = parse_invite(render_invite(in_utc))

    assert parsed.starts_at == START
    assert parsed.starts_at.utcoffset() == timedelta(hours=-5)


def test_a_cancellation_is_method_cancel_and_status_cancelled():
    text = render_invite(replace(INVITE, method="CANCEL", sequence=3)).decode()

    assert "METHOD:CANCEL" in text
    assert "STATUS:CANCELLED" in text
    assert "SEQUENCE:3" in text


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda b: b"this is not a calendar", "not iCalendar data"),
        (lambda b: b"", "not iCalendar data"),
        (lambda b: b.replace(b"METHOD:REQUEST\r\n", b""), r"METHOD \(none\)"),
        (lambda b: b.replace(b"METHOD:REQUEST", b"METHOD:PUBLISH"), "METHOD PUBLISH"),
        (lambda b: b.replace(b"UID:", b"X-UID:"), "no UID"),
        (lambda b: b.replace(b"DTEND;", b"X-DTEND;"), "no DTEND"),
        (
            lambda b: b.replace(b"DTSTART;TZID=America/Chicago:", b"DTSTART:"),
            "floating time",
        ),
        (lambda b: b.replace(b"DTEND;TZID=America/Chicago:20270315T093000",
                             b"DTEND;TZID=America/Chicago:20270315T083000"), "not after"),
        (lambda b: b.replace(b"BEGIN:VEVENT", b"BEGIN:VTODO").replace(b"END:VEVENT", b"END:VTODO"),
         "found 0"),
    ],
)  # fmt: skip
def test_a_malformed_invitation_is_refused_with_a_reason(mangle, reason):
    with pytest.raises(InvalidCalendarError, match=reason):
        parse_invite(mangle(render_invite(INVITE)))


@pytest.mark.parametrize(
    "bad",
    [
        {"method": "PUBLISH"},
        {"starts_at": datetime(2027, 3, 15, 9, 0)},
        {"ends_at": START},
    ],
)
def test_an_impossible_invitation_is_not_written(bad):
    with pytest.raises(InvalidCalendarError):
        render_invite(replace(INVITE, **bad))
