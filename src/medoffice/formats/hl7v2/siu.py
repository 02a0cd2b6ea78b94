"""SIU appointment notices (HL7 v2.5.1 chapter 10): what the schedule tells other systems.

One `AppointmentNotice` renders to one message with the SIU_S12 structure that
every SIU trigger shares:

    MSH SCH TQ1 PID PV1 RGS AIS AIG* AIL AIP+

Times are written with the UTC offset they carry; the caller gives them in the
location's zone, so the wall-clock time a receiver shows is the office's.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from medoffice.formats.hl7v2.encoding import (
    STANDARD,
    Delimiters,
    FieldValue,
    hl7_date,
    hl7_timestamp,
    render_message,
    render_segment,
)

VERSION = "2.5.1"
SENDING_APPLICATION = "MEDOFFICE"
# The CMS registry that issues NPIs, as an HL7 assigning authority (HD).
NPI_AUTHORITY = ("CMS", "2.16.840.1.113883.4.6", "ISO")
MINUTES = ("min", "minutes", "ANS+")


class SiuTrigger(StrEnum):
    NEW = "S12"
    RESCHEDULED = "S13"
    MODIFIED = "S14"
    CANCELLED = "S15"
    DELETED = "S17"
    NO_SHOW = "S26"


# Segment action codes (HL7 table 0206) for the resource segments: a new
# booking adds its resources, a move updates them; other triggers leave it blank.
_ACTION = {SiuTrigger.NEW: "A", SiuTrigger.RESCHEDULED: "U"}


@dataclass(frozen=True)
class Header:
    """MSH: who sends, when, and the control id the receiver's ACK must echo."""

    control_id: str
    created_at: datetime
    facility_namespace: str = ""  # HD-1, e.g. the practice's group NPI
    facility_id: str = ""  # HD-2, e.g. the practice's UUID
    facility_id_type: str = "UUID"
    processing_id: str = "P"


@dataclass(frozen=True)
class PatientIdentity:
    """PID: the MRN (with its assigning practice), legal name, birth date and sex."""

    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str  # HL7 table 0001: F, M, U ...
    middle_name: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Clinician:
    """A provider known by NPI (PV1-7, AIP-3, SCH-16)."""

    npi: str
    family_name: str
    given_name: str
    credentials: str = ""


@dataclass(frozen=True)
class StaffMember:
    """An assistant held for the visit, known by username."""

    username: str
    family_name: str = ""
    given_name: str = ""


@dataclass(frozen=True)
class Place:
    """Where the visit happens: the location (facility) and, unless telehealth, the room."""

    facility: str
    room: str = ""
    room_kind_code: str = ""
    room_kind_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Service:
    """AIS-3: the appointment type."""

    code: str
    name: str


@dataclass(frozen=True)
class Device:
    """AIG: a piece of equipment held for the visit."""

    name: str
    kind: str


@dataclass(frozen=True)
class AppointmentNotice:
    trigger: SiuTrigger
    appointment_id: str  # SCH-2, the filler appointment id
    starts_at: datetime
    ends_at: datetime
    event_reason_code: str
    event_reason_text: str
    filler_status: str  # HL7 table 0278: Booked, Started, Complete, Cancelled, Noshow, Deleted
    patient: PatientIdentity
    assigning_authority: tuple[str, str, str]  # HD of the MRN: namespace, universal id, type
    provider: Clinician
    place: Place
    service: Service
    devices: tuple[Device, ...] = ()
    assistant: StaffMember | None = None
    visit_reason: str = ""
    entered_by: str = ""


