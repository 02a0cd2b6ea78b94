"""Sending claims to the clearinghouse: batches, control numbers, files, retries.

    claims_send(practice_id=...)   build -> scrub -> queue in batches -> render -> send

A batch is one 837P interchange (one file) for one clearinghouse connection,
with an interchange/group control number from a database counter that never
hands out a number twice. A batch that cannot go (the SFTP server is down, the
outbox cannot be written) stays queued with the reason and a time for the next
try (backoff); `batches_send_due` (a background task) tries again.

The connection's transport (interop/transports) moves the bytes; nothing here
parses. Answers (999, 277CA) are read by billing/acks.py.
"""

import hashlib
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.billing import claims as claim_services
from medoffice.billing.claim_records import claim_records
from medoffice.billing.errors import ClaimNotReadyError, ConnectionMissingError
from medoffice.billing.models import (
    Claim,
    ClaimBatch,
    ClearinghouseConnection,
    ConnectionKind,
    ControlCounter,
    ExchangeFile,
    FileDirection,
    FileStatus,
)
from medoffice.billing.states import BatchStatus, ClaimStatus
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Location
from medoffice.formats.x12 import Envelope, X12Error
from medoffice.formats.x12 import claim_837p as x12
from medoffice.interop.transports.exchange import Exchange, ExchangeUnavailable
from medoffice.interop.transports.folder import FolderExchange
from medoffice.interop.transports.sftp import SftpExchange, SftpSettings

logger = logging.getLogger(__name__)

CATEGORY = "billing"
BATCH_SIZE = 5000  # claims per file; the 837P guide's limit per transaction set
MAX_CONTROL = 999_999_999
# Minutes to wait before each new try of a batch that could not go.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
S = ClaimStatus


# ---------------------------------------------------------------- connections


def clearinghouse_root() -> Path:
    return Path(settings.VAR_DIR) / "clearinghouse"


def folder_paths(connection: ClearinghouseConnection) -> tuple[Path, Path]:
    """(outbox, inbox) of a folder connection."""
    root = clearinghouse_root()
    return (
        Path(connection.outbox_dir) if connection.outbox_dir else root / "outbox",
        Path(connection.inbox_dir) if connection.inbox_dir else root / "inbox",
    )


def transport_for(connection: ClearinghouseConnection) -> Exchange:
    if connection.kind == ConnectionKind.FOLDER:
        return FolderExchange(*folder_paths(connection))
    password = ""
    if connection.password_env:
        password = os.environ.get(connection.password_env, "")
        if not password and not connection.key_path:
            raise ExchangeUnavailable(
                f"the password variable {connection.password_env} is not set on this server"
            )
    return SftpExchange(
        SftpSettings(
            host=connection.host,
            port=connection.port,
            username=connection.username,
            host_key=connection.host_key,
            key_path=connection.key_path,
            password=password,
            remote_outbox=connection.remote_outbox,
            remote_inbox=connection.remote_inbox,
            remote_archive=connection.remote_archive,
        )  # fmt: skip
    )


class Routes:
    """Which active connection takes each payer's claims: one naming the payer, else the
    practice's general one (no payers named)."""

    def __init__(self, practice_id: int) -> None:
        self.general: ClearinghouseConnection | None = None
        self.by_payer: dict[int, ClearinghouseConnection] = {}
        connections = ClearinghouseConnection.objects.filter(
            practice_id=practice_id, is_active=True
        ).prefetch_related("payers")
        for connection in connections.order_by("id"):
            payers = list(connection.payers.all())
            if not payers and self.general is None:
                self.general = connection
            for payer in payers:
                self.by_payer.setdefault(payer.id, connection)

    def for_payer(self, payer_id: int) -> ClearinghouseConnection | None:
        return self.by_payer.get(payer_id, self.general)


