"""The billers' writes on claims after they go out: the codes payers sent back (findings),
notes and assignments, fix-and-resend, closing, and appeals tracked to their outcome.

Every status move goes through claims.claim_move (the transition table, a ClaimEvent,
an audit row); every other write here is audited against the claim's patient.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from medoffice.billing import explanations
from medoffice.billing.claims import claim_move
from medoffice.billing.errors import BillingError, ClaimNotReadyError, ClaimStateError
from medoffice.billing.models import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    Claim,
    ClaimFinding,
    ClaimNote,
    ClaimWork,
    FindingSource,
    PayerRules,
)
from medoffice.billing.states import ClaimStatus
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.money import to_cents

CATEGORY = "billing"
S = ClaimStatus
DEFAULT_APPEAL_DAYS = 120


class AppealStateError(BillingError):
    """The appeal's status does not allow this (filing twice, deciding a draft...)."""

    code = "appeal_state"


def _audit(claim: Claim, detail: str, action: str = AuditAction.UPDATE, obj=None) -> None:
    audit_record(
        action=action, obj=obj or claim, patient=claim.patient, category=CATEGORY, detail=detail
    )


# ---------------------------------------------------------------- findings


def finding_from_status(
    *, claim: Claim, category: str, status: str = "", entity: str = "", source: str = "277CA",
    source_file=None, line=None, now=None,
) -> ClaimFinding:  # fmt: skip
    """Record what a 277CA/277 STC said about a claim, explained."""
    explained = explanations.explain_claim_status(category, status, entity)
    return _finding(claim, source, explained, source_file, line, now)


def finding_from_syntax_error(
    *, claim: Claim, ack: str, segment: str = "", qualifier: str = "", segment_error: str = "",
    element: int | None = None, element_error: str = "", source_file=None, now=None,
) -> ClaimFinding:  # fmt: skip
    """Record a 999 error that concerns a claim's part of the batch, explained."""
    explained = explanations.explain_syntax_error(
        ack=ack, segment=segment, qualifier=qualifier, segment_error=segment_error,
        element=element, element_error=element_error,
    )  # fmt: skip
    return _finding(claim, FindingSource.ACK_999, explained, source_file, None, now)


def finding_from_remark(
    *, claim: Claim, code: str, source_file=None, line=None, now=None
) -> ClaimFinding:
    """Record a remark code (RARC) an 835 gave for a claim or line."""
    remark = explanations.explain_remark(code)
    finding = ClaimFinding.objects.create(
        claim=claim, line=line, source=FindingSource.REMIT_835, code=remark.code,
        reason=remark.meaning[:500], fix=remark.fix.key if remark.fix else "", rejected=False,
        source_file=source_file, at=now or timezone.now(),
    )  # fmt: skip
    return finding


def _finding(claim, source, explained, source_file, line, now) -> ClaimFinding:
    return ClaimFinding.objects.create(
        claim=claim, line=line, source=source, code=explained.code[:40],
        reason=explained.reason[:500], fix=explained.fix.key if explained.fix else "",
        rejected=explained.rejected, source_file=source_file, at=now or timezone.now(),
    )  # fmt: skip


# ---------------------------------------------------------------- notes and assignment


def claim_note_add(*, claim: Claim, text: str, by) -> ClaimNote:
    text = (text or "").strip()
    if not text:
        raise ClaimNotReadyError("Write the note first.")
    note = ClaimNote.objects.create(claim=claim, text=text[:2000], by=by, at=timezone.now())
    _audit(claim, "note added to the claim", AuditAction.CREATE)
    return note


def claim_assign(*, claim: Claim, assigned_to=None, follow_up_on: date | None = None) -> ClaimWork:
    work, _ = ClaimWork.objects.update_or_create(
        claim=claim,
        defaults={
            "assigned_to": assigned_to, "follow_up_on": follow_up_on,
            "updated_at": timezone.now(),
        },
    )  # fmt: skip
    who = assigned_to.get_username() if assigned_to else "nobody"
    _audit(claim, f"claim assigned to {who}, follow up {follow_up_on or '-'}")
    return work


# ---------------------------------------------------------------- fix and resend, close


