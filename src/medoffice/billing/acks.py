"""The clearinghouse's answers: pick up 999 and 277CA files and move claims and batches.

    responses_pick_up(connection)   inbox -> one file at a time -> processed or quarantine

Each file is recorded once (`ExchangeFile`, unique by sha256): the same file
dropped again changes nothing and is set aside as already processed. A file is
applied whole in one transaction or not at all: a malformed file, a 999 for a
batch we never sent, a 277CA naming a claim we do not know, is quarantined with
the precise reason (segment and position from the X12 reader) and changes
nothing. Remittances (835) are left in the inbox for the ERA posting.

999 (did the clearinghouse take the file?): an accepted group marks the batch
accepted; a rejected transaction set rejects its claims with the errors in
words. 277CA (what became of each claim?): accepted claims move to accepted by
clearinghouse (or by payer, when the payer sent it), rejected ones to rejected
with the status codes in words: the biller's rejection queue.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from medoffice.billing import claims as claim_services
from medoffice.billing.errors import ExchangeFileError
from medoffice.billing.exchange import _archive, transport_for
from medoffice.billing.models import (
    Claim,
    ClaimBatch,
    ClearinghouseConnection,
    ExchangeFile,
    FileDirection,
    FileStatus,
)
from medoffice.billing.states import BatchStatus, ClaimStatus, claim_can_move
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.interop.transports.exchange import PROCESSED, QUARANTINE, ExchangeUnavailable

logger = logging.getLogger(__name__)

CATEGORY = "billing"
S = ClaimStatus
CLAIMS_PER_TRANSACTION = 5000  # as the 837P writer splits a batch into transaction sets
LEFT_FOR_OTHERS = {
    "835": "left in the inbox for the ERA posting",
    "271": "left in the inbox for eligibility",
}


@dataclass
class FileOutcome:
    name: str
    status: str  # "processed", "duplicate", "quarantined", "left"
    summary: str = ""
    record: ExchangeFile | None = None


@dataclass
class PickupReport:
    connection: str
    files: list[FileOutcome] = field(default_factory=list)
    error: str = ""

    @property
    def quarantined(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "quarantined"]

    @property
    def rejected_claims(self) -> int:
        """How many claims this pickup's files rejected (999 or 277CA/277)."""
        from medoffice.billing.models import ClaimEvent

        files = [f.record.pk for f in self.files if f.status == "processed" and f.record]
        if not files:
            return 0
        return ClaimEvent.objects.filter(source_file_id__in=files, to_status=S.REJECTED).count()

    def summary(self) -> str:
        if self.error:
            return f"{self.connection}: could not check for responses: {self.error}."
        if not self.files:
            return f"{self.connection}: no new responses."
        parts = [f"{f.name}: {f.summary}" for f in self.files]
        return f"{self.connection}: " + "; ".join(parts) + "."


# ---------------------------------------------------------------- 999


def _batch_claims_by_transaction(batch: ClaimBatch) -> dict[str, list[tuple[int, str]]]:
    """{ST02: [(claim id, status)]}: the claims of each transaction set, in the order written."""
    rows = list(batch.claims.order_by("id").values_list("id", "status"))
    return {
        f"{n + 1:04d}": rows[start : start + CLAIMS_PER_TRANSACTION]
        for n, start in enumerate(range(0, len(rows), CLAIMS_PER_TRANSACTION))
    }


def _apply_999(connection, tx, record: ExchangeFile, by) -> str:
    from medoffice.formats.x12.ack_999 import GROUP_STATUS, parse_999

    ack = parse_999(tx)
    if ack.functional_id != "HC":
        return f"999 for a {ack.functional_id} group (not claims): nothing to do"
    try:
        number = int(ack.group_control_number)
    except ValueError:
        number = -1
    batch = ClaimBatch.objects.filter(connection=connection, group_control=number).first()
    if batch is None:
        raise ExchangeFileError(
            f"999 for a batch we never sent to {connection.name}: group control number "
            f"{ack.group_control_number!r} (AK102)"
        )
    by_transaction = _batch_claims_by_transaction(batch)
    unknown = [t.control_number for t in ack.transactions if t.control_number not in by_transaction]
    if unknown:
        raise ExchangeFileError(
            f"999 for batch {number:09d} names transaction sets it does not have: "
            f"{', '.join(unknown)} (AK202)"
        )
    rejected_claims = 0
    for t in ack.transactions:
        if t.accepted:
            continue
        reason = "File rejected by the clearinghouse (999): " + "; ".join(t.explain())
        moves = [(cid, status) for cid, status in by_transaction[t.control_number]
                 if claim_can_move(status, S.REJECTED)]  # fmt: skip
        claim_services.claims_move(
            moves, S.REJECTED, note=reason, source_file=record, batch=batch, by=by,
            fields={"status_reason": reason[:500]},
        )  # fmt: skip
        rejected_claims += len(moves)
    batch.status = {
        "A": BatchStatus.ACCEPTED, "E": BatchStatus.ACCEPTED, "P": BatchStatus.PARTIAL,
    }.get(ack.status, BatchStatus.REJECTED)  # fmt: skip
    batch.acknowledged_at = timezone.now()
    batch.save(update_fields=["status", "acknowledged_at"])
    text = f"batch {number:09d} {GROUP_STATUS.get(ack.status, ack.status)}"
    return text + (f", {rejected_claims} claim(s) rejected" if rejected_claims else "")


