"""Retention of the audit trail (AU-06): keep at least six years, purge older rows with a
signed checkpoint so `verify` still accounts for every row ever written.

HIPAA 164.316(b)(2)(i) asks for six years from creation; MEDOFFICE_RETENTION_YEARS may
be longer, never shorter (settings refuse it). The purge removes only a prefix of the chain
(rows 1..N, all older than the cutoff): the chain stays contiguous from N + 1, and the
checkpoint keeps row N's MAC, signed with the audit key, so the first kept row still
verifies against it. Every run, dry or not, leaves an audit row.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from medoffice.core.audit import _lock_chain_head, audit_record, checkpoint_signature
from medoffice.core.context import current_actor
from medoffice.core.models import AuditAction, AuditCheckpoint, AuditEvent

DELETE_CHUNK = 5000


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Records created before this moment are old enough to purge."""
    return years_before(now or timezone.now(), settings.MEDOFFICE_RETENTION_YEARS)


@dataclass(frozen=True)
class AuditPurge:
    cutoff: datetime
    eligible: int
    deleted: int
    through_id: int | None
    dry_run: bool


def _purgeable_prefix(cutoff: datetime, after: int) -> int | None:
    """The last id N such that every row after `after` up to N is older than the cutoff."""
    through = AuditEvent.objects.filter(id__gt=after, at__lt=cutoff).aggregate(last=Max("id"))[
        "last"
    ]
    if through is None:
        return None
    # Timestamps follow the chain order unless the clock was set back: stop before the first
    # young row so nothing younger than the limit is ever inside the purged prefix.
    young = (
        AuditEvent.objects.filter(id__gt=after, id__lte=through, at__gte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if young is not None:
        through = young - 1
    return through if through > after else None


def audit_purge(*, dry_run: bool = True, now: datetime | None = None) -> AuditPurge:
    """Delete the audit rows older than the retention limit (dry run: only count them)."""
    cutoff = retention_cutoff(now)
    with transaction.atomic():
        if not dry_run:
            _lock_chain_head()  # one purge (and no append) at a time
        last = AuditCheckpoint.objects.order_by("-through_id").first()
        after = last.through_id if last else 0
        through = _purgeable_prefix(cutoff, after)
        eligible = (
            AuditEvent.objects.filter(id__gt=after, id__lte=through).count() if through else 0
        )
        deleted = 0
        if through and not dry_run:
            edge = AuditEvent.objects.get(id=through)
            created_at = timezone.now()
            values = {
                "through_id": through,
                "through_mac": edge.mac,
                "through_at": edge.at.isoformat(),
                "rows": eligible,
                "cutoff": cutoff.isoformat(),
                "created_at": created_at.isoformat(),
                "created_by": current_actor().username,
            }
            AuditCheckpoint.objects.create(
                through_id=through,
                through_mac=edge.mac,
                through_at=edge.at,
                rows=eligible,
                cutoff=cutoff,
                created_at=created_at,
                created_by=values["created_by"],
                signature=checkpoint_signature(values, last.signature if last else ""),
            )
            start = after
            while start < through:
                stop = min(start + DELETE_CHUNK, through)
                deleted += AuditEvent.objects.filter(
                    id__gt=start, id__lte=stop, at__lt=cutoff
                ).delete()[0]
                start = stop
            if deleted != eligible:  # a young row inside the prefix: refuse the whole purge
                raise RuntimeError("audit purge would remove rows younger than the limit")
        audit_record(
            action=AuditAction.DELETE if not dry_run else AuditAction.QUERY,
            object_type="core.auditevent",
            category="retention",
            detail=(
                f"retention purge{' dry run' if dry_run else ''}: {eligible} audit rows "
                f"before {cutoff:%Y-%m-%d}"
                + (f" (through row {through})" if through else "")
                + (f", {deleted} deleted" if not dry_run else "")
            ),
        )
    return AuditPurge(cutoff, eligible, deleted, through, dry_run)
