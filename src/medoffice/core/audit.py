"""The audit trail: append, verify, and search (SECURITY.md AU-01, AU-03, AU-04).

Each event's MAC is HMAC-SHA-256 over the previous event's MAC and this
event's canonical fields, keyed by a secret kept outside the database
(settings.AUDIT_HMAC_KEY). Appending locks the chain head row, so the chain
has exactly one successor per link on PostgreSQL as on SQLite.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from medoffice.core.bulk import insert_row
from medoffice.core.context import Actor, current_actor
from medoffice.core.models import (
    AuditAction,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditOutcome,
)

CHAINED_FIELDS = (
    "id",
    "at",
    "user_id",
    "username",
    "role",
    "action",
    "category",
    "object_type",
    "object_id",
    "patient_id",
    "client_ip",
    "request_id",
    "outcome",
    "detail",
)


def _canonical(values: dict) -> bytes:
    return json.dumps(
        [values[name] for name in CHAINED_FIELDS], separators=(",", ":"), default=str
    ).encode()


def compute_mac(previous_mac: str, values: dict, *, key: str | None = None) -> str:
    secret = (key or settings.AUDIT_HMAC_KEY).encode()
    return hmac.new(secret, previous_mac.encode() + _canonical(values), hashlib.sha256).hexdigest()


def _clean(text: str, limit: int) -> str:
    """Keep audit fields single-line so a crafted value cannot forge a log line (AU-05)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")[:limit]