def _duration_minutes(notice: AppointmentNotice) -> str:
    return str(int((notice.ends_at - notice.starts_at).total_seconds() // 60))


def _clinician(person: Clinician) -> tuple:
    """XCN, the NPI as id: 1 id, 2 family, 3 given, 9 authority, 10 name type, 13 id type, 21."""
    return (
        person.npi, person.family_name, person.given_name, None, None, None, None, None,
        NPI_AUTHORITY, "L", None, None, "NPI", None, None, None, None, None, None, None,
        person.credentials,
    )  # fmt: skip


def _place(place: Place) -> tuple:
    """PL: 2 room, 4 facility."""
    return (None, place.room, None, (place.facility,))


def _status(notice: AppointmentNotice) -> tuple:
    return (notice.filler_status, notice.filler_status, "HL70278")


def _msh(notice: AppointmentNotice, header: Header) -> list[FieldValue]:
    return [
        SENDING_APPLICATION,
        (header.facility_namespace, header.facility_id, header.facility_id_type),
        None,
        None,
        hl7_timestamp(header.created_at),
        None,
        ("SIU", notice.trigger.value, "SIU_S12"),
        header.control_id,
        header.processing_id,
        VERSION,
        None,
        None,
        "AL",  # MSH-15: the receiver acknowledges every message
        "NE",  # MSH-16: no application-level acknowledgment
        None,
        "UNICODE UTF-8",
    ]


def _sch(notice: AppointmentNotice) -> list[FieldValue]:
    start, end = hl7_timestamp(notice.starts_at), hl7_timestamp(notice.ends_at)
    phone = (notice.place.phone, "WPN", "PH") if notice.place.phone else None
    return [
        None,  # SCH-1 placer appointment id: we are the filler
        (notice.appointment_id, SENDING_APPLICATION),
        None,
        None,
        None,
        (notice.event_reason_code, notice.event_reason_text, "L"),
        (None, notice.visit_reason) if notice.visit_reason else None,
        None,
        _duration_minutes(notice),
        MINUTES,
        (None, None, f"M{_duration_minutes(notice)}", start, end),  # SCH-11 (TQ)
        None,
        None,
        None,
        None,
        _clinician(notice.provider),  # SCH-16 filler contact: whose schedule holds the visit
        phone,
        None,
        None,
        (notice.entered_by or SENDING_APPLICATION,),  # SCH-20 entered by
        None,
        None,
        None,
        None,
        _status(notice),
    ]


def _tq1(notice: AppointmentNotice) -> list[FieldValue]:
    duration = (_duration_minutes(notice), MINUTES)
    return [
        "1", None, None, None, None, duration,
        hl7_timestamp(notice.starts_at), hl7_timestamp(notice.ends_at),
    ]  # fmt: skip


def _pid(notice: AppointmentNotice) -> list[FieldValue]:
    patient = notice.patient
    return [
        "1",
        None,
        (patient.mrn, None, None, notice.assigning_authority, "MR"),
        None,
        (
            patient.family_name,
            patient.given_name,
            patient.middle_name,
            patient.suffix,
            None,
            None,
            "L",
        ),
        None,
        hl7_date(patient.birth_date),
        patient.sex,
    ]


def _pv1(notice: AppointmentNotice) -> list[FieldValue]:
    return ["1", "O", _place(notice.place), None, None, None, _clinician(notice.provider)]


def _timed(notice: AppointmentNotice) -> list[FieldValue]:
    """start, offset, offset units, duration, duration units: shared by AIS, AIL, AIP."""
    return [hl7_timestamp(notice.starts_at), None, None, _duration_minutes(notice), MINUTES]


def _resources(notice: AppointmentNotice, d: Delimiters) -> list[str]:
    action = _ACTION.get(notice.trigger)
    status = _status(notice)
    segments = [render_segment("RGS", ["1", action], d)]
    service = (notice.service.code, notice.service.name, "L")
    segments.append(render_segment("AIS", ["1", action, service, *_timed(notice), None, status], d))
    for number, device in enumerate(notice.devices, start=1):
        segments.append(
            render_segment(
                "AIG",
                [
                    str(number),
                    action,
                    (None, device.name),
                    (None, device.kind),
                    None,
                    None,
                    None,
                    *_timed(notice),
                    None,
                    status,
                ],
                d,
            )
        )
    room_kind = (
        (notice.place.room_kind_code, notice.place.room_kind_name, "L")
        if notice.place.room_kind_code
        else None
    )
    segments.append(
        render_segment(
            "AIL",
            ["1", action, _place(notice.place), room_kind, None, *_timed(notice), None, status],
            d,
        )
    )
    people: list[tuple[tuple, tuple]] = [(_clinician(notice.provider), ("PROV", "Provider", "L"))]
    if notice.assistant is not None:
        a = notice.assistant
        people.append(((a.username, a.family_name, a.given_name), ("MA", "Assistant", "L")))
    for number, (person, role) in enumerate(people, start=1):
        segments.append(
            render_segment(
                "AIP", [str(number), action, person, role, None, *_timed(notice), None, status], d
            )
        )
    return segments


def render_siu(notice: AppointmentNotice, header: Header, delimiters: Delimiters = STANDARD) -> str:
    """The message as text, segments separated (and ended) by carriage returns."""
    d = delimiters
    segments = [
        render_segment("MSH", _msh(notice, header), d),
        render_segment("SCH", _sch(notice), d),
        render_segment("TQ1", _tq1(notice), d),
        render_segment("PID", _pid(notice), d),
        render_segment("PV1", _pv1(notice), d),
        *_resources(notice, d),
    ]
    return render_message(segments, d)


__all__ = [
    "AppointmentNotice",
    "Clinician",
    "Device",
    "Header",
    "PatientIdentity",
    "Place",
    "Service",
    "SiuTrigger",
    "StaffMember",
    "render_siu",
]
