"""The only way the work-queue views and API reach claims and appeals: practice scope,
permission, audit (AC-02, AU-01). Another practice's claim is reported as absent (404).

Claims carry diagnoses and money: the queues are the billers' (`billing.view_claim_queues`);
actions on a claim need `billing.work_claim`; appeals their model permissions; the paper
form `billing.print_claim`. The front desk has none of them.
"""

from django.http import Http404

from medoffice.billing import worklists
from medoffice.billing.claim_forms import claims_for_forms
from medoffice.billing.models import Appeal, Claim
from medoffice.core.access import in_scope_only, location_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.patients.access import require_permission

CATEGORY = "billing"
VIEW_QUEUES = "billing.view_claim_queues"
WORK = "billing.work_claim"
PRINT = "billing.print_claim"
VIEW_APPEAL = "billing.view_appeal"
ADD_APPEAL = "billing.add_appeal"
CHANGE_APPEAL = "billing.change_appeal"

_READERS = {
    "rejections": worklists.rejections,
    "denials": worklists.denials,
    "no-response": worklists.no_response,
    "deadlines": worklists.filing_deadlines,
    "appeals": worklists.appeals,
}


def _patient_of(row) -> int:
    """The patient of a queue's row: a claim or appeal, or a row built around a claim."""
    claim = getattr(row, "claim", row)
    return claim.patient_id


def queue_for_user(user, name: str, **options) -> list:
    practice_id = practice_id_for(user)
    if name not in _READERS:
        raise Http404
    require_permission(user, VIEW_QUEUES, category=CATEGORY)
    rows = in_scope_only(user, _READERS[name](practice_id=practice_id, **options), _patient_of)
    audit_record(
        action=AuditAction.READ, object_type="billing.claim", category=CATEGORY,
        detail=f"{name} queue: {len(rows)} rows",
    )  # fmt: skip
    return rows


def queue_counts_for_user(user) -> dict[str, int]:
    practice_id = practice_id_for(user)
    require_permission(user, VIEW_QUEUES, category=CATEGORY)
    return worklists.counts(
        practice_id=practice_id,
        scope=location_scope(user, "patient"),
        appeal_scope=location_scope(user, "claim__patient"),
    )


def claim_for_work(
    user, public_id, *, permission: str = VIEW_QUEUES, action: str = AuditAction.READ,
    detail: str = "", audit: bool = True,
) -> Claim:  # fmt: skip
    practice_id = practice_id_for(user)
    claim = (
        claims_for_forms(
            Claim.objects.filter(
                location_scope(user, "patient"), practice_id=practice_id, public_id=public_id
            )
        )
        .select_related("work__assigned_to", "batch")
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


def claims_for_print(user, *, public_ids=None, paper_only: bool = False) -> list[Claim]:
    """Claims to print on the CMS-1500: the ones named, or every paper payer's ready claim."""
    from medoffice.billing.claim_forms import PRINTABLE, paper_payer_ids
    from medoffice.billing.states import ClaimStatus

    practice_id = practice_id_for(user)
    require_permission(user, PRINT, category=CATEGORY)
    claims = Claim.objects.filter(
        location_scope(user, "patient"), practice_id=practice_id, status__in=PRINTABLE
    )
    if public_ids is not None:
        claims = claims.filter(public_id__in=public_ids)
    if paper_only:
        claims = claims.filter(
            payer_id__in=paper_payer_ids(),
            status__in=[ClaimStatus.SCRUBBED, ClaimStatus.QUEUED],
        )
    rows = list(claims_for_forms(claims).order_by("payer__name", "service_from", "id"))
    for claim in rows:
        audit_record(
            action=AuditAction.PRINT, obj=claim, patient=claim.patient, category=CATEGORY,
            detail="CMS-1500 printed",
        )  # fmt: skip
    return rows


def appeal_get_for_user(
    user, public_id, *, permission: str = VIEW_APPEAL, action: str = AuditAction.READ,
    detail: str = "", audit: bool = True,
) -> Appeal:  # fmt: skip
    practice_id = practice_id_for(user)
    appeal = (
        Appeal.objects.select_related(
            "claim__patient",
            "claim__payer",
            "claim__coverage",
            "claim__provider",
            "claim__location__practice",
            "created_by",
        )  # fmt: skip
        .filter(
            location_scope(user, "claim__patient"),
            claim__practice_id=practice_id,
            public_id=public_id,
        )  # fmt: skip
        .first()
    )
    if appeal is None:
        raise Http404
    require_permission(user, permission, patient=appeal.claim.patient, category=CATEGORY)
    if audit:  # a write is audited by the service that makes it
        audit_record(
            action=action, obj=appeal, patient=appeal.claim.patient, category=CATEGORY,
            detail=detail,
        )  # fmt: skip
    return appeal
