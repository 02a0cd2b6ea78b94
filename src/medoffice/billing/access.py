"""The only way views and the API reach encounters and charges: practice scope, permission,
audit (AC-02, AU-01). Another practice's encounter is reported as absent (404).

Diagnoses are on the encounter: only roles with `billing.view_encounter` reach
it. Charges (services and amounts, no diagnoses) are reached with
`billing.view_charge`, which the front desk has for the visit receipt.
"""

from datetime import date

from django.http import Http404

from medoffice.billing.models import Charge, Encounter
from medoffice.billing.selectors import (
    Queue,
    coding_queue,
    coding_queue_count,
    encounter_list,
    encounters_with_content,
)
from medoffice.core.access import in_scope_only, location_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.patients.access import require_permission

VIEW = "billing.view_encounter"
CATEGORY = "billing"


def encounter_get_for_user(
    user, public_id, *, permission: str = VIEW, audit: bool = True,
    action: str = AuditAction.READ, detail: str = "",
) -> Encounter:  # fmt: skip
    practice_id = practice_id_for(user)
    encounter = (
        encounters_with_content()
        .filter(location_scope(user, "patient"), practice_id=practice_id, public_id=public_id)
        .first()
    )
    if encounter is None:
        raise Http404
    require_permission(user, permission, patient=encounter.patient, category=CATEGORY)
    if audit:
        audit_record(
            action=action, obj=encounter, patient=encounter.patient, category=CATEGORY,
            detail=detail,
        )  # fmt: skip
    return encounter


def encounter_list_for_user(
    user, *, statuses=(), provider_id=None, payer_id=None,
    date_from: date | None = None, date_to: date | None = None,
) -> list[Encounter]:  # fmt: skip
    practice_id = practice_id_for(user)
    require_permission(user, VIEW, category=CATEGORY)
    encounters = encounter_list(
        practice_id=practice_id, statuses=statuses, provider_id=provider_id, payer_id=payer_id,
        date_from=date_from, date_to=date_to,
    )  # fmt: skip
    encounters = in_scope_only(user, encounters)
    audit_record(
        action=AuditAction.READ, object_type="billing.encounter", category=CATEGORY,
        detail=f"{len(encounters)} encounters listed",
    )  # fmt: skip
    return encounters


def queue_for_user(
    user, *, provider_id=None, payer_id=None,
    date_from: date | None = None, date_to: date | None = None,
) -> Queue:  # fmt: skip
    practice_id = practice_id_for(user)
    require_permission(user, "billing.view_coding_queue", category=CATEGORY)
    queue = coding_queue(
        practice_id=practice_id, provider_id=provider_id, payer_id=payer_id,
        date_from=date_from, date_to=date_to, keep=lambda rows: in_scope_only(user, rows),
    )  # fmt: skip
    audit_record(
        action=AuditAction.READ, object_type="billing.encounter", category=CATEGORY,
        detail=f"coding queue: {len(queue.rows)} encounters, {queue.clean} clean",
    )  # fmt: skip
    return queue


def queue_count_for_user(user) -> int:
    """The coding queue's rows for the user, counted (the home page)."""
    practice_id = practice_id_for(user)
    require_permission(user, "billing.view_coding_queue", category=CATEGORY)
    return coding_queue_count(practice_id=practice_id, scope=location_scope(user, "patient"))


def claim_counts_for_user(user) -> dict[str, int]:
    """{claim status: claims} the user may see (the claim list's figures)."""
    from medoffice.billing.claim_selectors import claim_counts

    practice_id = practice_id_for(user)
    require_permission(user, CLAIM_VIEW, category=CATEGORY)
    return claim_counts(practice_id=practice_id, scope=location_scope(user, "patient"))


def charges_for_encounter(
    user, public_id, *, action: str = AuditAction.READ, detail: str = ""
) -> tuple[Encounter, list[Charge]]:
    """The encounter (its header only is used) and its charges, for `billing.view_charge`."""
    practice_id = practice_id_for(user)
    encounter = (
        Encounter.objects.select_related("patient", "provider", "location", "coverage__payer")
        .filter(location_scope(user, "patient"), practice_id=practice_id, public_id=public_id)
        .first()
    )
    if encounter is None:
        raise Http404
    require_permission(user, "billing.view_charge", patient=encounter.patient, category=CATEGORY)
    charges = list(
        encounter.charges.select_related(
            "encounter__patient", "provider", "coverage", "reverses"
        ).order_by("id")
    )
    audit_record(
        action=action, object_type="billing.charge", object_id=str(public_id),
        patient=encounter.patient, category=CATEGORY,
        detail=detail or f"{len(charges)} charges",
    )  # fmt: skip
    return encounter, charges