# ---------------------------------------------------------------- 277CA


def _apply_277ca(connection, tx, record: ExchangeFile, by) -> str:
    from medoffice.formats.x12.claim_ack import parse_277ca

    ack = parse_277ca(tx)
    statuses = [c for provider in ack.providers for c in provider.claims]
    pcns = [c.patient_control_number for c in statuses]
    known = {
        row[0]: row
        for row in Claim.objects.filter(
            practice_id=connection.practice_id, patient_control_number__in=pcns
        ).values_list("patient_control_number", "id", "status", "batch__connection_id")
    }
    unknown = [pcn for pcn in pcns if pcn not in known]
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise ExchangeFileError(f"277CA names claims we never sent: {shown} (TRN02 in 2200D)")
    by_payer = ack.source.qualifier != "46"  # NM1*AY with an ETIN: a clearinghouse
    accepted_to = S.ACCEPTED_PAYER if by_payer else S.ACCEPTED_CLEARINGHOUSE
    who = "payer" if by_payer else "clearinghouse"
    accepted, rejected, unchanged = [], [], 0
    payer_numbers: dict[int, str] = {}
    reasons: dict[int, str] = {}
    for status in statuses:
        _, claim_id, current, _ = known[status.patient_control_number]
        if status.payer_claim_number:
            payer_numbers[claim_id] = status.payer_claim_number
        if status.is_rejected:
            if not claim_can_move(current, S.REJECTED):
                unchanged += 1
                continue
            reasons[claim_id] = _rejection_reason(who, status)
            rejected.append((claim_id, current))
        elif status.is_accepted and claim_can_move(current, accepted_to):
            accepted.append((claim_id, current))
        else:
            unchanged += 1
    claim_services.claims_move(
        accepted, accepted_to, note=f"accepted by the {who} (277CA)", source_file=record, by=by
    )
    for claim_id, current in rejected:
        claim_services.claims_move(
            [(claim_id, current)], S.REJECTED, note=reasons[claim_id][:500], source_file=record,
            by=by, fields={"status_reason": reasons[claim_id][:500]},
        )  # fmt: skip
    _record_findings(statuses, known, {claim_id for claim_id, _ in rejected}, record)
    if payer_numbers:
        Claim.objects.bulk_update(
            [Claim(id=i, payer_claim_number=n[:50]) for i, n in payer_numbers.items()],
            ["payer_claim_number"],
        )
    parts = [f"{len(accepted)} accepted", f"{len(rejected)} rejected"]
    if unchanged:
        parts.append(f"{unchanged} unchanged")
    return f"277CA from the {who}: " + ", ".join(parts)


# What to check, by the entity a rejection names (STC01-3), in the biller's words.
FIX_BY_ENTITY = {
    "IL": "Check the subscriber's member id, name and date of birth on the patient's insurance.",
    "QC": "Check the patient's name, date of birth and address.",
    "85": "Check the practice's NPI, tax id and address (Configuration).",
    "82": "Check the rendering provider's NPI (Configuration -> Providers).",
    "DN": "Check the referring provider's name and NPI on the encounter.",
    "PR": "Check the payer's id (Configuration -> Payers).",
}


def _rejection_reason(who: str, status) -> str:
    text = f"Rejected by the {who} (277CA): " + "; ".join(status.explain()) + "."
    hints = [FIX_BY_ENTITY[s.entity] for s in status.statuses if s.entity in FIX_BY_ENTITY]
    return " ".join([text, *dict.fromkeys(hints)])


# ---------------------------------------------------------------- 277 (answers to our 276)


def _status_move(status) -> str | None:
    """Where a claim goes on a payer's 277 status (None: it stays where it is)."""
    from medoffice.formats.x12.claim_status import ACCEPTED, PENDING, REJECTED

    category = status.statuses[0].category if status.statuses else ""
    if category in REJECTED:
        return S.REJECTED
    if category == "F2":
        return S.DENIED
    if category in PENDING or category.startswith("R"):
        return S.PENDING
    if category in ACCEPTED:
        return S.ACCEPTED_PAYER
    return None  # finalized with payment (the 835 posts it), or no answer possible


