"""The billers' work queues (reads): rejections, denials, claims without an answer, filing
deadlines, appeals. Each row carries what the biller needs to act: the reason in plain
words, the field to fix, the deadline. A fixed number of queries per queue.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from medoffice.billing import explanations
from medoffice.billing.explanations import AdjustmentExplanation, FixTarget, Rejection
from medoffice.billing.models import (
    Adjudication,
    Appeal,
    AppealStatus,
    Claim,
    ClaimFinding,
    PayerRules,
    StatusInquiry,
)
from medoffice.billing.states import ClaimStatus
from medoffice.core.clock import today_at
from medoffice.core.models import Practice

S = ClaimStatus
DEFAULT_FILING_DAYS = 365
DEFAULT_FOLLOW_UP_DAYS = 30
DEFAULT_APPEAL_DAYS = 120
QUEUE_LIMIT = 500

# The payer has the claim but has not decided: these wait for an answer.
AWAITING = (S.SENT, S.ACCEPTED_CLEARINGHOUSE, S.ACCEPTED_PAYER, S.PENDING)
# Not yet accepted by the payer: the filing deadline still matters.
NOT_FILED = (S.DRAFT, S.SCRUBBED, S.QUEUED, S.SENT, S.ACCEPTED_CLEARINGHOUSE, S.REJECTED)
DENIED = (S.DENIED, S.PARTIALLY_PAID)

# A 277CA status written into a claim's reason, e.g. "A7:562:82" or "A6:164".
_STC = re.compile(r"\b(A[0-8]):(\d{1,4})(?::([0-9A-Z]{2,3}))?\b")

QUEUES = {
    "rejections": "Rejections",
    "denials": "Denials",
    "no-response": "No answer",
    "deadlines": "Filing deadlines",
    "appeals": "Appeals",
}


def _base(practice_id: int) -> QuerySet:
    return Claim.objects.filter(practice_id=practice_id).select_related(
        "patient", "payer", "coverage", "provider", "work__assigned_to"
    )


def _rules(payer_ids) -> dict[int, PayerRules]:
    return {r.payer_id: r for r in PayerRules.objects.filter(payer_id__in=set(payer_ids))}


@dataclass
class RejectionRow:
    claim: Claim
    reasons: list[Rejection]
    fixes: list[FixTarget]
    rejected_at: object = None


def _reasons_of(claim: Claim) -> list[Rejection]:
    findings = [f for f in claim.open_findings if f.rejected] or claim.open_findings
    reasons = [
        Rejection(f.code, f.reason, explanations.FIX_TARGETS.get(f.fix), f.rejected)
        for f in findings
    ]
    if not reasons:
        # No structured finding: read any 277CA code in the reason text, else show the text.
        for cat, status, entity in _STC.findall(claim.status_reason or ""):
            reasons.append(explanations.explain_claim_status(cat, status, entity))
    if not reasons:
        reasons.append(
            Rejection("", claim.status_reason or "Rejected: the reason was not given.", None, True)
        )
    return reasons


def rejections(*, practice_id: int) -> list[RejectionRow]:
    claims = (
        _base(practice_id)
        .filter(status=S.REJECTED)
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=ClaimFinding.objects.filter(resolved_at__isnull=True).order_by("-at"),
                to_attr="open_findings",
            )
        )
        .order_by("service_from", "id")[:QUEUE_LIMIT]
    )
    rows = []
    for claim in claims:
        reasons = _reasons_of(claim)
        fixes = []
        for reason in reasons:
            if reason.fix and reason.fix not in fixes:
                fixes.append(reason.fix)
        rows.append(RejectionRow(claim, reasons, fixes, claim.updated_at))
    return rows


@dataclass
class DenialRow:
    claim: Claim
    adjustments: list[tuple[object, AdjustmentExplanation]] = field(default_factory=list)
    remarks: list[explanations.Remark] = field(default_factory=list)
    appeal_by: date | None = None
    open_appeal: Appeal | None = None

    @property
    def actionable(self):
        return [(a, e) for a, e in self.adjustments if e.kind in ("fix", "appeal", "other_payer")]


def denials(*, practice_id: int, today: date | None = None) -> list[DenialRow]:
    today = today or today_at(Practice.objects.get(pk=practice_id))
    claims = list(
        _base(practice_id)
        .filter(status__in=DENIED + (S.APPEALED,))
        .prefetch_related(
            Prefetch(
                "adjudications",
                queryset=Adjudication.objects.filter(superseded=False).prefetch_related(
                    "adjustments"
                ),
                to_attr="current_adjudications",
            ),
            Prefetch(
                "findings",
                queryset=ClaimFinding.objects.filter(source="835").order_by("at"),
                to_attr="remark_findings",
            ),
            Prefetch(
                "appeals",
                queryset=Appeal.objects.filter(status__in=[AppealStatus.DRAFT, AppealStatus.FILED]),
                to_attr="open_appeals",
            ),
        )
        .order_by("service_from", "id")[:QUEUE_LIMIT]
    )
    rules = _rules(c.payer_id for c in claims)
    rows = []
    for claim in claims:
        remarks = [explanations.explain_remark(f.code) for f in claim.remark_findings]
        codes = [r.code for r in remarks]
        adjustments = []
        decided = None
        for adjudication in claim.current_adjudications:
            decided = max(decided or adjudication.paid_date, adjudication.paid_date)
            for a in adjudication.adjustments.all():
                adjustments.append((a, explanations.explain_adjustment(a.group, a.reason, codes)))
        rule = rules.get(claim.payer_id)
        days = rule.appeal_days if rule else DEFAULT_APPEAL_DAYS
        rows.append(
            DenialRow(
                claim,
                adjustments,
                remarks,
                decided + timedelta(days=days) if decided else None,
                claim.open_appeals[0] if claim.open_appeals else None,
            )  # fmt: skip
        )
    return rows


@dataclass
class WaitingRow:
    claim: Claim
    days_waiting: int
    follow_up_days: int
    last_inquiry: StatusInquiry | None

    @property
    def inquiry_due(self) -> bool:
        if self.last_inquiry is None:
            return True
        if self.last_inquiry.error:  # it could not go: try again within the hour
            return timezone.now() - self.last_inquiry.sent_at >= timedelta(hours=1)
        age = (timezone.now() - self.last_inquiry.sent_at).days
        return age >= self.follow_up_days


def no_response(*, practice_id: int, now=None) -> list[WaitingRow]:
    """Claims the payer has had for longer than its follow-up days with no decision."""
    now = now or timezone.now()
    claims = list(
        _base(practice_id)
        .filter(status__in=AWAITING, sent_at__isnull=False, sent_at__lte=now - timedelta(days=7))
        .prefetch_related(
            Prefetch(
                "inquiries",
                queryset=StatusInquiry.objects.order_by("-sent_at"),
                to_attr="recent_inquiries",
            )
        )  # fmt: skip
        .order_by("sent_at", "id")[:QUEUE_LIMIT]
    )
    rules = _rules(c.payer_id for c in claims)
    rows = []
    for claim in claims:
        rule = rules.get(claim.payer_id)
        days = rule.follow_up_days if rule else DEFAULT_FOLLOW_UP_DAYS
        waiting = (now - claim.sent_at).days
        if waiting >= days:
            last = claim.recent_inquiries[0] if claim.recent_inquiries else None
            rows.append(WaitingRow(claim, waiting, days, last))
    return rows


@dataclass
class DeadlineRow:
    claim: Claim
    deadline: date
    days_left: int


def filing_deadlines(
    *, practice_id: int, today: date | None = None, within_days: int = 30
) -> list[DeadlineRow]:
    """Claims not yet accepted by the payer whose timely-filing deadline is near or past."""
    today = today or today_at(Practice.objects.get(pk=practice_id))

    # The shortest limit any payer may have is a day; read the claims that could be near.
    earliest = today - timedelta(days=DEFAULT_FILING_DAYS * 2)
    claims = list(
        _base(practice_id)
        .filter(status__in=NOT_FILED, service_from__gte=earliest)
        .order_by("service_from", "id")
    )
    rules = _rules(c.payer_id for c in claims)
    rows = []
    for claim in claims:
        rule = rules.get(claim.payer_id)
        days = rule.timely_filing_days if rule else DEFAULT_FILING_DAYS
        deadline = claim.service_from + timedelta(days=days)
        left = (deadline - today).days
        if left <= within_days:
            rows.append(DeadlineRow(claim, deadline, left))
    rows.sort(key=lambda r: (r.deadline, r.claim.id))
    return rows[:QUEUE_LIMIT]


def appeals(*, practice_id: int, open_only: bool = False) -> list[Appeal]:
    rows = Appeal.objects.filter(claim__practice_id=practice_id).select_related(
        "claim__patient", "claim__payer", "created_by"
    )
    if open_only:
        rows = rows.filter(status__in=[AppealStatus.DRAFT, AppealStatus.FILED])
    return list(rows.order_by("-created_at", "-id")[:QUEUE_LIMIT])


def _per_payer(rules: dict[int, int], default: int, condition) -> Q:
    """`condition(days)` with each payer's own number of days, the default for the rest."""
    q = Q(~Q(payer_id__in=list(rules)), condition(default))
    for payer_id, days in rules.items():
        q |= Q(payer_id=payer_id) & condition(days)
    return q


