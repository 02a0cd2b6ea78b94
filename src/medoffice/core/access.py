"""Scope: which practice's records, and which of its patients, a user may reach at all.

A user reaches the records of their own practice. A staff profile may also be limited to
its locations (`StaffProfile.limited_to_locations`): the user then reaches only the
patients registered at one of them (home location) or with an appointment or a visit
there, and a chart outside them only by breaking the glass (AC-04), for the grant's
time. Everything outside scope looks absent (404), like another practice's records.
"""

from collections.abc import Callable
from operator import attrgetter

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from medoffice.core.policy import is_staff_user


def practice_id_for(user) -> int:
    """The practice whose records `user` may reach; anyone else's look absent (404)."""
    if not is_staff_user(user):
        raise Http404
    return user.staff.practice_id


def practice_for(user):
    """The user's practice itself (404 for anyone who is not staff)."""
    from medoffice.core.models import Practice

    return Practice.objects.filter(pk=practice_id_for(user)).first()


def office_zone_name(user) -> str | None:
    """The wall clock the user works by: the first location they work at, else their
    practice's (Practice.zone); None for a user who is not staff (the site's zone then)."""
    if not is_staff_user(user):
        return None
    found = user.staff.locations.order_by("id").values_list("time_zone", flat=True).first()
    return found or user.staff.practice.zone.key


def location_limit(user) -> tuple[int, ...] | None:
    """The locations a location-limited user works at; None for a user of the whole
    practice. Read once per request (the user object lives as long as the request)."""
    staff = user.staff
    if not staff.limited_to_locations:
        return None
    cached = getattr(staff, "_location_limit", None)
    if cached is None:
        cached = tuple(staff.locations.values_list("pk", flat=True))
        staff._location_limit = cached
    return cached


def locations_for(user):
    """The locations whose schedules and desks a user works: their own for a
    location-limited user, else every location of the practice."""
    Location = apps.get_model("core", "Location")
    locations = Location.objects.filter(practice_id=practice_id_for(user))
    limit = location_limit(user)
    return locations if limit is None else locations.filter(pk__in=limit)


def patient_scope(user, via: str | None = None) -> Q:
    """The patients `user` may reach, as a filter: on Patient itself (`via=None`) or on a
    model whose foreign key `via` (e.g. "patient", "encounter__patient") leads to one."""
    prefix = f"{via}__" if via else ""
    return Q(**{f"{prefix}practice_id": practice_id_for(user)}) & location_scope(user, via)


def location_scope(user, via: str | None = None) -> Q:
    """For a row already limited to the user's practice by a column of its own (a claim's,
    an encounter's): the location limit alone, nothing for a user of the whole practice."""
    limit = location_limit(user)
    if limit is None:
        return Q()
    if via is None:
        return _at(limit, user, each_row=True)
    Patient = apps.get_model("patients", "Patient")
    return Q(**{f"{via}__in": Patient.objects.filter(_at(limit, user))})


def in_scope_only(user, rows: list, patient_id_of: Callable = attrgetter("patient_id")) -> list:
    """A list's rows without those of patients outside a location-limited user's scope; the
    list as it is for a user of the whole practice. Lists are read for the practice, each
    by its own tuned query, and kept here by one statement over their patients' ids."""
    limit = location_limit(user)
    if limit is None or not rows:
        return rows
    Patient = apps.get_model("patients", "Patient")
    ids = {patient_id_of(row) for row in rows}
    visible = set(Patient.objects.filter(_at(limit, user), pk__in=ids).values_list("pk", flat=True))
    return [row for row in rows if patient_id_of(row) in visible]


def _at(limit: tuple[int, ...], user, *, each_row: bool = False) -> Q:
    """A patient of these locations, or one whose chart the user has broken the glass for.

    `each_row`: for a query on Patient itself, each condition is asked of the row at hand
    (EXISTS on the patient's appointments, visits and grants, by their patient index);
    otherwise as lists of patients, for a filter through a foreign key (`via__in`). As a
    list beside a search of Patient, SQLite built the list of every patient of the
    location for each query: 1.5 to 3 s per FHIR search at 1,000,000 patients.
    """
    Appointment = apps.get_model("scheduling", "Appointment")
    Encounter = apps.get_model("billing", "Encounter")
    EmergencyAccess = apps.get_model("clinical", "EmergencyAccess")
    rows = (
        Appointment.objects.filter(location_id__in=limit),
        Encounter.objects.filter(location_id__in=limit),
        EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()),
    )
    if each_row:
        linked = [Q(Exists(r.filter(patient_id=OuterRef("pk")))) for r in rows]
    else:
        linked = [Q(pk__in=r.values("patient_id")) for r in rows]
    return Q(home_location_id__in=limit) | linked[0] | linked[1] | linked[2]