def _apply_277_status(connection, tx, record: ExchangeFile, by) -> str:
    """A payer's answers to our claim status requests: each found by the trace number of
    the request (TRN02) and checked against the claim it asked about (REF*EJ)."""
    from medoffice.billing.explanations import explain_claim_status
    from medoffice.billing.models import ClaimFinding, StatusInquiry
    from medoffice.formats.x12.claim_status import parse_277

    responses = parse_277(tx)
    statuses = [c for r in responses for c in r.claims]
    if not statuses:
        words = [s for r in responses for s in r.statuses]
        raise ExchangeFileError(
            "277 without claim statuses: "
            + ("; ".join(f"{s.category}:{s.code}" for s in words) or "nothing in it")
        )
    traces = [c.trace_number for c in statuses]
    inquiries = {
        i.trace_number: i
        for i in StatusInquiry.objects.filter(
            trace_number__in=traces, claim__practice_id=connection.practice_id
        ).select_related("claim")
    }
    unknown = [t for t in traces if t not in inquiries]
    if unknown:
        raise ExchangeFileError(
            f"277 answers status requests we never sent: trace {', '.join(unknown[:5])} "
            "(TRN02 in 2200D)"
        )
    for status in statuses:
        claim = inquiries[status.trace_number].claim
        pcn = status.patient_control_number
        if pcn and pcn != claim.patient_control_number:
            raise ExchangeFileError(
                f"277 trace {status.trace_number} was asked about claim "
                f"{claim.patient_control_number}, but answers for {pcn!r} (REF*EJ)"
            )
    now = timezone.now()
    moved: dict[str, int] = {}
    findings = []
    for status in statuses:
        inquiry = inquiries[status.trace_number]
        claim = Claim.objects.get(pk=inquiry.claim_id)
        words = "; ".join(status.explain()) or "no status given"
        answer = f"{now:%m/%d/%Y} payer: {words}"
        if status.paid is not None and status.paid:
            answer += f"; paid ${status.paid}"
            if status.check_number:
                answer += f", check {status.check_number}"
        inquiry.answered_at = now
        inquiry.answer = answer[:300]
        inquiry.save(update_fields=["answered_at", "answer"])
        to = _status_move(status)
        if to is not None and to != claim.status and claim_can_move(claim.status, to):
            fields = {}
            if to in (S.REJECTED, S.DENIED):
                fields["status_reason"] = f"From the payer's claim status (277): {words}."[:500]
            if status.payer_claim_number:
                fields["payer_claim_number"] = status.payer_claim_number[:50]
            claim_services.claims_move(
                [(claim.id, claim.status)], to, note=f"claim status (277): {words}"[:500],
                source_file=record, by=by, fields=fields,
            )  # fmt: skip
            moved[to] = moved.get(to, 0) + 1
        elif status.payer_claim_number and not claim.payer_claim_number:
            Claim.objects.filter(pk=claim.pk).update(
                payer_claim_number=status.payer_claim_number[:50]
            )
        if to == S.REJECTED:
            for stc in status.statuses:
                explained = explain_claim_status(stc.category, stc.code, stc.entity)
                findings.append(ClaimFinding(
                    claim_id=claim.id, source="277", code=explained.code[:40],
                    reason=explained.reason[:500],
                    fix=explained.fix.key if explained.fix else "",
                    rejected=explained.rejected, source_file=record, at=now,
                ))  # fmt: skip
    ClaimFinding.objects.bulk_create(findings)
    parts = [f"{len(statuses)} status answer(s)"]
    parts += [f"{n} {S(to).label.lower()}" for to, n in sorted(moved.items())]
    return "277 claim status: " + ", ".join(parts)


def _apply_277(connection, tx, record: ExchangeFile, by) -> str:
    """A 277 is either a claim acknowledgment (277CA, 005010X214) or the answer to a status
    request (005010X212): the guide named in GS08/ST03 says which."""
    if tx.version.startswith("005010X212"):
        return _apply_277_status(connection, tx, record, by)
    return _apply_277ca(connection, tx, record, by)


APPLY = {"999": _apply_999, "277": _apply_277}


# ---------------------------------------------------------------- one file


def _quarantine(connection, name: str, data: bytes, digest: str, reason: str) -> ExchangeFile:
    path = _archive("quarantine", name, data)
    record = ExchangeFile.objects.create(
        practice_id=connection.practice_id, connection=connection,
        direction=FileDirection.RECEIVED, name=name[:255], sha256=digest, size=len(data),
        status=FileStatus.QUARANTINED, reason=reason, stored_path=str(path),
        summary="quarantined: nothing changed", at=timezone.now(),
    )  # fmt: skip
    audit_record(
        action=AuditAction.CREATE, obj=record, category=CATEGORY,
        detail=f"file quarantined: {reason[:150]}",
    )  # fmt: skip
    logger.warning("clearinghouse file %s quarantined: %s", name, reason[:200])
    return record