def control_numbers(connection: ClearinghouseConnection, count: int, kind: str = "ISA") -> int:
    """Reserve `count` consecutive control numbers; returns the first. Call inside the
    transaction that records what uses them: the row lock keeps two senders apart."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ControlCounter.objects.get_or_create(connection=connection, kind=kind)
        except IntegrityError:
            pass  # made meanwhile by another sender
        counter = ControlCounter.objects.select_for_update().get(connection=connection, kind=kind)
        first = counter.last_value + 1
        if first + count - 1 > MAX_CONTROL:
            raise ConnectionMissingError(
                f"The {kind} control numbers of {connection.name} are used up: ask the "
                "clearinghouse for a new sender id."
            )
        counter.last_value += count
        counter.save(update_fields=["last_value"])
    return first


# ---------------------------------------------------------------- queueing


@dataclass
class QueueReport:
    batches: list[ClaimBatch] = field(default_factory=list)
    unrouted: dict[str, int] = field(default_factory=dict)  # payer name -> claims held back


def claims_queue(*, practice_id: int, by=None, claims=None) -> QueueReport:
    """Put scrubbed claims (all of the practice's, or `claims`) into new batches, one per
    connection and up to 5,000 claims each; claims become queued."""
    report = QueueReport()
    routes = Routes(practice_id)
    rows = Claim.objects.filter(practice_id=practice_id, status=S.SCRUBBED)
    if claims is not None:
        rows = rows.filter(pk__in=claims.values("pk"))
    by_connection: dict[int, list[int]] = defaultdict(list)
    connections = {}
    for claim_id, payer_id, payer_name in rows.order_by("id").values_list(
        "id", "payer_id", "payer__name"
    ):
        connection = routes.for_payer(payer_id)
        if connection is None:
            report.unrouted[payer_name] = report.unrouted.get(payer_name, 0) + 1
            continue
        connections[connection.id] = connection
        by_connection[connection.id].append(claim_id)
    now = timezone.now()
    with transaction.atomic():
        for connection_id, ids in by_connection.items():
            connection = connections[connection_id]
            chunks = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
            first = control_numbers(connection, len(chunks))
            for offset, chunk in enumerate(chunks):
                number = first + offset
                batch = ClaimBatch.objects.create(
                    practice_id=practice_id, connection=connection, usage=connection.usage,
                    interchange_control=number, group_control=number, claim_count=len(chunk),
                    file_name=f"837P-{number:09d}-{now:%Y%m%d%H%M%S}.x12", created_by=by,
                    created_at=now,
                )  # fmt: skip
                claim_services.claims_move(
                    ((claim_id, S.SCRUBBED) for claim_id in chunk), S.QUEUED, batch=batch,
                    by=by, now=now, fields={"batch_id": batch.id},
                    note=f"in batch {number:09d}",
                )  # fmt: skip
                report.batches.append(batch)
    return report


# ---------------------------------------------------------------- rendering


def _local_time(practice_id: int, at):
    zone = (
        Location.objects.filter(practice_id=practice_id)
        .order_by("id")
        .values_list("time_zone", flat=True)
        .first()
    )
    return at.astimezone(ZoneInfo(zone or settings.TIME_ZONE))


def batch_render(batch: ClaimBatch) -> bytes:
    """The batch's 837P interchange, from its claims as they stand, dated when the batch
    was queued: every try of a batch is the same bytes, so a retry after a file already
    reached the outbox finds it there and knows it delivered (the transports' `upload`)."""
    connection = batch.connection
    ids = list(batch.claims.order_by("id").values_list("id", flat=True))
    records = claim_records(ids)
    practice = connection.practice
    envelope = Envelope(
        sender_id=connection.sender_id, receiver_id=connection.receiver_id,
        sender_qualifier=connection.sender_qualifier,
        receiver_qualifier=connection.receiver_qualifier,
        interchange_control_number=batch.interchange_control,
        group_control_number=batch.group_control,
        created=_local_time(batch.practice_id, batch.created_at),
        production=batch.usage == "P",
    )  # fmt: skip
    return x12.render_837p(
        [records[i] for i in ids],
        submitter=x12.Submitter(
            name=connection.submitter_name or practice.name,
            id=connection.sender_id,
            contact_name=connection.contact_name or practice.name,
            phone="".join(c for c in connection.contact_phone if c.isdigit()),
        ),  # fmt: skip
        receiver=x12.Receiver(connection.receiver_name, connection.receiver_id),
        envelope=envelope,
        reference=f"{batch.interchange_control:09d}",
    )


# ---------------------------------------------------------------- sending


def _archive(direction: str, name: str, data: bytes) -> Path:
    """A copy of every file exchanged, kept under MEDOFFICE_VAR_DIR/clearinghouse/archive."""
    day = timezone.now()
    directory = clearinghouse_root() / "archive" / direction / f"{day:%Y}" / f"{day:%m}"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    n = 0
    while path.exists():
        n += 1
        path = directory / f"{name}.{n}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def _record_sent(batch: ClaimBatch, data: bytes, where: str, by) -> None:
    now = timezone.now()
    with transaction.atomic():
        exchange_file = ExchangeFile.objects.create(
            practice_id=batch.practice_id, connection=batch.connection,
            direction=FileDirection.SENT, name=batch.file_name,
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), transaction="837",
            status=FileStatus.SENT, stored_path=str(_archive("sent", batch.file_name, data)),
            summary=f"{batch.claim_count} claims, ${batch.total_charge}", at=now,
        )  # fmt: skip
        batch.file = exchange_file
        batch.status = BatchStatus.SENT
        batch.sent_at = now
        batch.attempts += 1
        batch.last_error = ""
        batch.next_attempt_at = None
        batch.save()
        queued = batch.claims.filter(status=S.QUEUED).values_list("id", "status")
        claim_services.claims_move(
            list(queued), S.SENT, batch=batch, by=by, now=now, fields={"sent_at": now},
            note=f"sent in {batch.file_name}", audit_object=batch,
        )  # fmt: skip
        audit_record(
            action=AuditAction.EXPORT, obj=batch, category=CATEGORY,
            detail=f"837P batch sent to {batch.connection.name}: {batch.claim_count} claims",
        )  # fmt: skip
    logger.info("batch %s sent: %s claims to %s", batch.public_id, batch.claim_count, where)


def _record_failure(batch: ClaimBatch, reason: str) -> None:
    batch.attempts += 1
    wait = BACKOFF_MINUTES[min(batch.attempts, len(BACKOFF_MINUTES)) - 1]
    batch.last_error = reason[:300]
    batch.next_attempt_at = timezone.now() + timedelta(minutes=wait)
    batch.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    from medoffice.billing.tasks import schedule_retry

    schedule_retry(batch.next_attempt_at)
    logger.warning("batch %s not sent (try %s): %s", batch.public_id, batch.attempts, reason)


def _totals(batch: ClaimBatch) -> None:
    from django.db.models import Sum

    batch.total_charge = batch.claims.aggregate(total=Sum("total_charge"))["total"] or 0
    batch.save(update_fields=["total_charge"])


@dataclass
class BatchOutcome:
    batch: ClaimBatch
    sent: bool
    error: str = ""


def batches_send(batches: list[ClaimBatch], *, by=None) -> list[BatchOutcome]:
    """Send queued batches, one transport session per connection. A batch that cannot go
    stays queued with the reason; the others of its connection wait for the next try."""
    outcomes = []
    by_connection: dict[int, list[ClaimBatch]] = defaultdict(list)
    for batch in batches:
        by_connection[batch.connection_id].append(batch)
    for group in by_connection.values():
        connection = group[0].connection
        rendered = []
        for batch in group:
            _totals(batch)
            try:
                rendered.append((batch, batch_render(batch)))
            except X12Error as exc:  # a fact the scrubber does not check: the batch waits
                reason = f"The claim file could not be written: {exc}"
                _record_failure(batch, reason)
                outcomes.append(BatchOutcome(batch, False, reason))
        try:
            with transport_for(connection).session() as session:
                for batch, data in rendered:
                    where = session.upload(batch.file_name, data)
                    _record_sent(batch, data, where, by)
                    outcomes.append(BatchOutcome(batch, True))
        except ExchangeUnavailable as exc:
            done = {o.batch.id for o in outcomes}
            for batch, _ in rendered:
                if batch.id not in done:
                    _record_failure(batch, str(exc))
                    outcomes.append(BatchOutcome(batch, False, str(exc)))
        if any(o.sent for o in outcomes if o.batch.connection_id == connection.id):
            from medoffice.billing.tasks import schedule_pickup

            schedule_pickup(connection.practice_id)
    return outcomes


def batches_send_due(*, now=None) -> list[BatchOutcome]:
    """Try again every queued batch whose time has come (the background task)."""
    now = now or timezone.now()
    due = ClaimBatch.objects.filter(status=BatchStatus.QUEUED).select_related(
        "connection__practice"
    )
    due = [b for b in due.order_by("id") if b.next_attempt_at is None or b.next_attempt_at <= now]
    return batches_send(due)


# ---------------------------------------------------------------- the whole run


@dataclass
class SendReport:
    built: int = 0
    scrubbed_clean: int = 0
    with_errors: int = 0
    batches: list[BatchOutcome] = field(default_factory=list)
    unrouted: dict[str, int] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)  # dry run

    @property
    def sent_claims(self) -> int:
        return sum(o.batch.claim_count for o in self.batches if o.sent)

    @property
    def waiting_claims(self) -> int:
        return sum(o.batch.claim_count for o in self.batches if not o.sent)