def claim_close(*, claim: Claim, reason: str, by=None) -> Claim:
    """Give up on a claim (written off, billed elsewhere, denial accepted), with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ClaimNotReadyError("Say why the claim is closed.")
    return claim_move(claim, S.CLOSED, note=f"closed: {reason}", by=by)


# ---------------------------------------------------------------- appeals


def appeal_deadline(claim: Claim, decided: date | None) -> date | None:
    if decided is None:
        return None
    rules = PayerRules.objects.filter(payer_id=claim.payer_id).first()
    return decided + timedelta(days=rules.appeal_days if rules else DEFAULT_APPEAL_DAYS)


APPEALABLE = (S.DENIED, S.PARTIALLY_PAID)


def appeal_create(
    *, claim: Claim, template: str, subject: str, body: str, reasons: str,
    amount_disputed: Decimal, enclosures: str = "", deadline: date | None = None, by,
) -> Appeal:  # fmt: skip
    if claim.status not in APPEALABLE + (S.APPEALED,):
        raise ClaimStateError("Only a denied or partly paid claim is appealed.")
    level = claim.appeals.exclude(status=AppealStatus.WITHDRAWN).count() + 1
    if claim.appeals.filter(status__in=[AppealStatus.DRAFT, AppealStatus.FILED]).exists():
        raise AppealStateError("This claim already has an open appeal: finish that one first.")
    now = timezone.now()
    appeal = Appeal(
        claim=claim, level=level, template=template, subject=subject[:200], body=body,
        reasons=reasons[:200], amount_disputed=to_cents(amount_disputed),
        enclosures=enclosures, deadline=deadline, created_by=by, created_at=now, updated_at=now,
    )  # fmt: skip
    appeal.full_clean()
    appeal.save()
    _audit(claim, f"appeal level {level} drafted ({template})", AuditAction.CREATE, appeal)
    return appeal


def appeal_edit(*, appeal: Appeal, subject: str, body: str, enclosures: str) -> Appeal:
    if appeal.status != AppealStatus.DRAFT:
        raise AppealStateError("Only a draft appeal's letter is edited.")
    appeal.subject, appeal.body, appeal.enclosures = subject[:200], body, enclosures
    appeal.updated_at = timezone.now()
    appeal.full_clean()
    appeal.save()
    _audit(appeal.claim, "appeal letter edited", obj=appeal)
    return appeal


def appeal_file(
    *, appeal: Appeal, filed_on: date, method: str, reference: str = "", by=None
) -> Appeal:
    """The appeal went to the payer: the claim becomes appealed."""
    if appeal.status != AppealStatus.DRAFT:
        raise AppealStateError("This appeal was filed already.")
    with transaction.atomic():
        appeal.status, appeal.filed_on = AppealStatus.FILED, filed_on
        appeal.method, appeal.reference = method, reference.strip()[:60]
        appeal.updated_at = timezone.now()
        appeal.full_clean()
        appeal.save()
        claim = appeal.claim
        claim.refresh_from_db(fields=["status"])
        if claim.status in APPEALABLE:
            claim_move(claim, S.APPEALED, note=f"appeal level {appeal.level} filed", by=by)
        _audit(claim, f"appeal level {appeal.level} filed by {method}", obj=appeal)
    return appeal


def appeal_decide(
    *, appeal: Appeal, outcome: str, decided_on: date, amount_recovered: Decimal | None,
    note: str = "", by=None,
) -> Appeal:  # fmt: skip
    """Record the payer's decision. Upheld: the claim is denied again (appeal further or
    close it). Overturned: the claim waits for the payer's new payment (its 835 posts it)."""
    if appeal.status != AppealStatus.FILED:
        raise AppealStateError("Only a filed appeal gets a decision.")
    if outcome not in AppealOutcome.values:
        raise AppealStateError(f"Unknown outcome {outcome!r}.")
    recovered = None if amount_recovered is None else to_cents(amount_recovered)
    if outcome == AppealOutcome.UPHELD:
        recovered = recovered or Decimal("0.00")
    with transaction.atomic():
        appeal.status, appeal.outcome, appeal.decided_on = AppealStatus.DECIDED, outcome, decided_on
        appeal.amount_recovered, appeal.decision_note = recovered, note.strip()[:500]
        appeal.updated_at = timezone.now()
        appeal.full_clean()
        appeal.save()
        claim = appeal.claim
        claim.refresh_from_db(fields=["status"])
        if claim.status == S.APPEALED:
            if outcome == AppealOutcome.UPHELD:
                claim_move(claim, S.DENIED, note="appeal upheld: the denial stands", by=by)
            else:
                claim_move(
                    claim, S.PENDING, by=by,
                    note=f"appeal {AppealOutcome(outcome).label.lower()}: waiting for payment",
                )  # fmt: skip
        _audit(claim, f"appeal level {appeal.level} decided: {outcome}", obj=appeal)
    return appeal


def appeal_withdraw(*, appeal: Appeal, by=None) -> Appeal:
    if appeal.status not in (AppealStatus.DRAFT, AppealStatus.FILED):
        raise AppealStateError("A decided appeal is not withdrawn.")
    with transaction.atomic():
        was_filed = appeal.status == AppealStatus.FILED
        appeal.status, appeal.updated_at = AppealStatus.WITHDRAWN, timezone.now()
        appeal.save(update_fields=["status", "updated_at"])
        claim = appeal.claim
        claim.refresh_from_db(fields=["status"])
        if was_filed and claim.status == S.APPEALED:
            claim_move(claim, S.DENIED, note="appeal withdrawn", by=by)
        _audit(claim, f"appeal level {appeal.level} withdrawn", obj=appeal)
    return appeal
