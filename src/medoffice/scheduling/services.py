"""Booking, rescheduling, cancelling and status moves: the only writers of appointments.

A booking chooses free resources, then writes the appointment and its `Hold`
rows in one transaction; the unique constraint on holds is the arbiter when
two clerks race for the same time: one commits, the other gets SlotTakenError
and nothing of its attempt remains. Losing a room, an item of equipment or an
assistant to a simultaneous booking is not losing the time: the booking chooses
again among those still free (`_take_resources`).
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.bulk import insert_row
from medoffice.core.models import AuditAction, Location, Provider
from medoffice.patients.errors import MergeError
from medoffice.patients.models import Patient, PatientStatus
from medoffice.scheduling import selectors
from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.events import AppointmentEvent, announce
from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    CheckIn,
    Equipment,
    Hold,
    Modality,
    PatientKind,
    PlaceOfService,
    ResourceKind,
)
from medoffice.scheduling.schedule_setup import ScheduleSetup, schedule_setup
from medoffice.scheduling.slots import Occupancy, units
from medoffice.scheduling.states import HOLDING, AppointmentStatus, can_move


def _rule_errors(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    provider: Provider,
    location: Location,
    starts_at: datetime,
    override: bool,
    ignore: Appointment | None = None,
    setup: ScheduleSetup | None = None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    now = timezone.now()
    if timezone.is_naive(starts_at):
        add("starts_at", "The start time needs a time zone.")
        return errors
    if starts_at < now:
        add("starts_at", "That time is in the past.")
    if starts_at.second or starts_at.microsecond or starts_at.minute % 5:
        add("starts_at", "Appointments start on a 5-minute mark.")
    if patient.status != PatientStatus.ACTIVE:
        add("patient", "This record is not active (merged, inactive or deceased).")
    if not provider.is_active:
        add("provider", f"{provider} is not active.")
    if provider.practice_id != appointment_type.practice_id or location.practice_id != (
        appointment_type.practice_id
    ):
        add("provider", "The provider, location and type belong to different practices.")
    setup = setup or schedule_setup(appointment_type.practice_id)
    offered = setup.providers_of(appointment_type.id)
    if not appointment_type.is_active or (offered and provider.id not in offered):
        add("appointment_type", f"{provider} does not offer {appointment_type.name}.")
    if not override:
        notice = timedelta(hours=appointment_type.min_notice_hours)
        if now <= starts_at < now + notice:
            add("starts_at", f"{appointment_type.name} needs {notice} notice.")
        if starts_at > now + timedelta(days=appointment_type.max_days_ahead):
            add("starts_at", f"Book at most {appointment_type.max_days_ahead} days ahead.")
    kind = appointment_type.patient_kind
    if kind != PatientKind.ANY:
        seen_before = (
            Appointment.objects.filter(patient=patient, status=AppointmentStatus.FULFILLED)
            .exclude(pk=getattr(ignore, "pk", None))
            .exists()
        )
        if kind == PatientKind.NEW and seen_before:
            add("appointment_type", f"{appointment_type.name} is for new patients only.")
        if kind == PatientKind.ESTABLISHED and not seen_before:
            add("appointment_type", f"{appointment_type.name} is for established patients only.")
    return errors


# What a booking that cannot have its time is told, whichever of these holds it lost.
TIME_TAKEN = "That time was just taken, or the patient already has a visit then."


def _choose_resources(
    appointment_type, location, span, *, ignore, setup=None, holders: dict | None = None
) -> dict:
    """Free room, equipment and assistant for the span, or field errors naming what is missing.

    The candidates come from the kept set-up (schedule_setup.py) and their holds during
    the span from one query; the holds' unique constraint still decides any race.
    `holders` (kind -> ids: the provider, the patient) are asked in the same query: if one
    of them is held then, the time is refused before anything is written (a race lost on
    the provider or the patient costs a read, not a rolled-back booking).
    """
    needs = selectors.needs_at(appointment_type, [location.id], setup).get(location.id)
    if needs is None:
        raise ValidationError(
            {"location": [f"{location} has no room, equipment or assistant for this type."]}
        )
    occupancy = Occupancy()
    for kind, resource_id in selectors.resources_busy(
        needs, span, ignore=getattr(ignore, "pk", None), also=holders
    ):
        if holders and resource_id in holders.get(kind, ()):
            raise SlotTakenError(TIME_TAKEN)
        occupancy.add_units(kind, resource_id, span)  # held at some time during the span
    chosen: dict = {"room": None, "equipment": [], "assistant": None}
    if needs.rooms:
        chosen["room"] = occupancy.first_free("R", needs.rooms, span)
        if chosen["room"] is None:
            raise SlotTakenError("No room of the needed kind is free then.")
    for group in needs.equipment:
        item = occupancy.first_free("E", group, span)
        if item is None:
            raise SlotTakenError("The equipment this visit needs is in use then.")
        chosen["equipment"].append(item)
    if needs.assistants:
        chosen["assistant"] = occupancy.first_free("A", needs.assistants, span)
        if chosen["assistant"] is None:
            raise SlotTakenError("No medical assistant is free then.")
    return chosen


def _write_holds(appointment: Appointment, chosen: dict, span: range) -> None:
    resources = [(ResourceKind.PATIENT, appointment.patient_id)]
    if not appointment.overbooked:
        resources.append((ResourceKind.PROVIDER, appointment.provider_id))
    if chosen["room"]:
        resources.append((ResourceKind.ROOM, chosen["room"]))
    resources += [(ResourceKind.EQUIPMENT, item) for item in chosen["equipment"]]
    if chosen["assistant"]:
        resources.append((ResourceKind.ASSISTANT, chosen["assistant"]))
    rows = [
        (appointment.pk, kind, resource_id, unit)
        for kind, resource_id in resources
        for unit in span
    ]
    # Plain multi-row INSERTs: a hold is four plain columns, and building a model instance
    # per row and compiling them through bulk_create took longer than the insert itself
    # (18 rows for a 30-minute visit). No savepoint of its own: a refusal rolls back the
    # caller's atomic block (the booking, or its savepoint inside a larger transaction).
    columns = ("appointment_id", "kind", "resource_id", "unit")
    # What ops.bulk_batch_size answers (the parameters a statement may carry), without its
    # per-call field walk: a visit's rows go in one statement.
    limit = connection.features.max_query_params
    batch = limit // len(columns) if limit else len(rows)
    try:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                cursor.execute(
                    f"INSERT INTO {Hold._meta.db_table} ({', '.join(columns)}) VALUES "  # noqa: S608 - fixed names
                    + ", ".join(["(%s, %s, %s, %s)"] * len(chunk)),
                    [value for row in chunk for value in row],
                )
    except IntegrityError as exc:
        raise SlotTakenError(TIME_TAKEN) from exc


# How many times a booking chooses its room, equipment and assistant again after losing one
# of them to a simultaneous booking (each retry sees at least one more of them taken).
POOL_RETRIES = 8


def _reads_stay_true() -> bool:
    """Whether no other session can commit between this transaction's reads and its writes:
    SQLite in IMMEDIATE mode (the settings') takes the write lock at BEGIN, so the holds a
    booking read stay true until it commits and a room it chose cannot be lost to anyone."""
    options = connection.settings_dict.get("OPTIONS", {})
    return connection.vendor == "sqlite" and options.get("transaction_mode") == "IMMEDIATE"


def _take_resources(
    appointment_type, location, span, write, *, ignore=None, setup=None, holders=None
):
    """Choose a free room, equipment and assistant for the span and `write(chosen)` with them.

    Two bookings of the same time can both read a room as free before either commits; the
    holds' unique constraint gives it to one and refuses the other (on PostgreSQL the
    second insert waits for the first transaction, then fails). That refusal is no reason
    to turn the patient away while another room is free: the writes are undone to a
    savepoint and the choice is made again, now seeing the winner's holds. A choice that
    comes out the same means the time lost was the provider's or the patient's, which no
    other room helps: refused, as is a pool with nothing left. The database still decides
    every conflict; nothing is ever held twice. Where reads stay true until commit (SQLite)
    the race cannot happen, and the savepoint (two statements) is not needed.
    """
    chosen = _choose_resources(
        appointment_type, location, span, ignore=ignore, setup=setup, holders=holders
    )
    if _reads_stay_true():
        return write(chosen)
    for _attempt in range(POOL_RETRIES):
        try:
            with transaction.atomic():
                return write(chosen)
        except SlotTakenError:
            again = _choose_resources(
                appointment_type, location, span, ignore=ignore, setup=setup, holders=holders
            )
            if again == chosen:
                raise
            chosen = again
    raise SlotTakenError("The rooms and equipment for that time were all just taken.")


def _retake_resources(appointment: Appointment, location, span: range) -> None:
    """Save an existing visit (moved, or back from a no-show) holding free resources for `span`."""

    def write(chosen: dict) -> None:
        appointment.room_id = chosen["room"]
        appointment.assistant_id = chosen["assistant"]
        appointment.save()
        appointment.equipment.set(chosen["equipment"])
        _write_holds(appointment, chosen, span)

    _take_resources(appointment.appointment_type, location, span, write, ignore=appointment)


def _refuse_over_the_overbooking_limit(provider, location, starts_at: datetime) -> None:
    """Overbooking is a deliberate exception: at most the provider's daily limit of them.

    The provider's row is locked so two clerks overbooking at once count each other.
    """
    limit = (
        Provider.objects.select_for_update()
        .filter(pk=provider.pk)
        .values_list("max_overbooks_per_day", flat=True)
        .get()
    )
    zone = location.zone
    day_start = datetime.combine(starts_at.astimezone(zone).date(), datetime.min.time(), zone)
    taken = Appointment.objects.filter(
        provider=provider, overbooked=True, status__in=HOLDING,
        starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1),
    ).count()  # fmt: skip
    if taken >= limit:
        raise ValidationError(
            {"overbook": [f"{provider} takes at most {limit} overbooked visits a day "
                          f"({taken} booked already)."]}
        )  # fmt: skip


def _snapshot(appointment: Appointment) -> dict:
    return {
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "provider_id": appointment.provider_id,
        "location_id": appointment.location_id,
        "status": appointment.status,
    }


def _telehealth_url() -> str:
    pattern = settings.MEDOFFICE_TELEHEALTH_URL
    return pattern.format(room=secrets.token_urlsafe(12))


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    provider: Provider,
    location: Location,
    starts_at: datetime,
    reason: str = "",
    booked_by=None,
    override: bool = False,
    overbook: bool = False,
    urgent: bool = False,
    series=None,
) -> Appointment:
    """Book one visit holding every resource it needs, or raise and leave nothing behind.

    `override` books outside the templates and notice rules (audited); `overbook`
    books on top of the provider's existing visits (audited); `urgent` is same-day
    urgent care, which may use the blocks held for it.
    """
    # One read of the set-up for all checks below (one query unless it changed).
    setup = schedule_setup(appointment_type.practice_id)
    errors = _rule_errors(
        patient=patient, appointment_type=appointment_type, provider=provider,
        location=location, starts_at=starts_at, override=override or urgent, setup=setup,
    )  # fmt: skip
    zone = location.zone
    if urgent and starts_at.astimezone(zone).date() != timezone.now().astimezone(zone).date():
        errors.setdefault("urgent", []).append("Urgent care is booked for today only.")
    if errors:
        raise ValidationError(errors)
    if not override and not selectors.is_template_time(
        appointment_type=appointment_type, provider=provider, location=location,
        starts_at=starts_at, urgent=urgent, setup=setup,
    ):  # fmt: skip
        held = selectors.urgent_hold_at(provider=provider, location=location, starts_at=starts_at)
        if held is not None:
            raise ValidationError(
                {"starts_at": [f"Held for same-day urgent visits until {held:%I:%M %p} "
                               "on the day."]}
            )  # fmt: skip
        raise ValidationError(
            {"starts_at": [f"{provider} does not see {appointment_type.name} then."]}
        )
    if overbook:
        _refuse_over_the_overbooking_limit(provider, location, starts_at)
    ends_at = starts_at + timedelta(minutes=appointment_type.duration_minutes)
    span = units(starts_at, ends_at)

    def write(chosen: dict) -> Appointment:
        # insert_row: the same INSERT as objects.create(), its statement built once
        appointment = Appointment(
            patient=patient,
            appointment_type=appointment_type,
            provider=provider,
            location=location,
            assistant_id=chosen["assistant"],
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            overbooked=overbook,
            urgent=urgent,
            place_of_service=PlaceOfService.TELEHEALTH_HOME
            if appointment_type.modality == Modality.TELEHEALTH
            else PlaceOfService.OFFICE,
            series=series,
            telehealth_url=_telehealth_url()
            if appointment_type.modality == Modality.TELEHEALTH
            else "",
            booked_by=booked_by,
        )
        # The room from the kept set-up (read in this transaction): what reads it next (the
        # API's answer names it) need not ask the database for it.
        room_id = chosen["room"]
        if room_id is not None and room_id in setup.room_rows:
            appointment.room = setup.room_rows[room_id]
        else:
            appointment.room_id = room_id
        insert_row(appointment)
        if chosen["equipment"]:
            # A new appointment has no equipment yet: one insert, not set()'s read-then-write.
            Appointment.equipment.through.objects.bulk_create(
                Appointment.equipment.through(appointment=appointment, equipment_id=item)
                for item in chosen["equipment"]
            )
        else:  # known to be none: what reads it next (the HL7 message) need not ask
            appointment._prefetched_objects_cache = {"equipment": Equipment.objects.none()}
        _write_holds(appointment, chosen, span)
        return appointment

    holders = {ResourceKind.PATIENT: (patient.id,)}
    if not overbook:  # an overbooked visit does not hold its provider
        holders[ResourceKind.PROVIDER] = (provider.id,)
    appointment = _take_resources(
        appointment_type, location, span, write, setup=setup, holders=holders
    )
    flags = [
        name
        for name, on in (("override", override), ("overbook", overbook), ("urgent", urgent))
        if on
    ]
    audit_record(
        action=AuditAction.CREATE,
        obj=appointment,
        patient=patient,
        category="scheduling",
        detail=("booked " + " ".join(flags)).strip(),
    )
    announce(appointment, AppointmentEvent.BOOKED, setup=setup)
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    provider: Provider | None = None,
    location: Location | None = None,
    override: bool = False,
) -> Appointment:
    """Move a booked visit; if the new time is taken, the old booking stands unchanged."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise StatusMoveError("Only a booked visit can be moved.")
    provider = provider or appointment.provider
    location = location or appointment.location
    errors = _rule_errors(
        patient=appointment.patient, appointment_type=appointment.appointment_type,
        provider=provider, location=location, starts_at=starts_at, override=override,
        ignore=appointment,
    )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    appointment.holds.all().delete()
    if not override and not selectors.is_template_time(
        appointment_type=appointment.appointment_type, provider=provider, location=location,
        starts_at=starts_at,
    ):  # fmt: skip
        raise ValidationError({"starts_at": [f"{provider} does not see this type then."]})
    previous = _snapshot(appointment)
    appointment.provider = provider
    appointment.location = location
    appointment.starts_at = starts_at
    appointment.ends_at = starts_at + timedelta(
        minutes=appointment.appointment_type.duration_minutes
    )
    span = units(appointment.starts_at, appointment.ends_at)
    _retake_resources(appointment, location, span)
    audit_record(
        action=AuditAction.UPDATE,
        obj=appointment,
        patient=appointment.patient,
        category="scheduling",
        detail=f"rescheduled from {previous['starts_at'].isoformat()}",
    )
    announce(appointment, AppointmentEvent.RESCHEDULED, previous)
    return appointment


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, reason: str = ""
) -> Appointment:
    """Cancel, no-show, check out or undo. Checking in has its own service
    (front_desk.visit_check_in), since it verifies and collects as it goes."""
    if status == AppointmentStatus.ARRIVED:
        raise StatusMoveError(
            "Check the patient in from the check-in screen (it verifies insurance and consents)."
        )
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    return move_status(appointment, status, reason)


