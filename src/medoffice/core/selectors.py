"""Reads of the audit trail for the review screen and its CSV export (AU-04)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F

from medoffice.core.audit import CHAINED_FIELDS
from medoffice.core.models import AuditEvent

# AU-04: the report sorts by every field of the row (the fields the hash chain seals).
AUDIT_SORT_KEYS = CHAINED_FIELDS


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    patient_id: str = ""
    action: str = ""
    app: str = ""  # a SMART app's client id: the rows its tokens caused (core/context.py)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-id"


def _office_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def audit_event_list(flt: AuditFilter):
    events = AuditEvent.objects.all()
    if flt.username:
        events = events.filter(username=flt.username)
    if flt.patient_id:
        events = events.filter(patient_id=flt.patient_id)
    if flt.action:
        events = events.filter(action=flt.action)
    if flt.app:
        events = events.filter(detail__startswith=f"app={flt.app} ")
    if flt.date_from:
        events = events.filter(at__gte=_office_midnight(flt.date_from))
    if flt.date_to:
        events = events.filter(at__lt=_office_midnight(flt.date_to + timedelta(days=1)))
    sort = flt.sort if flt.sort.lstrip("-") in AUDIT_SORT_KEYS else "-id"
    descending = sort.startswith("-")
    tiebreak = "-id" if descending else "id"
    if sort.lstrip("-") == "id":
        return events.order_by(sort)
    if sort.lstrip("-") == "user_id":  # system rows have none: first, on both databases
        column = F("user_id")
        key = column.desc(nulls_last=True) if descending else column.asc(nulls_first=True)
        return events.order_by(key, tiebreak)
    return events.order_by(sort, tiebreak)


@dataclass(frozen=True)
class TouchedPatient:
    patient_id: str  # the patient's public id, as the audit row carries it
    events: int
    first_at: datetime
    last_at: datetime


def patients_touched(*, user_id: int, start: datetime, end: datetime) -> list[TouchedPatient]:
    """PR-04: every patient one user (or the user an API token signs in as) touched in
    [start, end), with how often and when first and last; for breach scoping.

    Reads the (user_id, at, patient_id) index only: one range scan of that user's rows in
    the window, grouped by patient.
    """
    from django.db.models import Count, Max, Min

    rows = (
        AuditEvent.objects.filter(user_id=user_id, at__gte=start, at__lt=end)
        .exclude(patient_id="")
        .values("patient_id")
        .annotate(events=Count("*"), first_at=Min("at"), last_at=Max("at"))
        .order_by("patient_id")
    )
    return [TouchedPatient(r["patient_id"], r["events"], r["first_at"], r["last_at"]) for r in rows]