class _DryRun(Exception):
    pass


def claims_prepare(*, practice_id: int, by=None) -> tuple[SendReport, QueueReport]:
    """Build claims for new signed encounters, scrub every claim not yet sent, queue the
    clean ones in batches (no file is sent yet)."""
    report = SendReport()
    report.built = len(claim_services.claims_build(practice_id=practice_id, by=by))
    waiting = Claim.objects.filter(practice_id=practice_id, status__in=(S.DRAFT, S.SCRUBBED))
    scrub = claim_services.claims_scrub(waiting, by=by)
    report.scrubbed_clean, report.with_errors = len(scrub.clean), len(scrub.with_errors)
    queued = claims_queue(practice_id=practice_id, by=by)
    report.unrouted = queued.unrouted
    return report, queued


def claims_send(
    *, practice_id: int, by=None, dry_run: bool = False, out_dir: Path | None = None
) -> SendReport:
    """`medoffice claims send`: build, scrub and send every ready claim of the practice, and
    any batch still waiting for a retry. With `dry_run`, the 837P files are written to
    `out_dir` and nothing is sent or changed."""
    if dry_run:
        if out_dir is None:
            raise ValueError("a dry run writes its files to out_dir")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        try:
            with transaction.atomic():
                report, queued = claims_prepare(practice_id=practice_id, by=by)
                for batch in queued.batches:
                    _totals(batch)
                    path = out_dir / batch.file_name
                    path.write_bytes(batch_render(batch))
                    written.append(path)
                report.batches = [BatchOutcome(b, False, "dry run") for b in queued.batches]
                raise _DryRun
        except _DryRun:
            pass
        report.written = written
        audit_record(
            action=AuditAction.EXPORT, object_type="billing.claimbatch", category=CATEGORY,
            detail=f"dry run: {len(written)} 837P file(s) written, nothing sent",
        )  # fmt: skip
        return report
    report, queued = claims_prepare(practice_id=practice_id, by=by)
    retry = list(
        ClaimBatch.objects.filter(practice_id=practice_id, status=BatchStatus.QUEUED)
        .exclude(id__in=[b.id for b in queued.batches])
        .select_related("connection__practice")
    )
    report.batches = batches_send([*queued.batches, *retry], by=by)
    return report


