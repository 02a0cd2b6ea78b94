"""Appointment changes as HL7 v2.5.1 SIU messages: the mapping from our models to the codec.

The encoder itself is our own (medoffice.formats.hl7v2): a small renderer for
the fixed set of segments we emit is simpler and faster than building hl7apy
object trees at run time, and keeps hl7apy out of the server's dependencies.
hl7apy is the independent validator in the tests instead.

Which trigger for which change:

    booked                      S12 new appointment
    rescheduled                 S13 rescheduled (SCH-6 says where it was)
    cancelled                   S15 cancelled (SCH-6 carries the cancel reason)
    no-show                     S26 patient did not show up
    entered in error            S17 deletion
    any other status move       S14 modification (checked in, checked out, back to booked)

Times are written in the location's zone with its UTC offset, so a receiver
shows the office's wall-clock time and still knows the exact instant.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from medoffice.core.context import current_actor
from medoffice.core.models import Location, Provider
from medoffice.formats.hl7v2.encoding import hl7_timestamp
from medoffice.formats.hl7v2.siu import (
    AppointmentNotice,
    Clinician,
    Device,
    Header,
    PatientIdentity,
    Place,
    Service,
    SiuTrigger,
    StaffMember,
    render_siu,
)
from medoffice.patients.models import Patient
from medoffice.scheduling.events import AppointmentEvent
from medoffice.scheduling.models import Appointment, AppointmentType, Equipment, Room
from medoffice.scheduling.schedule_setup import schedule_setup
from medoffice.scheduling.states import AppointmentStatus

_TRIGGERS = {
    AppointmentEvent.BOOKED: SiuTrigger.NEW,
    AppointmentEvent.RESCHEDULED: SiuTrigger.RESCHEDULED,
    AppointmentEvent.CANCELLED: SiuTrigger.CANCELLED,
    AppointmentEvent.NOSHOW: SiuTrigger.NO_SHOW,
}

_ROOM_KINDS = dict(Room._meta.get_field("kind").choices)

# SCH-25 and the resource segments' filler status (HL7 table 0278).
_FILLER_STATUS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.ARRIVED: "Started",
    AppointmentStatus.FULFILLED: "Complete",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.NOSHOW: "Noshow",
    AppointmentStatus.ENTERED_IN_ERROR: "Deleted",
}


def trigger_for(appointment: Appointment, event: str) -> SiuTrigger:
    if event in _TRIGGERS:
        return _TRIGGERS[AppointmentEvent(event)]
    if appointment.status == AppointmentStatus.ENTERED_IN_ERROR:
        return SiuTrigger.DELETED
    return SiuTrigger.MODIFIED


def _filler_status(appointment: Appointment) -> str:
    if appointment.status == AppointmentStatus.BOOKED and appointment.overbooked:
        return "Overbook"
    return _FILLER_STATUS[AppointmentStatus(appointment.status)]


def _event_reason(
    appointment: Appointment, trigger: SiuTrigger, previous: dict, zone: ZoneInfo
) -> tuple[str, str]:
    """SCH-6: a code and text saying why this message was sent."""
    if trigger == SiuTrigger.RESCHEDULED:
        was = previous["starts_at"]
        if previous.get("location_id") not in (None, appointment.location_id):
            zone = Location.objects.get(id=previous["location_id"]).zone
        return "RESCHEDULED", f"Rescheduled from {hl7_timestamp(was.astimezone(zone))}"
    if trigger == SiuTrigger.CANCELLED:
        return "CANCELLED", appointment.cancel_reason or "Cancelled"
    if trigger == SiuTrigger.NO_SHOW:
        return "NOSHOW", "The patient did not come"
    if trigger == SiuTrigger.DELETED:
        return "DELETED", "Entered in error"
    if trigger == SiuTrigger.MODIFIED:
        return "STATUS", appointment.get_status_display()
    return "BOOKED", "Booked"


def _room_place(appointment: Appointment, setup) -> tuple[str, str, str]:
    """(name, kind code, kind name) of the visit's room, from the kept set-up when it knows it."""
    if appointment.room_id is None:
        return "", "", ""
    room = setup.room_rows.get(appointment.room_id) if setup is not None else None
    if room is not None:
        return room.name, room.kind, _ROOM_KINDS.get(room.kind, room.kind)
    room = appointment.room
    return room.name, room.kind, room.get_kind_display()