def charge_list_for_user(
    user, *, date_from: date | None = None, date_to: date | None = None, limit: int = 1000
) -> list[Charge]:
    practice_id = practice_id_for(user)
    require_permission(user, "billing.view_charge", category=CATEGORY)
    rows = Charge.objects.filter(
        location_scope(user, "encounter__patient"), encounter__practice_id=practice_id
    ).select_related("encounter__patient", "provider", "coverage", "reverses")
    if date_from:
        rows = rows.filter(date_of_service__gte=date_from)
    if date_to:
        rows = rows.filter(date_of_service__lte=date_to)
    charges = list(rows.order_by("date_of_service", "id")[:limit])
    audit_record(
        action=AuditAction.READ, object_type="billing.charge", category=CATEGORY,
        detail=f"{len(charges)} charges listed",
    )  # fmt: skip
    return charges


# ---------------------------------------------------------------- claims and batches

CLAIM_VIEW = "billing.view_claim"
BATCH_VIEW = "billing.view_claimbatch"


def claim_get_for_user(
    user, public_id, *, permission: str = CLAIM_VIEW, audit: bool = True,
    action: str = AuditAction.READ, detail: str = "",
):  # fmt: skip
    from medoffice.billing.claim_selectors import claim_with_history

    practice_id = practice_id_for(user)
    claim = (
        claim_with_history()
        .filter(location_scope(user, "patient"), practice_id=practice_id, public_id=public_id)
        .first()
    )
    if claim is None:
        raise Http404
    require_permission(user, permission, patient=claim.patient, category=CATEGORY)
    if audit:
        audit_record(
            action=action, obj=claim, patient=claim.patient, category=CATEGORY, detail=detail
        )
    return claim


def claim_list_for_user(user, **filters):
    from medoffice.billing.claim_selectors import claim_list

    practice_id = practice_id_for(user)
    require_permission(user, CLAIM_VIEW, category=CATEGORY)
    claims = in_scope_only(user, claim_list(practice_id=practice_id, **filters))
    audit_record(
        action=AuditAction.READ, object_type="billing.claim", category=CATEGORY,
        detail=f"{len(claims)} claims listed",
    )  # fmt: skip
    return claims


def batch_get_for_user(user, public_id):
    from medoffice.billing.models import ClaimBatch

    practice_id = practice_id_for(user)
    batch = (
        ClaimBatch.objects.select_related("connection", "file", "payer")
        .filter(practice_id=practice_id, public_id=public_id)
        .first()
    )
    if batch is None:
        raise Http404
    require_permission(user, BATCH_VIEW, category=CATEGORY)
    audit_record(
        action=AuditAction.READ, obj=batch, category=CATEGORY,
        detail=f"batch of {batch.claim_count} claims",
    )  # fmt: skip
    return batch


def exchange_file_get_for_user(user, public_id):
    from medoffice.billing.models import ExchangeFile

    practice_id = practice_id_for(user)
    record = ExchangeFile.objects.filter(practice_id=practice_id, public_id=public_id).first()
    if record is None:
        raise Http404
    require_permission(user, BATCH_VIEW, category=CATEGORY)
    audit_record(
        action=AuditAction.READ, obj=record, category=CATEGORY,
        detail=f"{record.direction} file {record.transaction or '?'} read",
    )  # fmt: skip
    return record


def encounter_rows_for_user(user, rows):
    """`rows` (an Encounter queryset) limited to the patients the user may reach, for a role holding
    `billing.view_encounter` (403 otherwise); not audited here: the caller's search is."""
    require_permission(user, VIEW, category=CATEGORY)
    return rows.filter(location_scope(user, "patient"), practice_id=practice_id_for(user))


def claim_rows_for_user(user, rows):
    """`rows` (a Claim queryset) limited to the patients the user may reach, for a role holding
    `billing.view_claim` (403 otherwise); not audited here: the caller's search is."""
    require_permission(user, CLAIM_VIEW, category=CATEGORY)
    return rows.filter(location_scope(user, "patient"), practice_id=practice_id_for(user))
