"""Claim status requests (276) for claims without an answer.

A claim the payer has had for longer than the payer's follow-up days (PayerRules,
default 30) with no decision gets a 276 through the practice's clearinghouse
connection; then again every as many days while it still has no answer. The
worker runs `status_follow_up` (billing/tasks.py) on its clock; a biller may send
one at once from the claim's page. Each request is a `StatusInquiry` (trace number,
the file it went in, or why it could not go); the 277 that answers it finds it by
the trace number.
"""

import secrets
from dataclasses import dataclass, field
from hashlib import sha256

from django.db import transaction
from django.utils import timezone

from medoffice.billing import exchange, worklists
from medoffice.billing.errors import ClaimStateError, ConnectionMissingError
from medoffice.billing.models import (
    Claim,
    ClearinghouseConnection,
    ExchangeFile,
    FileDirection,
    FileStatus,
    StatusInquiry,
)
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Practice
from medoffice.formats.x12.claim_status import render_276
from medoffice.formats.x12.writer import Envelope
from medoffice.interop.transports.exchange import ExchangeUnavailable

CATEGORY = "billing"


@dataclass
class FollowUpReport:
    sent: int = 0
    failed: int = 0
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def connection_for(practice_id: int, payer_id: int) -> ClearinghouseConnection | None:
    return exchange.Routes(practice_id).for_payer(payer_id)


def _request(claim: Claim, trace: str, connection: ClearinghouseConnection):
    """One claim's 276 request: who asks (the practice), about whom, which claim."""
    from medoffice.formats.x12.claim_status import ClaimStatusRequest
    from medoffice.formats.x12.common import Entity, Person

    practice, patient, coverage = claim.location.practice, claim.patient, claim.coverage
    sex = patient.sex_at_birth if patient.sex_at_birth in ("M", "F") else "U"
    if coverage.relationship == "18":
        subscriber = Person(
            patient.last_name, patient.first_name, member_id=coverage.member_id,
            birth_date=patient.dob, sex=sex,
        )  # fmt: skip
        dependent = None
    else:
        subscriber = Person(
            coverage.subscriber_last_name, coverage.subscriber_first_name,
            member_id=coverage.member_id,
        )  # fmt: skip
        dependent = Person(patient.last_name, patient.first_name, birth_date=patient.dob, sex=sex)
    return ClaimStatusRequest(
        trace_number=trace,
        payer=Entity(claim.payer.name, claim.payer.payer_id, "PI"),
        receiver=Entity(connection.submitter_name or practice.name, connection.sender_id, "46"),
        provider=Entity(practice.name, practice.group_npi or claim.provider.npi, "XX"),
        subscriber=subscriber,
        dependent=dependent,
        patient_control_number=claim.patient_control_number,
        payer_claim_number=claim.payer_claim_number,
        total_charge=claim.total_charge,
        service_from=claim.service_from,
        service_to=claim.service_to,
    )


def _claims(ids) -> list[Claim]:
    return list(
        Claim.objects.filter(id__in=ids).select_related(
            "patient", "payer", "coverage", "provider", "location__practice"
        )
    )


def status_requests_send(
    *, practice_id: int, claims: list[Claim] | None = None, automatic: bool = True, by=None,
    now=None,
) -> FollowUpReport:  # fmt: skip
    """Send one 276 per clearinghouse connection for the claims due (or the ones given)."""
    now = now or timezone.now()
    if claims is None:
        due = [r for r in worklists.no_response(practice_id=practice_id, now=now) if r.inquiry_due]
        claims = _claims([r.claim.id for r in due])
    report = FollowUpReport()
    by_connection: dict[int | None, list[Claim]] = {}
    connections: dict[int, ClearinghouseConnection] = {}
    routes = exchange.Routes(practice_id)
    for claim in claims:
        connection = routes.for_payer(claim.payer_id)
        key = connection.id if connection else None
        if connection:
            connections[connection.id] = connection
        by_connection.setdefault(key, []).append(claim)
    for key, group in by_connection.items():
        if key is None:
            _record_failure(group, "no active clearinghouse connection takes this payer", now,
                            automatic, report)  # fmt: skip
            continue
        _send(connections[key], group, now=now, automatic=automatic, by=by, report=report)
    return report