def _status_rule_error(appointment: Appointment, status: str) -> str | None:
    now = timezone.now()
    zone = appointment.location.zone
    if status == AppointmentStatus.ARRIVED and (
        now.astimezone(zone).date() != appointment.starts_at.astimezone(zone).date()
    ):
        return "A patient can be checked in only on the day of the visit."
    if status == AppointmentStatus.NOSHOW and now < appointment.starts_at:
        return "A visit that has not started yet cannot be a no-show."
    if (
        appointment.status == AppointmentStatus.ARRIVED
        and status == AppointmentStatus.BOOKED
        and CheckIn.objects.filter(appointment=appointment, copay_collected__gt=0).exists()
    ):
        return "A copay was collected at this check-in: refund it in billing before undoing."
    return None


def move_status(appointment: Appointment, status: str, reason: str = "") -> Appointment:
    """The one way a status changes; the caller holds the appointment's row lock.

    Refuses moves the table does not allow, frees the resources of a visit that
    will not happen, and takes them again for one that will after all.
    """
    if not can_move(appointment.status, status):
        raise StatusMoveError(
            f"A visit that is {appointment.get_status_display().lower()} cannot become {status}."
        )
    refusal = _status_rule_error(appointment, status)
    if refusal:
        raise StatusMoveError(refusal)
    before = _snapshot(appointment)
    previous = appointment.status
    appointment.status = status
    now = timezone.now()
    if status == AppointmentStatus.CANCELLED:
        if not reason.strip():
            raise ValidationError({"cancel_reason": ["Say why the visit is cancelled."]})
        appointment.cancel_reason = reason.strip()
    if status == AppointmentStatus.ARRIVED and appointment.arrived_at is None:
        appointment.arrived_at = now
    if previous == AppointmentStatus.ARRIVED and status == AppointmentStatus.BOOKED:
        # Checked in by mistake: the visit is as it was before the check-in.
        CheckIn.objects.filter(appointment=appointment).delete()
        appointment.arrived_at = appointment.roomed_at = appointment.seen_at = None
    if status == AppointmentStatus.FULFILLED and appointment.checked_out_at is None:
        appointment.checked_out_at = now
    if previous not in HOLDING and status in HOLDING:
        # Back from a no-show: the visit takes its time again, or the move is refused.
        span = units(appointment.starts_at, appointment.ends_at)
        _retake_resources(appointment, appointment.location, span)
    else:
        appointment.save()
    if status not in HOLDING:
        appointment.holds.all().delete()
    audit_record(
        action=AuditAction.UPDATE,
        obj=appointment,
        patient=appointment.patient,
        category="scheduling",
        detail=f"status {previous} -> {status}",
    )
    event = {
        AppointmentStatus.CANCELLED: AppointmentEvent.CANCELLED,
        AppointmentStatus.NOSHOW: AppointmentEvent.NOSHOW,
    }.get(status, AppointmentEvent.STATUS)
    announce(appointment, event, before)
    return appointment


@transaction.atomic
def appointment_confirm(*, appointment: Appointment, via: str) -> Appointment:
    """The patient said they will come (a reminder reply, a call): stamp it once."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise StatusMoveError("Only a booked visit can be confirmed.")
    if appointment.confirmed_at is None:
        appointment.confirmed_at = timezone.now()
        appointment.confirmed_via = via
        appointment.save(update_fields=["confirmed_at", "confirmed_via", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            obj=appointment,
            patient=appointment.patient,
            category="scheduling",
            detail=f"confirmed via {via}",
        )
    return appointment


def appointment_cancel(*, appointment: Appointment, reason: str) -> Appointment:
    return appointment_set_status(
        appointment=appointment, status=AppointmentStatus.CANCELLED, reason=reason
    )


def holds_follow_merge(*, survivor: Patient, duplicate: Patient) -> None:
    """A merge moves the retired record's visits: their patient holds move with them."""
    try:
        with transaction.atomic():
            Hold.objects.filter(kind=ResourceKind.PATIENT, resource_id=duplicate.id).update(
                resource_id=survivor.id
            )
    except IntegrityError as exc:
        raise MergeError(
            "Both records have a visit at the same time: cancel one of them first."
        ) from exc