def claim_resend(*, claim: Claim, by=None) -> list[BatchOutcome]:
    """Send a fixed claim again (after a rejection, or one held back by scrubber errors):
    refreshed from its encounter, scrubbed, queued in a batch of its own, sent."""
    if claim.status not in (S.REJECTED, S.DRAFT, S.SCRUBBED):
        raise ClaimNotReadyError(
            f"This claim is {claim.get_status_display().lower()}: only a rejected or unsent "
            "claim is sent again."
        )
    if claim.frequency == "1":
        claim = claim_services.claim_refresh(claim, by=by)
    issues = claim_services.claim_scrub(claim, by=by)
    errors = [i for i in issues if i["severity"] == "error"]
    if errors:
        raise ClaimNotReadyError("Fix first: " + " ".join(i["message"] for i in errors))
    claim.refresh_from_db()
    if claim.status != S.SCRUBBED:
        raise ClaimNotReadyError("This claim cannot be sent now.")
    queued = claims_queue(
        practice_id=claim.practice_id, by=by, claims=Claim.objects.filter(pk=claim.pk)
    )
    if queued.unrouted:
        raise ConnectionMissingError(
            "No active clearinghouse connection takes this payer's claims: the office manager "
            "adds one (Configuration -> Clearinghouse connections)."
        )
    return batches_send(queued.batches, by=by)
