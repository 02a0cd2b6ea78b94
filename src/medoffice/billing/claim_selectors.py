"""Reads of claims, batches and the files exchanged: lists with their filters, one claim
with its lines, history and files, and the counts by status the billers' screens show."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from medoffice.billing.models import (
    Adjudication,
    Claim,
    ClaimBatch,
    ClaimEvent,
    ClaimLine,
    ExchangeFile,
    FileDirection,
)
from medoffice.billing.states import ClaimStatus


def claims_for_lists() -> QuerySet:
    return Claim.objects.select_related("patient", "payer", "provider", "coverage", "batch")


def claim_list(
    *, practice_id: int, statuses=(), payer_id=None, date_from: date | None = None,
    date_to: date | None = None, query: str = "", limit: int = 200,
) -> list[Claim]:  # fmt: skip
    rows = claims_for_lists().filter(practice_id=practice_id)
    if statuses:
        rows = rows.filter(status__in=statuses)
    if payer_id:
        rows = rows.filter(payer_id=payer_id)
    if date_from:
        rows = rows.filter(service_from__gte=date_from)
    if date_to:
        rows = rows.filter(service_from__lte=date_to)
    query = query.strip()
    if query:
        rows = rows.filter(
            Q(patient_control_number__iexact=query)
            | Q(payer_claim_number__iexact=query)
            | Q(patient__mrn__iexact=query)
            | Q(patient__last_name__istartswith=query)
        )
    return list(rows.order_by("-updated_at", "-id")[:limit])


def claim_counts(*, practice_id: int, scope: Q | None = None) -> dict[str, int]:
    """{status: claims} for the practice, every status present (0 when none); `scope`
    keeps the claims a location-limited user may see (core.access.location_scope)."""
    counts = dict.fromkeys(ClaimStatus.values, 0)
    for row in (
        Claim.objects.filter(scope or Q(), practice_id=practice_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[row["status"]] = row["n"]
    return counts


def claim_with_history() -> QuerySet:
    return claims_for_lists().prefetch_related(
        Prefetch("lines", queryset=ClaimLine.objects.order_by("number")),
        Prefetch(
            "events",
            queryset=ClaimEvent.objects.select_related("source_file", "batch", "by").order_by(
                "at", "id"
            ),
        ),
        Prefetch(
            "adjudications",
            queryset=Adjudication.objects.select_related("line")
            .prefetch_related("adjustments")
            .order_by("id"),
        ),
        Prefetch("corrections", queryset=Claim.objects.order_by("created_at")),
    )


@dataclass(frozen=True)
class ClaimFiles:
    sent: list[ExchangeFile]
    received: list[ExchangeFile]


def claim_files(claim: Claim) -> ClaimFiles:
    """The files that carried this claim (batches sent) and answers that moved it."""
    batch_files = ExchangeFile.objects.filter(
        batch__claim_events__claim=claim, direction=FileDirection.SENT
    ).distinct()
    answers = ExchangeFile.objects.filter(claim_events__claim=claim).distinct()
    return ClaimFiles(sent=list(batch_files.order_by("at")), received=list(answers.order_by("at")))


def batch_list(*, practice_id: int, limit: int = 100) -> list[ClaimBatch]:
    return list(
        ClaimBatch.objects.filter(practice_id=practice_id)
        .select_related("connection", "file", "payer")
        .order_by("-created_at", "-id")[:limit]
    )


def batch_claim_counts(batch: ClaimBatch) -> dict[str, int]:
    return dict(batch.claims.values("status").annotate(n=Count("id")).values_list("status", "n"))


def received_files(*, practice_id: int, limit: int = 50) -> list[ExchangeFile]:
    return list(
        ExchangeFile.objects.filter(practice_id=practice_id, direction=FileDirection.RECEIVED)
        .select_related("connection")
        .order_by("-at", "-id")[:limit]
    )
