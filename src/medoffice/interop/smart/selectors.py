"""Reads over what SMART apps did: the audit trail names the app and token of every row
a token caused (core/context.py `via_app`)."""

from datetime import datetime

from medoffice.core.models import AuditEvent, AuditOutcome


def patients_touched_by_app(
    client_id: str,
    *,
    token_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> set[str]:
    """Public ids of the patients whose records an app (or one of its tokens) reached
    (PR-04: "which patients did this token touch between t1 and t2")."""
    marker = f"app={client_id} " + (f"token={token_id} " if token_id is not None else "")
    events = AuditEvent.objects.filter(
        detail__startswith=marker, outcome=AuditOutcome.SUCCESS
    ).exclude(patient_id="")
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return set(events.values_list("patient_id", flat=True).distinct())