def _devices(appointment: Appointment, setup) -> tuple[Device, ...]:
    labels = setup.equipment_labels if setup is not None else {}
    known = getattr(appointment, "_prefetched_objects_cache", {}).get("equipment")
    if known is not None and known.query.is_empty():
        return ()  # the booking knows it holds none: not even a query built to say so
    ids = list(appointment.equipment.values_list("id", flat=True)) if labels else None
    if ids is not None and all(i in labels for i in ids):
        named = sorted((labels[i][1], labels[i][0]) for i in ids)  # by kind, then name
        return tuple(Device(name=name, kind=kind) for kind, name in named)
    return tuple(
        Device(name=item.name, kind=item.kind)
        for item in appointment.equipment.order_by("kind", "name")
    )


def _practice(appointment: Appointment, setup):
    """The patient's practice, from the kept set-up when it is that practice (no query)."""
    kept = getattr(setup, "practice", None)
    if kept is not None and kept.id == appointment.patient.practice_id:
        return kept
    return appointment.patient.practice


def appointment_notice(
    appointment: Appointment,
    event: str,
    previous: dict,
    setup=None,
    *,
    entered_by: str | None = None,
) -> AppointmentNotice:
    """`setup`: the practice's kept scheduling set-up (names of rooms and equipment), if at hand;
    `entered_by`: who made the change (the user acting now if not given)."""
    zone = appointment.location.zone
    trigger = trigger_for(appointment, event)
    code, text = _event_reason(appointment, trigger, previous, zone)
    patient = appointment.patient
    practice = _practice(appointment, setup)
    provider = appointment.provider
    room_name, room_kind, room_kind_name = _room_place(appointment, setup)
    assistant = None
    if appointment.assistant is not None:
        user = appointment.assistant.user
        assistant = StaffMember(
            username=user.get_username(), family_name=user.last_name, given_name=user.first_name
        )
    return AppointmentNotice(
        trigger=trigger,
        appointment_id=str(appointment.public_id),
        starts_at=appointment.starts_at.astimezone(zone),
        ends_at=appointment.ends_at.astimezone(zone),
        event_reason_code=code,
        event_reason_text=text,
        filler_status=_filler_status(appointment),
        patient=PatientIdentity(
            mrn=patient.mrn,
            family_name=patient.last_name,
            given_name=patient.first_name,
            middle_name=patient.middle_name,
            suffix=patient.suffix,
            birth_date=patient.dob,
            sex=patient.sex_at_birth,
        ),
        assigning_authority=(practice.group_npi, str(practice.public_id), "UUID"),
        provider=Clinician(
            npi=provider.npi,
            family_name=provider.last_name,
            given_name=provider.first_name,
            credentials=provider.credentials,
        ),
        place=Place(
            facility=appointment.location.name,
            room=room_name,
            room_kind_code=room_kind,
            room_kind_name=room_kind_name,
            phone=appointment.location.phone,
        ),
        service=Service(
            code=str(appointment.appointment_type.public_id),
            name=appointment.appointment_type.name,
        ),
        devices=_devices(appointment, setup),
        assistant=assistant,
        visit_reason=appointment.reason,
        entered_by=current_actor().username if entered_by is None else entered_by,
    )


def siu_message(
    appointment: Appointment,
    event: str,
    previous: dict,
    *,
    control_id: str,
    created_at: datetime,
    setup=None,
    entered_by: str | None = None,
) -> tuple[SiuTrigger, str]:
    """(trigger, message text) for one committed appointment change."""
    notice = appointment_notice(appointment, event, previous, setup, entered_by=entered_by)
    practice = _practice(appointment, setup)
    header = Header(
        control_id=control_id,
        created_at=created_at.astimezone(notice.starts_at.tzinfo),
        facility_namespace=practice.group_npi,
        facility_id=str(practice.public_id),
    )
    return notice.trigger, render_siu(notice, header)