def audit_record(
    *,
    action: str,
    outcome: str = AuditOutcome.SUCCESS,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    patient=None,
    category: str = "",
    detail: str = "",
    actor: Actor | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction if there is one.

    `obj` and `patient` are model instances; their public ids are recorded.
    `detail` must never carry PHI: it holds codes and counts, not names.
    """
    actor = actor or current_actor()
    if actor.via_app:
        detail = f"{actor.via_app} {detail}"
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", obj.pk))
    # No savepoint of its own: if the append fails, the caller's whole transaction must
    # roll back anyway (a change without its audit row must not commit).
    with transaction.atomic(savepoint=False):
        last_id, last_mac = _lock_chain_head()
        at = timezone.now()
        values = {
            "id": last_id + 1,
            "at": at.isoformat(),
            "user_id": actor.user_id,
            "username": _clean(actor.username, 150),
            "role": actor.role,
            "action": str(action),
            "category": category,
            "object_type": object_type,
            "object_id": str(object_id),
            "patient_id": str(patient.public_id) if patient is not None else "",
            "client_ip": actor.client_ip,
            "request_id": actor.request_id,
            "outcome": str(outcome),
            "detail": _clean(detail, 200),
        }
        mac = compute_mac(last_mac, values)
        event = AuditEvent(**(values | {"at": at}), mac=mac)
        insert_row(event)  # save(force_insert=True)'s INSERT, its statement built once
        _advance_chain_head(event.id, mac)
    return event


# The chain head is read and moved by two plain statements: they run on every PHI request
# and every booking, and the ORM's query building cost several times their execution.
def _lock_chain_head() -> tuple[int, str]:
    """(last id, last MAC) of the chain, its head row locked until the transaction ends
    (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the write transaction is the lock)."""
    sql = f"SELECT last_id, last_mac FROM {AuditChainHead._meta.db_table} WHERE id = 1"  # noqa: S608 - a model's table
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchone()
        if found is None:  # the very first event
            AuditChainHead.objects.get_or_create(id=1)
            cursor.execute(sql)
            found = cursor.fetchone()
    return found[0], found[1]


def _advance_chain_head(last_id: int, last_mac: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditChainHead._meta.db_table} SET last_id = %s, last_mac = %s WHERE id = 1",  # noqa: S608 - a model's table
            [last_id, last_mac],
        )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def _row_values(event: AuditEvent) -> dict:
    values = {name: getattr(event, name) for name in CHAINED_FIELDS}
    values["at"] = event.at.isoformat()
    return values


def checkpoint_signature(values: dict, previous_signature: str, *, key: str | None = None) -> str:
    """HMAC-SHA-256 over a checkpoint's fields, chained to the previous checkpoint (AU-06)."""
    secret = (key or settings.AUDIT_HMAC_KEY).encode()
    canonical = json.dumps(
        [
            "checkpoint",
            previous_signature,
            values["through_id"],
            values["through_mac"],
            values["through_at"],
            values["rows"],
            values["cutoff"],
            values["created_at"],
            values["created_by"],
        ],
        separators=(",", ":"),
        default=str,
    ).encode()
    return hmac.new(secret, canonical, hashlib.sha256).hexdigest()


def _checkpoint_values(checkpoint: AuditCheckpoint) -> dict:
    return {
        "through_id": checkpoint.through_id,
        "through_mac": checkpoint.through_mac,
        "through_at": checkpoint.through_at.isoformat(),
        "rows": checkpoint.rows,
        "cutoff": checkpoint.cutoff.isoformat(),
        "created_at": checkpoint.created_at.isoformat(),
        "created_by": checkpoint.created_by,
    }


def _verify_checkpoints(key: str | None) -> tuple[AuditCheckpoint | None, ChainReport | None]:
    """The last checkpoint if every checkpoint's signature holds, else a failed report."""
    previous_signature, previous_through, last = "", 0, None
    for checkpoint in AuditCheckpoint.objects.order_by("through_id"):
        expected = checkpoint_signature(_checkpoint_values(checkpoint), previous_signature, key=key)
        if checkpoint.through_id <= previous_through or not hmac.compare_digest(
            checkpoint.signature, expected
        ):
            return None, ChainReport(
                False,
                0,
                checkpoint.through_id,
                f"retention checkpoint through row {checkpoint.through_id} is not signed "
                "with the audit key (rows may have been deleted without the purge job)",
            )
        previous_signature, previous_through, last = (
            checkpoint.signature,
            checkpoint.through_id,
            checkpoint,
        )
    return last, None


def audit_verify(*, key: str | None = None, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in order; name the first row that is altered, missing or out of place.

    After a retention purge the walk starts at the last signed checkpoint: the first row
    kept must follow it and chain to its MAC, so the purged prefix is still accounted for.
    """
    checkpoint, failed = _verify_checkpoints(key)
    if failed is not None:
        return failed
    previous_mac = checkpoint.through_mac if checkpoint else ""
    expected_id = checkpoint.through_id + 1 if checkpoint else 1
    first_id = expected_id
    checked = 0
    for event in _iterate(chunk_size, after=expected_id - 1):
        if event.id != expected_id:
            kind = "missing" if event.id > expected_id else "out of order"
            return ChainReport(False, checked, expected_id, f"row {expected_id} is {kind}")
        if not hmac.compare_digest(
            event.mac, compute_mac(previous_mac, _row_values(event), key=key)
        ):
            reason = f"row {event.id} was altered or inserted"
            if event.id == first_id:
                reason += " (or the audit key is not the one this trail was written with)"
            return ChainReport(False, checked, event.id, reason)
        previous_mac = event.mac
        expected_id += 1
        checked += 1
    if checkpoint is not None and AuditEvent.objects.filter(id__lte=checkpoint.through_id).exists():
        return ChainReport(
            False,
            checked,
            checkpoint.through_id,
            f"rows at or before checkpoint {checkpoint.through_id} reappeared",
        )
    last_expected = expected_id - 1
    head = AuditChainHead.objects.filter(id=1).first()
    last_id = head.last_id if head else 0
    if last_id != last_expected or (head and head.last_mac != previous_mac):
        return ChainReport(
            False,
            checked,
            last_expected + 1,
            f"chain ends at row {last_expected} but its head says {last_id}",
        )
    return ChainReport(True, checked)


def _iterate(chunk_size: int, after: int = 0) -> Iterator[AuditEvent]:
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=after).order_by("id")[:chunk_size])
        if not chunk:
            return
        yield from chunk
        after = chunk[-1].id


__all__ = ["AuditAction", "AuditOutcome", "ChainReport", "audit_record", "audit_verify"]
