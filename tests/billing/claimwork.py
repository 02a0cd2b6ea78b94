"""Claims in the states the billers' queues show, made through the claims services.

A claim moves only along the transition table (claims_move); what the payer says
(adjudications with CAS adjustments, 277CA findings) is recorded as the 835 posting and
the acknowledgment processing record it.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from medoffice.billing import claim_work
from medoffice.billing.claims import claims_build, claims_move
from medoffice.billing.models import Adjudication, Adjustment, Claim, Encounter
from medoffice.billing.states import ClaimStatus
from tests.clock import office_today

S = ClaimStatus
ROUTES = {
    S.SCRUBBED: (S.SCRUBBED,),
    S.QUEUED: (S.SCRUBBED, S.QUEUED),
    S.SENT: (S.SCRUBBED, S.QUEUED, S.SENT),
    S.REJECTED: (S.SCRUBBED, S.QUEUED, S.SENT, S.REJECTED),
    S.ACCEPTED_PAYER: (S.SCRUBBED, S.QUEUED, S.SENT, S.ACCEPTED_CLEARINGHOUSE, S.ACCEPTED_PAYER),
    S.PENDING: (S.SCRUBBED, S.QUEUED, S.SENT, S.ACCEPTED_CLEARINGHOUSE, S.PENDING),
    S.DENIED: (S.SCRUBBED, S.QUEUED, S.SENT, S.ACCEPTED_CLEARINGHOUSE, S.DENIED),
    S.PARTIALLY_PAID: (S.SCRUBBED, S.QUEUED, S.SENT, S.ACCEPTED_CLEARINGHOUSE,
                       S.PARTIALLY_PAID),
}  # fmt: skip


def claim_for(encounter: Encounter, status: str = S.DRAFT, *, sent_at=None) -> Claim:
    """The primary claim of a signed encounter, moved to `status` by legal steps."""
    [claim_id] = claims_build(
        practice_id=encounter.practice_id, encounters=Encounter.objects.filter(pk=encounter.pk)
    )
    claim = Claim.objects.get(pk=claim_id)
    current = claim.status
    for step in ROUTES.get(status, ()):
        fields = {"sent_at": sent_at or timezone.now()} if step == S.SENT else None
        claims_move([(claim.id, current)], step, note="test", fields=fields)
        current = step
    claim.refresh_from_db()
    return claim


def deny(claim: Claim, *adjustments, paid=Decimal("0.00"), remarks=(), day: date | None = None):
    """What an 835 says: an adjudication of the claim with (group, reason, amount) CAS rows,
    and remark codes (RARC)."""
    adjudication = Adjudication.objects.create(
        claim=claim, paid_amount=paid, paid_date=day or office_today(),
        payer_claim_number="PAYER-0001", created_at=timezone.now(),
    )  # fmt: skip
    for group, reason, amount in adjustments:
        Adjustment.objects.create(
            adjudication=adjudication, group=group, reason=reason, amount=Decimal(amount)
        )
    for code in remarks:
        claim_work.finding_from_remark(claim=claim, code=code)
    Claim.objects.filter(pk=claim.pk).update(paid_amount=paid, payer_claim_number="PAYER-0001")
    claim.refresh_from_db()
    return adjudication


def days_ago(n: int):
    return timezone.now() - timedelta(days=n)
