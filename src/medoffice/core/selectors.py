"""Reads of the audit trail for the review screen and its CSV export (AU-04)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from medoffice.core.models import AuditEvent

AUDIT_SORT_KEYS = (
    "id",
    "at",
    "username",
    "role",
    "action",
    "category",
    "object_type",
    "patient_id",
    "client_ip",
    "outcome",
)


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    patient_id: str = ""
    action: str = ""
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
    if flt.date_from:
        events = events.filter(at__gte=_office_midnight(flt.date_from))
    if flt.date_to:
        events = events.filter(at__lt=_office_midnight(flt.date_to + timedelta(days=1)))
    sort = flt.sort if flt.sort.lstrip("-") in AUDIT_SORT_KEYS else "-id"
    tiebreak = "-id" if sort.startswith("-") else "id"
    return events.order_by(sort, tiebreak) if sort.lstrip("-") != "id" else events.order_by(sort)