# ---------------------------------------------------------------- the outbox's snapshot
#
# A change writes only this snapshot to the outbox, in its transaction (a few small
# values, where building and rendering the whole message was a quarter of a booking's
# CPU); the worker renders the message from it just before it first goes out. What the
# message says of the visit (times, status, provider, place, room, equipment, assistant,
# reasons, who changed it) is the change's, whatever happened to the visit since; the
# names around it (the patient's demographics, the provider's, the location's and the
# room's names) are read when the message is rendered, about a second later, as they
# stand then.

_SNAPSHOT_FIELDS = (
    "public_id", "patient_id", "appointment_type_id", "provider_id", "location_id", "room_id",
    "assistant_id", "status", "overbooked", "reason", "cancel_reason",
)  # fmt: skip


def appointment_snapshot(appointment: Appointment, previous: dict) -> dict:
    """The change as JSON-ready values (see above)."""
    snapshot = {name: getattr(appointment, name) for name in _SNAPSHOT_FIELDS}
    snapshot["public_id"] = str(appointment.public_id)
    snapshot["starts_at"] = appointment.starts_at.isoformat()
    snapshot["ends_at"] = appointment.ends_at.isoformat()
    known = getattr(appointment, "_prefetched_objects_cache", {}).get("equipment")
    if known is not None and known.query.is_empty():
        snapshot["equipment"] = []  # the booking knows it holds none: no query
    else:
        snapshot["equipment"] = sorted(appointment.equipment.values_list("id", flat=True))
    snapshot["entered_by"] = current_actor().username
    if previous.get("starts_at") is not None:
        snapshot["previous"] = {
            "starts_at": previous["starts_at"].isoformat(),
            "location_id": previous.get("location_id"),
        }
    return snapshot


# The rows a message names, read for a whole batch at once: (snapshot key, model, field).
_NAMED = (
    ("patient_id", Patient, "patient"),
    ("provider_id", Provider, "provider"),
    ("location_id", Location, "location"),
    ("appointment_type_id", AppointmentType, "appointment_type"),
)


def named_rows(snapshots: list[dict]) -> dict:
    """The patients, providers, locations and types a batch of snapshots names, by model
    and id: four queries for the batch instead of four per message."""
    return {
        model: model.objects.in_bulk({snapshot[key] for snapshot in snapshots})
        for key, model, _ in _NAMED
    }


def siu_message_from_snapshot(
    snapshot: dict,
    event: str,
    *,
    appointment_id: int | None,
    control_id: str,
    created_at,
    named: dict | None = None,
) -> tuple[SiuTrigger, str]:
    """(trigger, text) of the message a change queued (outbox row: event and snapshot);
    `named`: `named_rows` of its batch, if read."""
    values = {name: snapshot[name] for name in _SNAPSHOT_FIELDS}
    appointment = Appointment(
        id=appointment_id,
        starts_at=datetime.fromisoformat(snapshot["starts_at"]),
        ends_at=datetime.fromisoformat(snapshot["ends_at"]),
        **values,
    )
    for key, model, field in _NAMED if named else ():
        row = named[model].get(snapshot[key])
        if row is not None:
            setattr(appointment, field, row)
    equipment = snapshot["equipment"]
    appointment._prefetched_objects_cache = {
        "equipment": Equipment.objects.filter(id__in=equipment)
        if equipment
        else Equipment.objects.none()
    }
    previous = {}
    if "previous" in snapshot:
        previous = {
            "starts_at": datetime.fromisoformat(snapshot["previous"]["starts_at"]),
            "location_id": snapshot["previous"]["location_id"],
        }
    setup = schedule_setup(appointment.patient.practice_id)
    return siu_message(
        appointment, event, previous, control_id=control_id, created_at=created_at,
        setup=setup, entered_by=snapshot["entered_by"],
    )  # fmt: skip