def counts(*, practice_id: int, scope: Q | None = None, appeal_scope: Q | None = None,
           now=None) -> dict[str, int]:  # fmt: skip
    """How many rows each queue lists (the tabs, the home page): the queues' own conditions
    as one aggregate over the claims; `scope`/`appeal_scope` keep what a location-limited
    user may see (core.access.location_scope through "patient" / "claim__patient")."""
    now = now or timezone.now()
    today = today_at(Practice.objects.get(pk=practice_id))
    rules = list(PayerRules.objects.values_list("payer_id", "follow_up_days", "timely_filing_days"))
    waiting_too_long = _per_payer(
        {p: follow for p, follow, _ in rules}, DEFAULT_FOLLOW_UP_DAYS,
        lambda days: Q(sent_at__lte=now - timedelta(days=days)),
    )  # fmt: skip
    # filing_deadlines(): deadline - today <= 30 days, deadline = service_from + filing days.
    near_deadline = _per_payer(
        {p: filing for p, _, filing in rules}, DEFAULT_FILING_DAYS,
        lambda days: Q(service_from__lte=today + timedelta(days=30 - days)),
    )  # fmt: skip
    figures = Claim.objects.filter(scope or Q(), practice_id=practice_id).aggregate(
        rejections=Count("pk", filter=Q(status=S.REJECTED)),
        denials=Count("pk", filter=Q(status__in=DENIED + (S.APPEALED,))),
        no_response=Count("pk", filter=Q(
            waiting_too_long, status__in=AWAITING, sent_at__isnull=False,
            sent_at__lte=now - timedelta(days=7),
        )),
        deadlines=Count("pk", filter=Q(
            near_deadline, status__in=NOT_FILED,
            service_from__gte=today - timedelta(days=DEFAULT_FILING_DAYS * 2),
        )),
    )  # fmt: skip
    return {
        "rejections": figures["rejections"],
        "denials": figures["denials"],
        "no-response": figures["no_response"],
        "deadlines": figures["deadlines"],
        "appeals": Appeal.objects.filter(
            appeal_scope or Q(), claim__practice_id=practice_id,
            status__in=[AppealStatus.DRAFT, AppealStatus.FILED],
        ).count(),
    }  # fmt: skip
