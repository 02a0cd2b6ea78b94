"""Calendar invitations (RFC 5545 iCalendar with RFC 5546 iTIP methods): bytes in, bytes out.

Pure: no Django, no project imports. `render_invite` writes one VEVENT with the
location's VTIMEZONE, so calendars show the visit at the office's wall-clock time
whatever zone the patient's phone is in; `parse_invite` reads one back and names
what is wrong with a malformed file instead of half-reading it.

A change to a visit is the same UID with a higher SEQUENCE (method REQUEST); a
cancelled visit is METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

PRODID = "-//MedOffice//Appointments//EN"
METHODS = ("REQUEST", "CANCEL")


class InvalidCalendarError(ValueError):
    """The data is not a usable invitation; the message says why."""


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    method: str  # REQUEST or CANCEL
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    time_zone: str  # IANA zone the times are shown in
    summary: str
    location: str
    description: str
    stamp: datetime  # aware: when this version was made
    organizer_email: str
    attendee_email: str = ""
    url: str = ""


def render_invite(invite: Invite) -> bytes:
    if invite.method not in METHODS:
        raise InvalidCalendarError(f"method must be one of {', '.join(METHODS)}")
    for name in ("starts_at", "ends_at", "stamp"):
        if getattr(invite, name).tzinfo is None:
            raise InvalidCalendarError(f"{name} needs a time zone")
    if invite.ends_at <= invite.starts_at:
        raise InvalidCalendarError("the visit must end after it starts")
    zone = ZoneInfo(invite.time_zone)

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invite.method)
    event = icalendar.Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", invite.starts_at.astimezone(zone))
    event.add("dtend", invite.ends_at.astimezone(zone))
    event.add("summary", invite.summary)
    event.add("location", invite.location)
    event.add("description", invite.description)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if invite.url:
        event.add("url", invite.url)
    organizer = icalendar.vCalAddress(f"mailto:{invite.organizer_email}")
    event.add("organizer", organizer)
    if invite.attendee_email:
        attendee = icalendar.vCalAddress(f"mailto:{invite.attendee_email}")
        attendee.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["RSVP"] = icalendar.vText("FALSE")
        event.add("attendee", attendee)
    calendar.add_component(event)
    # Only the years around the visit: a short VTIMEZONE that still covers DST changes.
    local_start = invite.starts_at.astimezone(zone)
    calendar.add_missing_timezones(
        first_date=date(local_start.year - 1, 1, 1), last_date=date(local_start.year + 2, 1, 1)
    )
    return calendar.to_ical()


def _mailto(value) -> str:
    text = str(value or "")
    return text[len("mailto:") :] if text.lower().startswith("mailto:") else text


def _aware(event, name: str) -> datetime:
    prop = event.get(name)
    if prop is None:
        raise InvalidCalendarError(f"the event has no {name.upper()}")
    value = prop.dt
    if not isinstance(value, datetime):
        raise InvalidCalendarError(f"{name.upper()} is a date, not a time")
    if value.tzinfo is None:
        raise InvalidCalendarError(f"{name.upper()} has no time zone (floating time)")
    return value


def parse_invite(data: bytes) -> Invite:
    """Read the one VEVENT of an invitation, or raise InvalidCalendarError saying why."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise InvalidCalendarError(f"not iCalendar data: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise InvalidCalendarError("no VCALENDAR")
    method = str(calendar.get("method", "")).upper()
    if method not in METHODS:
        raise InvalidCalendarError(f"METHOD {method or '(none)'} is not REQUEST or CANCEL")
    events = calendar.walk("VEVENT")
    if len(events) != 1:
        raise InvalidCalendarError(f"expected one VEVENT, found {len(events)}")
    event = events[0]
    uid = str(event.get("uid", ""))
    if not uid:
        raise InvalidCalendarError("the event has no UID")
    starts_at = _aware(event, "dtstart")
    ends_at = _aware(event, "dtend")
    if ends_at <= starts_at:
        raise InvalidCalendarError("DTEND is not after DTSTART")
    zone = getattr(starts_at.tzinfo, "key", None) or str(starts_at.tzinfo)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = "UTC"
    try:
        sequence = int(event.get("sequence", 0))
    except (TypeError, ValueError) as exc:
        raise InvalidCalendarError("SEQUENCE is not a number") from exc
    stamp_prop = event.get("dtstamp")
    stamp = stamp_prop.dt if stamp_prop is not None else starts_at
    return Invite(
        uid=uid,
        sequence=sequence,
        method=method,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=zone,
        summary=str(event.get("summary", "")),
        location=str(event.get("location", "")),
        description=str(event.get("description", "")),
        stamp=stamp,
        organizer_email=_mailto(event.get("organizer")),
        attendee_email=_mailto(event.get("attendee")),
        url=str(event.get("url", "")),
    )