def response_receive(
    connection: ClearinghouseConnection, name: str, data: bytes, *, by=None
) -> FileOutcome:
    """Apply one received file whole, or quarantine it; never twice."""
    digest = hashlib.sha256(data).hexdigest()
    seen = ExchangeFile.objects.filter(
        practice_id=connection.practice_id, direction=FileDirection.RECEIVED, sha256=digest
    ).first()
    if seen is not None:
        return FileOutcome(name, "duplicate", f"already {seen.status} on {seen.at:%m/%d/%Y}", seen)
    try:
        transactions = read_transactions(data)
        kinds = {t.set_id for t in transactions}
    except X12Error as exc:
        return FileOutcome(
            name, "quarantined", f"quarantined: {exc}",
            _quarantine(connection, name, data, digest, f"Not readable X12: {exc}"),
        )  # fmt: skip
    left = kinds & LEFT_FOR_OTHERS.keys()
    if left:
        return FileOutcome(name, "left", LEFT_FOR_OTHERS[sorted(left)[0]])
    unsupported = kinds - APPLY.keys()
    if unsupported or not kinds:
        reason = f"Not an answer to claims: transaction set {', '.join(sorted(unsupported))}"
        return FileOutcome(
            name, "quarantined", f"quarantined: {reason}",
            _quarantine(connection, name, data, digest, reason),
        )  # fmt: skip
    try:
        with transaction.atomic():
            path = _archive("received", name, data)
            record = ExchangeFile.objects.create(
                practice_id=connection.practice_id, connection=connection,
                direction=FileDirection.RECEIVED, name=name[:255], sha256=digest,
                size=len(data), transaction="/".join(sorted(kinds)),
                status=FileStatus.PROCESSED, stored_path=str(path), at=timezone.now(),
            )  # fmt: skip
            summaries = [APPLY[t.set_id](connection, t, record, by) for t in transactions]
            record.summary = "; ".join(summaries)[:300]
            record.save(update_fields=["summary"])
            audit_record(
                action=AuditAction.CREATE, obj=record, category=CATEGORY,
                detail=f"{record.transaction} applied: {record.summary[:150]}",
            )  # fmt: skip
    except (ExchangeFileError, X12Error) as exc:
        return FileOutcome(
            name, "quarantined", f"quarantined: {exc}",
            _quarantine(connection, name, data, digest, str(exc)),
        )  # fmt: skip
    return FileOutcome(name, "processed", record.summary, record)


def responses_pick_up(connection: ClearinghouseConnection, *, by=None) -> PickupReport:
    """Take every waiting answer from the connection's inbox, apply it, set it aside."""
    report = PickupReport(connection.name)
    if connection.simulate_responses:
        from medoffice.billing.simulator import simulate_answers

        simulate_answers(connection)
    try:
        with transport_for(connection).session() as session:
            for name in session.incoming():
                outcome = response_receive(connection, name, session.download(name), by=by)
                report.files.append(outcome)
                if outcome.status == "left":
                    continue
                session.set_aside(
                    name, QUARANTINE if outcome.status == "quarantined" else PROCESSED
                )
    except ExchangeUnavailable as exc:
        report.error = str(exc)
        logger.warning("responses of %s not picked up: %s", connection.name, exc)
    return report


def responses_pick_up_for_practice(*, practice_id: int, by=None) -> list[PickupReport]:
    connections = ClearinghouseConnection.objects.filter(practice_id=practice_id, is_active=True)
    return [responses_pick_up(c, by=by) for c in connections.order_by("id")]


def _record_findings(statuses, known, rejected_ids: set[int], record) -> None:
    """Each STC of a rejected claim, explained with the field to fix (the rejections queue)."""
    from medoffice.billing.explanations import explain_claim_status
    from medoffice.billing.models import ClaimFinding

    now = timezone.now()
    rows = []
    for status in statuses:
        claim_id = known[status.patient_control_number][1]
        if claim_id not in rejected_ids:
            continue
        for stc in status.statuses:
            explained = explain_claim_status(stc.category, stc.code, stc.entity)
            rows.append(ClaimFinding(
                claim_id=claim_id, source="277CA", code=explained.code[:40],
                reason=explained.reason[:500], fix=explained.fix.key if explained.fix else "",
                rejected=explained.rejected, source_file=record, at=now,
            ))  # fmt: skip
    ClaimFinding.objects.bulk_create(rows)
