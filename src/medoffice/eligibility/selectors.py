"""Reads of eligibility checks (select_related decided here, never in templates)."""

from datetime import timedelta

from django.utils import timezone

from medoffice.eligibility.models import EligibilityCheck
from medoffice.eligibility.states import CheckStatus

# An answer older than this is not trusted for the copay at check-in.
COPAY_FRESH_DAYS = 30


def _checks():
    return EligibilityCheck.objects.select_related(
        "coverage__payer", "patient", "requested_by", "appointment"
    )


def check_list_for_coverage(coverage_id: int, *, limit: int = 50) -> list[EligibilityCheck]:
    return list(_checks().filter(coverage_id=coverage_id)[:limit])


def check_list_for_appointment(appointment) -> list[EligibilityCheck]:
    return list(_checks().filter(appointment=appointment)[:20])


def check_latest_for_coverage(coverage_id: int, service_date=None) -> EligibilityCheck | None:
    rows = _checks().filter(coverage_id=coverage_id)
    if service_date is not None:
        rows = rows.filter(service_date=service_date)
    return rows.first()


def check_latest_active(coverage_id: int, service_date) -> EligibilityCheck | None:
    """The latest active answer about this coverage that is recent enough for the visit's
    day: asked for that day, or asked within COPAY_FRESH_DAYS before it."""
    since = timezone.now() - timedelta(days=COPAY_FRESH_DAYS)
    return (
        _checks()
        .filter(coverage_id=coverage_id, status=CheckStatus.ACTIVE)
        .filter(service_date__lte=service_date, requested_at__gte=since)
        .order_by("-service_date", "-requested_at", "-id")
        .first()
    )


def check_list(*, practice_id: int, status: str = "", date_from=None, date_to=None, limit=200):
    rows = _checks().filter(practice_id=practice_id)
    if status:
        rows = rows.filter(status=status)
    if date_from:
        rows = rows.filter(service_date__gte=date_from)
    if date_to:
        rows = rows.filter(service_date__lte=date_to)
    return list(rows[:limit])