def _record_failure(claims, reason, now, automatic, report) -> None:
    StatusInquiry.objects.bulk_create(
        StatusInquiry(
            claim=claim,
            trace_number=f"X{secrets.token_hex(7).upper()}",
            sent_at=now,
            automatic=automatic,
            error=reason[:300],
        )  # fmt: skip
        for claim in claims
    )
    report.failed += len(claims)
    report.errors.append(reason)


def _send(connection, claims, *, now, automatic, by, report) -> None:
    traces = {claim.id: secrets.token_hex(8).upper() for claim in claims}
    with transaction.atomic():
        envelope = Envelope(
            sender_id=connection.sender_id, receiver_id=connection.receiver_id,
            sender_qualifier=connection.sender_qualifier,
            receiver_qualifier=connection.receiver_qualifier,
            interchange_control_number=exchange.control_numbers(connection, 1, "ISA"),
            group_control_number=exchange.control_numbers(connection, 1, "GS"),
            created=timezone.localtime(now), production=connection.usage == "P",
        )  # fmt: skip
        data = render_276(
            [_request(claim, traces[claim.id], connection) for claim in claims],
            envelope=envelope, reference=f"{envelope.interchange_control_number:09d}",
        )  # fmt: skip
        name = f"276_{envelope.interchange_control_number:09d}.x12"
        try:
            with exchange.transport_for(connection).session() as session:
                session.upload(name, data)
        except ExchangeUnavailable as exc:
            _record_failure(claims, f"the clearinghouse cannot be reached: {exc}", now,
                            automatic, report)  # fmt: skip
            return
        file = ExchangeFile.objects.create(
            practice_id=connection.practice_id, connection=connection,
            direction=FileDirection.SENT, name=name, sha256=sha256(data).hexdigest(),
            size=len(data), transaction="276", status=FileStatus.SENT,
            stored_path=str(exchange._archive("sent", name, data)),
            summary=f"claim status request for {len(claims)} claim(s)", at=now,
        )  # fmt: skip
        StatusInquiry.objects.bulk_create(
            StatusInquiry(
                claim=claim,
                file=file,
                trace_number=traces[claim.id],
                sent_at=now,
                automatic=automatic,
            )  # fmt: skip
            for claim in claims
        )
        audit_record(
            action=AuditAction.EXPORT, obj=file, category=CATEGORY,
            detail=f"276 sent for {len(claims)} claim(s)"
            + (" (automatic)" if automatic else ""),
        )  # fmt: skip
    report.sent += len(claims)
    report.files.append(name)


def status_request_send(*, claim: Claim, by=None) -> StatusInquiry:
    """A biller's 'ask now' for one claim the payer has and has not decided."""
    if claim.status not in worklists.AWAITING:
        raise ClaimStateError("A status request is for a claim the payer has not decided yet.")
    if connection_for(claim.practice_id, claim.payer_id) is None:
        raise ConnectionMissingError("No active clearinghouse connection takes this payer.")
    status_requests_send(
        practice_id=claim.practice_id, claims=_claims([claim.id]), automatic=False, by=by
    )
    return claim.inquiries.order_by("-sent_at", "-id").first()


def status_follow_up(*, now=None) -> dict[str, int]:
    """Every practice's due claims: what the worker runs."""
    now = now or timezone.now()
    totals = {"sent": 0, "failed": 0, "files": 0}
    for practice_id in Practice.objects.values_list("id", flat=True):
        report = status_requests_send(practice_id=practice_id, now=now)
        totals["sent"] += report.sent
        totals["failed"] += report.failed
        totals["files"] += len(report.files)
    return totals
