"""Reads of health information management: the ROI queue, inboxes, the accounting."""

from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone

from medoffice.records import rules
from medoffice.records.models import (
    Communication,
    Disclosure,
    Referral,
    ReferralStatus,
    RoiRequest,
    RoiStatus,
    Topic,
    TransferDirection,
)


def roi_queue(*, practice_id: int, include_closed: bool = False) -> list[RoiRequest]:
    """Open requests, the soonest due first."""
    requests = RoiRequest.objects.filter(patient__practice_id=practice_id).select_related("patient")
    if not include_closed:
        requests = requests.filter(status__in=[RoiStatus.OPEN, RoiStatus.PREPARED])
    return sorted(requests, key=lambda r: (r.effective_due_on, r.id))


def clinical_inbox(*, provider) -> list[Communication]:
    """Clinical questions routed to this clinician and not answered yet, oldest first."""
    if provider is None:
        return []
    return list(
        Communication.objects.filter(
            routed_to=provider, topic=Topic.CLINICAL, answered_at__isnull=True
        )
        .select_related("patient", "handled_by")
        .order_by("occurred_at", "id")
    )


def follow_ups_for(*, user) -> list[Communication]:
    return list(
        Communication.objects.filter(follow_up_owner=user, follow_up_done_at__isnull=True)
        .exclude(follow_up="")
        .select_related("patient")
        .order_by("follow_up_due", "id")
    )


def referrals_open(*, practice_id: int) -> list[Referral]:
    """Referrals out still waiting for their consult note, and referrals in not yet seen."""
    waiting = Q(direction=TransferDirection.OUTGOING) & Q(
        status__in=[ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.SCHEDULED]
    )
    unseen = Q(direction=TransferDirection.INCOMING) & Q(
        status__in=[ReferralStatus.RECEIVED, ReferralStatus.SCHEDULED]
    )
    return list(
        Referral.objects.filter(patient__practice_id=practice_id)
        .filter(waiting | unseen)
        .select_related("patient", "provider")
        .order_by("created_at")
    )


def accounting_entries(*, patient, as_of: date, zone, include_all: bool = False):
    """Disclosures in the six years before `as_of` (164.528), newest first. Without
    `include_all`, the kinds the rule excludes are left out."""
    start = datetime.combine(rules.accounting_start(as_of), time.min, tzinfo=zone)
    end = datetime.combine(as_of, time.max, tzinfo=zone)
    disclosures = Disclosure.objects.filter(
        patient=patient, disclosed_at__gte=start, disclosed_at__lte=end
    ).order_by("-disclosed_at", "-id")
    corrected = set(
        Disclosure.objects.filter(patient=patient, corrects__isnull=False).values_list(
            "corrects_id", flat=True
        )
    )
    out = []
    for disclosure in disclosures:
        if disclosure.pk in corrected:
            continue  # a corrected row is replaced by its correction
        if include_all or disclosure.in_accounting:
            out.append(disclosure)
    return out


def is_overdue(request: RoiRequest, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return request.status in (RoiStatus.OPEN, RoiStatus.PREPARED) and (
        today > request.effective_due_on
    )
