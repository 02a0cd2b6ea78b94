"""The only way views and the API reach appointments: practice scope, permission, audit."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.http import Http404

from medoffice.core.access import location_scope, locations_for, patient_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.patients.access import require_permission
from medoffice.scheduling.models import Appointment, OfferStatus, WaitlistEntry, WaitlistStatus
from medoffice.scheduling.selectors import day_board


def _appointments():
    return Appointment.objects.select_related(
        "patient", "appointment_type", "provider", "location", "room"
    )


def appointment_get_for_user(
    user, public_id, *, permission: str = "scheduling.view_appointment", audit: bool = True
) -> Appointment:
    practice_id = practice_id_for(user)
    appointment = (
        _appointments()
        .filter(
            location_scope(user, "patient"), public_id=public_id, location__practice_id=practice_id
        )
        .first()
    )
    if appointment is None:
        raise Http404
    require_permission(user, permission, patient=appointment.patient, category="scheduling")
    if audit:
        audit_record(
            action=AuditAction.READ,
            obj=appointment,
            patient=appointment.patient,
            category="scheduling",
        )
    return appointment


def appointment_list_for_patient(user, patient) -> list[Appointment]:
    require_permission(user, "scheduling.view_appointment", patient=patient, category="scheduling")
    appointments = list(_appointments().filter(patient=patient).order_by("-starts_at"))
    audit_record(
        action=AuditAction.READ,
        object_type="scheduling.appointment",
        patient=patient,
        category="scheduling",
        detail=f"{len(appointments)} appointments listed",
    )
    return appointments


def location_for_user(user, public_id=None):
    """A location the user works at (any of the practice's unless the user is limited to
    theirs): the one asked for, else the user's first."""
    locations = locations_for(user)
    if public_id is not None:
        location = locations.filter(public_id=public_id).first()
        if location is None:
            raise Http404
        return location
    location = user.staff.locations.order_by("id").first() or locations.order_by("id").first()
    if location is None:
        raise Http404  # a practice with no location yet has no schedule
    return location


def day_board_for_user(user, *, location, day):
    require_permission(user, "scheduling.view_appointment", category="scheduling")
    columns = day_board(location=location, day=day)
    audit_record(
        action=AuditAction.READ,
        object_type="scheduling.appointment",
        category="scheduling",
        detail=f"day board {day.isoformat()}: "
        f"{sum(len(c.appointments) for c in columns)} appointments shown",
    )
    return columns


def week_for_user(user, *, provider, location, starts, zone) -> list[Appointment]:
    """A provider's visits at a location in the 7 days from `starts` (a local date)."""
    require_permission(user, "scheduling.view_appointment", category="scheduling")
    first = datetime.combine(starts, time(0), zone)
    visits = list(
        _appointments()
        .filter(provider=provider, location=location, starts_at__gte=first,
                starts_at__lt=first + timedelta(days=7))
        .exclude(status="entered-in-error")
        .order_by("starts_at")
    )  # fmt: skip
    audit_record(
        action=AuditAction.READ, object_type="scheduling.appointment", category="scheduling",
        detail=f"week of {starts.isoformat()}: {len(visits)} appointments shown",
    )  # fmt: skip
    return visits


def desk_locations_for_user(user) -> list:
    """The locations whose day boards are the user's: those they work at, else (a user of
    the whole practice with none named) every location of the practice."""
    locations = locations_for(user).order_by("name")
    mine = list(locations.filter(pk__in=user.staff.locations.values("pk")))
    return mine or list(locations)


def waitlist_waiting_for_user(user):
    """The waiting list's patients the user may reach (the list page's rows)."""
    require_permission(user, "scheduling.view_appointment", category="scheduling")
    return WaitlistEntry.objects.filter(
        patient_scope(user, "patient"), status=WaitlistStatus.WAITING
    )


def waitlist_counts_for_user(user) -> dict[str, int]:
    """{"waiting": patients on the list, "offered": their offers not yet answered}: one query."""
    return waitlist_waiting_for_user(user).aggregate(
        waiting=Count("pk", distinct=True),
        offered=Count("offers", filter=Q(offers__status=OfferStatus.OFFERED), distinct=True),
    )
