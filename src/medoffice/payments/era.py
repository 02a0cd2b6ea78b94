"""ERA (835) auto-posting: a remittance file posts whole, once, or not at all.

    era_import(data, practice=, name=, origin=, by=)  -> ImportResult (posted | already | rejected)
    era_pick_up(connection, by=)                      -> [ImportResult] (clearinghouse inbox)
    suspense_match(item, line=|claim=, by=)           a biller matches an unmatched line by hand
    suspense_close(item, note=, by=)                  set aside without posting (money stays)

Before anything is written the file is read (envelopes and counts, formats/x12), every
transaction set parsed and balanced in Decimal cents (`balancing_errors`: service,
claim and BPR vs CLP and PLB, BL-02), and its natural keys checked (BL-01): the file
(SHA-256 of its content, with ISA13/GS06/ST02 kept), each payment (payer id + TRN02)
and each claim payment (TRN02 + CLP01 + CLP07 + CLP02), all under unique constraints,
so the same file posts nothing the second time, also from two threads at once. A file
that fails any check is recorded as rejected with the reason and posts nothing.

Posting is one transaction per file (BL-03). Per claim payment (CLP): the claim is
found by our patient control number (CLP01), each service line (SVC) by our line
control number (REF*6R) or else by code, date of service, units and modifiers
(tolerating modifiers the payer dropped or reordered). Paid amounts become insurance
payments; CO adjustments contractual adjustments, OA/PI/CR other adjustments (except
CARC 23 on a secondary's remittance: the primary's part, posted from its own ERA); PR
amounts (deductible, coinsurance, copay) move from the payer to the secondary payer
when the patient has one (a secondary claim is made with this adjudication) or to the
patient. A denial (CLP02 4, or a line paid nothing without patient responsibility) is
never a write-off: a zero entry records the reason, the balance stays the payer's, the
claim goes to billing's denial queue. A reversal (CLP02 22) reverses the entries of
the payment it names (CLP07); the corrected payment that follows posts as new. PLB
amounts (interest, recoupments) post at provider level. What cannot be matched goes to
the suspense queue with the reason, its money left unapplied on the ERA's payment.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from medoffice.billing import explanations
from medoffice.billing.claims import claims_move, new_control_number
from medoffice.billing.models import (
    Adjudication,
    Adjustment,
    Claim,
    ClaimEvent,
    ClaimFinding,
    ClaimLine,
)
from medoffice.billing.states import ClaimStatus, claim_can_move
from medoffice.core import bulk
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Practice
from medoffice.core.money import ZERO
from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.remittance import (
    ClaimPayment,
    Remittance,
    ServicePayment,
    balancing_errors,
    parse_835,
)
from medoffice.patients.models import Coverage, Payer
from medoffice.payments import summaries
from medoffice.payments.denials import DENIED_STATUS, line_denied
from medoffice.payments.errors import EraRejected, LedgerError
from medoffice.payments.models import (
    Account,
    EntryKind,
    EraClaim,
    EraFile,
    EraPayment,
    EraStatus,
    LedgerEntry,
    Party,
    Payment,
    PaymentKind,
    PaymentMethod,
    SourceKind,
    SuspenseItem,
    SuspenseStatus,
)

logger = logging.getLogger(__name__)

CATEGORY = "payments"
S = ClaimStatus
METHODS = {
    "ACH": PaymentMethod.EFT,
    "CHK": PaymentMethod.CHECK,
    "FWT": PaymentMethod.WIRE,
    "BOP": PaymentMethod.OTHER,
    "NON": PaymentMethod.NONE,
}
REVERSAL_STATUS = "22"
# CARC 23, "the impact of prior payer(s) adjudication": on a secondary's remittance the part
# of the charge the primary already paid or adjusted. Those entries are on the ledger from
# the primary's ERA; posting it again would turn the secondary's balance into a credit.
PRIOR_PAYER = "23"
NOT_OURS = ("23", "25")  # forwarded, not our claim; predetermination only: nothing to post
FORWARDED = ("19", "20", "21")
CHUNK = 500


@dataclass
class ImportResult:
    name: str
    status: str  # "posted", "already_posted", "rejected"
    message: str
    era_file: EraFile | None = None
    claims: int = 0
    matched: int = 0
    denied: int = 0
    reversed: int = 0
    suspense: int = 0
    total_paid: Decimal = ZERO

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


@dataclass
class _Parsed:
    remittance: Remittance
    isa13: str
    gs06: str
    st02: str

    @property
    def payer_identifier(self) -> str:
        return self.remittance.payer_identifier or self.remittance.payer.id

    def claim_key(self, c: ClaimPayment) -> str:
        r = self.remittance
        return f"{r.trace_number}|{c.patient_control_number}|{c.payer_claim_number}|{c.status}"


# ---------------------------------------------------------------- reading and checking


def _read(data: bytes) -> list[_Parsed]:
    try:
        transactions = read_transactions(data)
    except X12Error as exc:
        raise EraRejected(f"Not readable X12: {exc}") from exc
    if not transactions:
        raise EraRejected("The file holds no transaction set.")
    parsed = []
    for t in transactions:
        if t.set_id != "835":
            raise EraRejected(
                f"Not a remittance: transaction set {t.set_id} (ST02 {t.control_number})."
            )
        try:
            remittance = parse_835(t)
        except X12Error as exc:
            raise EraRejected(f"Not a readable 835: {exc}") from exc
        group = t.group
        parsed.append(
            _Parsed(
                remittance,
                str(group.interchange.control_number),
                str(group.control_number),
                str(t.control_number),
            )
        )
    return parsed


def _check(parsed: list[_Parsed]) -> None:
    """Balancing (BL-02), amounts' signs and the natural keys within the file (BL-01)."""
    problems = []
    traces = set()
    keys = set()
    for p in parsed:
        r = p.remittance
        where = f"payment {r.trace_number}"
        if not r.trace_number:
            problems.append(f"{where}: no trace number (TRN02)")
        problems.extend(f"{where}: {e}" for e in _too_long(r))
        trace = (p.payer_identifier, r.trace_number)
        if trace in traces:
            problems.append(f"{where}: the same payment (payer and trace) twice in the file")
        traces.add(trace)
        problems.extend(f"{where}: {e}" for e in balancing_errors(r))
        for c in r.claims:
            key = p.claim_key(c)
            if key in keys:
                problems.append(f"{where}: claim {c.patient_control_number} paid twice")
            keys.add(key)
            if c.status != REVERSAL_STATUS:
                if c.charge < ZERO or any(s.charge < ZERO for s in c.services):
                    problems.append(
                        f"{where}: claim {c.patient_control_number}: a negative charge outside "
                        "a reversal"
                    )
            elif c.charge > ZERO or c.paid > ZERO:
                problems.append(
                    f"{where}: claim {c.patient_control_number}: a reversal (status 22) with "
                    "positive amounts"
                )
    if problems:
        shown = problems[:20]
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise EraRejected("Does not balance or is inconsistent: " + "; ".join(shown) + more)


# The longest value the 835 guide allows in the elements used to find payers and claims: a
# longer one is a damaged file (the mutation fuzzer sent a 1 MB payer name, which SQLite's
# LIKE refused with an error instead of an answer).
_MAX_LENGTHS = (
    ("payer name (N102)", lambda r: [r.payer.name], 60),
    ("payer id (N104)", lambda r: [r.payer.id, r.payer_identifier], 80),
    ("trace number (TRN02)", lambda r: [r.trace_number], 50),
    ("patient control number (CLP01)", lambda r: [c.patient_control_number for c in r.claims], 38),
    ("payer claim number (CLP07)", lambda r: [c.payer_claim_number for c in r.claims], 50),
)


def _too_long(r: Remittance) -> list[str]:
    return [
        f"{what} longer than the 835 allows ({max(map(len, values))} > {limit} characters)"
        for what, pick, limit in _MAX_LENGTHS
        if (values := [v or "" for v in pick(r)]) and max(map(len, values)) > limit
    ]


def _record_rejection(practice_id, name, data, digest, reason, origin, by) -> EraFile:
    with transaction.atomic():
        record = EraFile.objects.create(
            practice_id=practice_id, name=name[:255], sha256=digest, size=len(data),
            content=data, origin=origin, status=EraStatus.REJECTED, reason=reason,
            summary="rejected: nothing posted", imported_by=by, imported_at=timezone.now(),
        )  # fmt: skip
        audit_record(
            action=AuditAction.CREATE, obj=record, category=CATEGORY,
            detail=f"835 rejected: {reason[:150]}",
        )  # fmt: skip
    logger.warning("ERA file %s rejected: %s", record.public_id, reason[:200])
    return record


def _already(practice_id, digest, parsed) -> str | None:
    """Why this file has been posted already (same content, or the same payments), or None.
    Raises EraRejected when only some of its payments were posted before."""
    seen = EraFile.objects.filter(
        practice_id=practice_id, sha256=digest, status=EraStatus.POSTED
    ).first()
    if seen is not None:
        when = timezone.localtime(seen.imported_at)
        return f"already posted on {when:%m/%d/%Y %H:%M} ({seen.name}): nothing posted again"
    if parsed is None:
        return None
    posted = []
    for p in parsed:
        hit = (
            EraPayment.objects.filter(
                payer_identifier=p.payer_identifier, trace_number=p.remittance.trace_number
            )
            .select_related("era_file")
            .first()
        )
        if hit is not None:
            posted.append((p, hit))
    if posted and len(posted) == len(parsed):
        p, hit = posted[0]
        return (
            f"already posted: payment {p.remittance.trace_number} came in {hit.era_file.name}; "
            "nothing posted again"
        )
    if posted:
        traces = ", ".join(p.remittance.trace_number for p, _ in posted)
        raise EraRejected(f"Payment(s) {traces} were posted already from another file.")
    keys = [p.claim_key(c) for p in parsed for c in p.remittance.claims]
    for start in range(0, len(keys), CHUNK):
        clash = EraClaim.objects.filter(key__in=keys[start : start + CHUNK]).first()
        if clash is not None:
            raise EraRejected(
                f"Claim payment {clash.patient_control_number} ({clash.key}) was posted already."
            )
    return None


# ---------------------------------------------------------------- import


@contextmanager
def _without_cyclic_gc():
    """Reading and posting a file makes hundreds of thousands of short-lived objects (rows,
    segments, amounts) without reference cycles: reference counting frees them, and the
    cyclic collector's passes over them cost a fifth of a large file's posting. Off while
    one file is posted, back on after (as it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def era_import(
    data: bytes, *, practice, name: str, origin: str = "upload", by=None, exchange_file=None
) -> ImportResult:
    """Check and post one 835 file (see the module docstring). Never raises for bad input:
    the result says posted, already posted, or rejected with the reason."""
    with _without_cyclic_gc(), bulk.bigger_sqlite_cache():
        return _import(data, practice, name, origin, by, exchange_file)


def _import(data: bytes, practice, name: str, origin: str, by, exchange_file) -> ImportResult:
    practice_id = practice.pk if hasattr(practice, "pk") else practice
    digest = hashlib.sha256(data).hexdigest()
    message = _already(practice_id, digest, None)
    if message:
        return ImportResult(name, "already_posted", message)
    try:
        parsed = _read(data)
        _check(parsed)
        message = _already(practice_id, digest, parsed)
        if message:
            return ImportResult(name, "already_posted", message)
    except EraRejected as exc:
        record = _record_rejection(practice_id, name, data, digest, exc.reason, origin, by)
        return ImportResult(name, "rejected", exc.reason, record)
    try:
        with transaction.atomic():
            record = EraFile.objects.create(
                practice_id=practice_id, name=name[:255], sha256=digest, size=len(data),
                content=data, origin=origin, exchange_file=exchange_file,
                status=EraStatus.POSTED, imported_by=by, imported_at=timezone.now(),
            )  # fmt: skip
            result = ImportResult(name, "posted", "", record)
            # ~10 entries per claim payment: the summaries take them once, grouped.
            with summaries.deferred():
                for p in parsed:
                    _Poster(practice_id, record, p, by, result).post()
            result.message = _summary(result)
            record.summary = result.message[:300]
            record.claim_count = result.claims
            record.total_paid = result.total_paid
            EraFile.objects.filter(pk=record.pk).update(
                summary=record.summary, claim_count=result.claims, total_paid=result.total_paid
            )
            audit_record(
                action=AuditAction.CREATE, obj=record, category=CATEGORY,
                detail=f"835 posted: {record.summary[:150]}",
            )  # fmt: skip
    except IntegrityError:
        # Posted meanwhile by another request (the unique keys said so): nothing of ours stays.
        message = _already(practice_id, digest, parsed)
        if not message:
            raise  # not a second import: a fault, never reported as "already posted"
        return ImportResult(name, "already_posted", message)
    except EraRejected as exc:
        record = _record_rejection(practice_id, name, data, digest, exc.reason, origin, by)
        return ImportResult(name, "rejected", exc.reason, record)
    return result


def _summary(r: ImportResult) -> str:
    parts = [f"{r.claims:,} claim payment(s), ${r.total_paid:,} paid", f"{r.matched:,} matched"]
    if r.denied:
        parts.append(f"{r.denied} denied (denial queue)")
    if r.reversed:
        parts.append(f"{r.reversed} reversed")
    if r.suspense:
        parts.append(f"{r.suspense} line(s) to suspense")
    return "posted: " + ", ".join(parts)


# ---------------------------------------------------------------- matching lines


def _modifier_score(sent: tuple[str, ...], billed: list[str]) -> int:
    """3 same modifiers in the same order, 2 reordered, 1 some dropped, 0 one not billed."""
    if list(sent) == billed:
        return 3
    if sorted(sent) == sorted(billed):
        return 2
    if set(sent) <= set(billed):
        return 1
    return 0


def match_line(
    svc: ServicePayment, lines: list[ClaimLine], used: set[int]
) -> tuple[ClaimLine | None, str]:
    """The claim line an SVC pays, and how it was found; or None and why not."""
    if svc.line_control_number:
        for line in lines:
            if line.control_number == svc.line_control_number and line.pk not in used:
                return line, "line control number"
    codes = {svc.procedure_code}
    if svc.original_procedure_code:
        codes.add(svc.original_procedure_code)
    candidates = [ln for ln in lines if ln.pk not in used and ln.code in codes]
    if not candidates:
        return None, f"no unpaid line with code {'/'.join(sorted(codes))} on the claim"
    if svc.service_date:
        candidates = [ln for ln in candidates if ln.date_of_service == svc.service_date]
        if not candidates:
            return None, f"no line with code {svc.procedure_code} on {svc.service_date:%m/%d/%Y}"
    sent = svc.original_modifiers if svc.original_procedure_code else svc.modifiers
    scored = [(ln, _modifier_score(sent, ln.modifier_list)) for ln in candidates]
    scored = [(ln, score) for ln, score in scored if score]
    if not scored:
        return None, (
            f"modifiers {' '.join(sent) or '(none)'} do not fit any {svc.procedure_code} line"
        )
    units = svc.original_units or svc.units or 1
    best = max(
        scored,
        key=lambda item: (
            item[1],
            Decimal(item[0].units) == Decimal(units),
            item[0].amount == abs(svc.charge),
            -item[0].number,
        ),
    )
    line, score = best
    if Decimal(line.units) != Decimal(units) and len(scored) > 1:
        return None, f"{len(scored)} {svc.procedure_code} lines and none with {units} unit(s)"
    how = {3: "code and modifiers", 2: "code, modifiers reordered", 1: "code, modifier dropped"}
    return line, how[score]


# ---------------------------------------------------------------- posting one payment


class _Line:
    """A claim line as the matching reads it (plain values, no model instance)."""

    __slots__ = (
        "pk", "claim_id", "number", "charge_id", "code", "modifiers", "units", "amount",
        "pointers", "date_of_service", "control_number", "modifier_list",
    )  # fmt: skip
    COLUMNS = __slots__[:-1]

    def __init__(self, values):
        for name, value in zip(self.COLUMNS, values, strict=True):
            setattr(self, name, value)
        self.modifier_list = self.modifiers.split()


class _Claim:
    """A claim as the posting reads it (plain values, no model instance)."""

    __slots__ = (
        "pk", "practice_id", "patient_id", "provider_id", "location_id", "payer_id",
        "coverage_id", "responsibility", "encounter_id", "service_from", "status",
        "patient_control_number", "era_lines", "paid_amount", "patient_responsibility",
    )  # fmt: skip
    COLUMNS = __slots__[:-3]

    def __init__(self, values):
        for name, value in zip(self.COLUMNS, values, strict=True):
            setattr(self, name, value)
        self.era_lines = []


class _Coverage:
    """A secondary coverage as the posting reads it (plain values, no model instance)."""

    __slots__ = ("pk", "patient_id", "payer_id", "effective_start", "effective_end")

    def __init__(self, values):
        self.pk, self.patient_id, self.payer_id, self.effective_start, self.effective_end = values


class _EraClaimRow:
    """An ERA claim payment to be written (plain values, no model instance); `pk` once it is."""

    __slots__ = (
        "era_payment_id", "sequence", "key", "claim_id", "patient_control_number",
        "payer_claim_number", "status", "charge", "paid", "patient_responsibility", "outcome",
        "pk",
    )  # fmt: skip
    COLUMNS = __slots__[:-1]

    def __init__(self, **values):
        self.claim_id = None
        self.outcome = ""
        self.pk = None
        for name, value in values.items():
            setattr(self, name, value)

    def row(self) -> dict:
        return {name: getattr(self, name) for name in self.COLUMNS}


@dataclass
class _ClaimPlan:
    era: EraClaim | _EraClaimRow
    claim: _Claim | None = None
    entries: list = field(default_factory=list)
    suspense: list = field(default_factory=list)
    adjudications: list = field(default_factory=list)  # (Adjudication row, [Adjustment rows])
    findings: list = field(default_factory=list)
    move_to: str = ""
    note: str = ""
    paid: Decimal = ZERO
    responsibility: Decimal = ZERO
    secondary: _Coverage | None = None
    reverses: list = field(default_factory=list)  # entries to reverse
    supersede: list = field(default_factory=list)  # adjudication ids


def _entry_rows() -> bulk.Rows:
    """Ledger entries in column order (see bulk.Rows): one template per claim line, each
    entry setting only these columns (`_Poster._entry`, `_write`)."""
    return bulk.Rows(
        LedgerEntry,
        per_row=("kind", "amount", "party", "coverage_id", "payer_id", "group", "reason",
                 "remarks", "payment_id", "era_claim_id"),
    )  # fmt: skip


def _rows(entries: list[dict]) -> list[dict]:
    """Entry dicts as rows: the ERA claim they belong to by its (now known) id."""
    for row in entries:
        era = row.pop("era_claim", None)
        if era is not None:
            row["era_claim_id"] = era.pk
    return entries


class _Poster:
    """Posts one transaction set (one payment) inside the file's transaction."""

    def __init__(self, practice_id, record: EraFile, parsed: _Parsed, by, result: ImportResult):
        self.practice_id = practice_id
        self.record = record
        self.parsed = parsed
        self.r = parsed.remittance
        self.by = by
        self.result = result
        self.now = timezone.now()
        self.day = self.r.payment_date or timezone.localdate(
            self.now, Practice.objects.get(pk=practice_id).zone
        )
        self.source = f"835 {record.name[:50]} trace {self.r.trace_number}"[:120]
        self.entry_rows = _entry_rows()

    # -- set up
    def _payer(self, claims: dict) -> Payer:
        payer = Payer.objects.filter(payer_id=self.r.payer.id).order_by("id").first()
        if payer is None and claims:
            payer = Payer.objects.get(pk=next(iter(claims.values())).payer_id)
        if payer is None:
            payer = Payer.objects.filter(name__iexact=self.r.payer.name).order_by("id").first()
        if payer is None:
            raise EraRejected(
                f"Payment {self.r.trace_number}: payer {self.r.payer.name} ({self.r.payer.id}) "
                "is not in the payer list and none of its claims are ours."
            )
        return payer

    def _claims(self) -> dict[str, _Claim]:
        """Our claims the payment names (by CLP01) with their lines: one query per CHUNK."""
        pcns = list({c.patient_control_number for c in self.r.claims})
        found: dict[str, _Claim] = {}
        columns = ["id", *_Claim.COLUMNS[1:]]
        for start in range(0, len(pcns), CHUNK):
            for values in Claim.objects.filter(
                practice_id=self.practice_id, patient_control_number__in=pcns[start : start + CHUNK]
            ).values_list(*columns):
                claim = _Claim(values)
                found[claim.patient_control_number] = claim
        by_id = {c.pk: c for c in found.values()}
        ids = list(by_id)
        columns = ["id", *_Line.COLUMNS[1:]]
        for start in range(0, len(ids), CHUNK):
            for values in (
                ClaimLine.objects.filter(claim_id__in=ids[start : start + CHUNK])
                .order_by("claim_id", "number")
                .values_list(*columns)
            ):
                line = _Line(values)
                by_id[line.claim_id].era_lines.append(line)
        return found

    def _accounts(self, patient_ids) -> dict[int, int]:
        """{patient id: account id}, opening the accounts that are missing."""
        ids = list(set(patient_ids))
        have: dict[int, int] = {}
        for start in range(0, len(ids), CHUNK):
            have.update(
                Account.objects.filter(
                    practice_id=self.practice_id, patient_id__in=ids[start : start + CHUNK]
                ).values_list("patient_id", "id")
            )
        missing = [pid for pid in ids if pid not in have]
        if missing:
            keys = bulk.insert_rows_returning(
                Account,
                ({"practice_id": self.practice_id, "patient_id": pid, "created_at": self.now}
                 for pid in missing),
            )  # fmt: skip
            have.update(zip(missing, keys, strict=True))
        return have

    def _charges_posted(self, claims) -> None:
        """Charges billing made that the ledger has not heard of yet are posted first."""
        from medoffice.payments.ledger import _post_charges

        ids = list({ln.charge_id for c in claims.values() for ln in c.era_lines})
        posted = set()
        for start in range(0, len(ids), CHUNK):
            # Through the ledger's unique from_charge index: an anti-join from the charges
            # lets the planner scan the ledger.
            posted.update(
                LedgerEntry.objects.filter(from_charge_id__in=ids[start : start + CHUNK])
                .values_list("from_charge_id", flat=True)
                .order_by()
            )
        missing = [pk for pk in ids if pk not in posted]
        if missing:
            _post_charges(missing, self.by)

    def _secondaries(self, claims) -> dict[int, list[_Coverage]]:
        """{patient id: active secondary coverages}, as plain values (a Coverage instance
        decrypts its sealed member fields, which the posting never reads)."""
        patients = list({c.patient_id for c in claims.values() if c.responsibility == 1})
        found: dict[int, list[_Coverage]] = {}
        for start in range(0, len(patients), CHUNK):
            for values in Coverage.objects.filter(
                patient_id__in=patients[start : start + CHUNK], order=2, status="active"
            ).values_list(*_Coverage.__slots__):
                cov = _Coverage(values)
                found.setdefault(cov.patient_id, []).append(cov)
        return found

    # -- post
    def post(self) -> None:
        r = self.r
        claims = self._claims()
        payer = self._payer(claims)
        self.payment = Payment.objects.create(
            practice_id=self.practice_id, kind=PaymentKind.INSURANCE, payer=payer,
            method=METHODS.get(r.payment_method, PaymentMethod.OTHER),
            reference=r.trace_number[:80], amount=r.total_paid if r.credit else -r.total_paid,
            received_on=self.day, note=f"ERA {self.record.name}"[:300], received_by=self.by,
            received_at=self.now,
        )  # fmt: skip
        self.era_payment = EraPayment.objects.create(
            era_file=self.record, payment_id=self.payment.pk, interchange_control=self.parsed.isa13,
            group_control=self.parsed.gs06, transaction_control=self.parsed.st02,
            payer_identifier=self.parsed.payer_identifier[:80],
            trace_number=r.trace_number[:50], payer_name=r.payer.name[:60],
            method=r.payment_method, total_paid=self.payment.amount, payment_date=r.payment_date,
        )  # fmt: skip
        self.accounts = self._accounts(c.patient_id for c in claims.values())
        self._charges_posted(claims)
        self.secondary_of = self._secondaries(claims)
        self.originals = self._originals(claims)
        plans = []
        used_by_claim: dict[int, set] = defaultdict(set)
        for sequence, cp in enumerate(r.claims, 1):
            era = _EraClaimRow(
                era_payment_id=self.era_payment.pk, sequence=sequence,
                key=self.parsed.claim_key(cp),
                patient_control_number=cp.patient_control_number[:38],
                payer_claim_number=cp.payer_claim_number[:50], status=cp.status,
                charge=cp.charge, paid=cp.paid, patient_responsibility=cp.patient_responsibility
                or ZERO,
            )  # fmt: skip
            claim = claims.get(cp.patient_control_number)
            plan = _ClaimPlan(era, claim)
            era.claim_id = claim.pk if claim is not None else None
            if claim is None:
                reason = "no claim with this patient control number"
                for index, svc in enumerate(cp.services):
                    self._suspend(plan, cp, index, reason, svc)
                if not cp.services:
                    self._suspend(plan, cp, None, reason)
            elif cp.status == REVERSAL_STATUS:
                self._plan_reversal(plan, cp, claim)
            elif cp.status in NOT_OURS:
                plan.note = f"{cp.status_text}: nothing posted"
            else:
                self._plan_payment(plan, cp, claim, used_by_claim[claim.pk])
            era.outcome = (plan.note or "posted")[:200]
            plans.append(plan)
        self._write(plans)
        self._provider_adjustments()

    def _originals(self, claims) -> dict:
        """For reversals: the earlier claim payments (same claim and CLP07) not yet reversed,
        with what a reversal reads prefetched for the whole payment (a few queries, not
        three per reversal): each one's entries not yet reversed (`self.reversible`, by ERA
        claim id) and each claim's adjudications in force (`self.in_force`, by claim id)."""
        self.reversible: dict[int, list[LedgerEntry]] = defaultdict(list)
        self.in_force: dict[int, list[int]] = defaultdict(list)
        wanted = {
            (c.patient_control_number, c.payer_claim_number)
            for c in self.r.claims
            if c.status == REVERSAL_STATUS and c.patient_control_number in claims
        }
        if not wanted:
            return {}
        ids = list({claims[pcn].pk for pcn, _ in wanted})
        found = {}
        for start in range(0, len(ids), CHUNK):
            for era in (
                EraClaim.objects.filter(claim_id__in=ids[start : start + CHUNK])
                .exclude(status=REVERSAL_STATUS)
                .select_related("era_payment")
                .order_by("id")
            ):
                key = (era.patient_control_number, era.payer_claim_number)
                if key in wanted:
                    found[key] = era  # the latest wins
            for claim_id, pk in Adjudication.objects.filter(
                claim_id__in=ids[start : start + CHUNK], superseded=False
            ).values_list("claim_id", "pk"):
                self.in_force[claim_id].append(pk)
        originals = [era.pk for era in found.values()]
        for start in range(0, len(originals), CHUNK):
            for entry in LedgerEntry.objects.filter(
                era_claim_id__in=originals[start : start + CHUNK], reverses__isnull=True
            ).exclude(reversed_by__isnull=False):
                self.reversible[entry.era_claim_id].append(entry)
        return found

    def _suspend(self, plan, cp, index, reason, svc=None) -> None:
        if svc is None:
            detail = {
                "adjustments": [[a.group, a.reason, str(a.amount)] for a in cp.adjustments],
                "services": len(cp.services),
                "remarks": list(cp.remarks),
            }
            item = SuspenseItem(
                practice_id=self.practice_id, service_index=None, reason=reason[:300],
                charge_amount=cp.charge, paid=cp.paid, detail=detail, created_at=self.now,
            )  # fmt: skip
        else:
            item = SuspenseItem(
                practice_id=self.practice_id, service_index=index, reason=reason[:300],
                procedure_code=svc.procedure_code[:48], modifiers=" ".join(svc.modifiers)[:11],
                units=Decimal(svc.units) if svc.units is not None else None,
                service_date=svc.service_date, charge_amount=svc.charge, paid=svc.paid,
                detail={
                    "adjustments": [[a.group, a.reason, str(a.amount)] for a in svc.adjustments],
                    "remarks": list(svc.remarks),
                    "line_control_number": svc.line_control_number,
                },
                created_at=self.now,
            )  # fmt: skip
        plan.suspense.append(item)
        plan.note = f"to suspense: {reason}"

    def _plan_reversal(self, plan, cp, claim) -> None:
        original = self.originals.get((cp.patient_control_number, cp.payer_claim_number))
        if original is None:
            self._suspend(
                plan, cp, None,
                f"reversal of payer claim {cp.payer_claim_number or '(no number)'} that was not "
                "posted here: check for a payment posted by hand",
            )  # fmt: skip
            return
        entries = self.reversible.get(original.pk, [])
        if original.paid != -cp.paid or not entries:
            self._suspend(
                plan, cp, None,
                f"reversal of ${-cp.paid} does not match the ${original.paid} posted from "
                f"{original.era_payment.trace_number}",
            )  # fmt: skip
            return
        plan.reverses = entries
        plan.supersede = list(self.in_force.get(claim.pk, []))
        plan.note = f"reversed the payment posted from trace {original.era_payment.trace_number}"
        self.result.reversed += 1

    def _party(self, claim) -> tuple:
        """(party, coverage id, payer id): who an entry is from or to."""
        return (Party.INSURANCE, claim.coverage_id, claim.payer_id)

    def _base(self, claim, line, plan) -> list:
        """The template of every entry on this line (see `_entry`)."""
        return self.entry_rows.template({
            "practice_id": self.practice_id, "account_id": self.accounts[claim.patient_id],
            "patient_id": claim.patient_id, "charge_id": line.charge_id, "claim_id": claim.pk,
            "claim_line_id": line.pk, "provider_id": claim.provider_id,
            "location_id": claim.location_id, "source_kind": SourceKind.ERA,
            "source": self.source, "effective_on": self.day, "posted_by_id": getattr(
                self.by, "pk", None), "posted_at": self.now, "posting": plan.posting,
            # set by each entry (_entry):
            "kind": EntryKind.DENIAL, "amount": ZERO, "party": Party.INSURANCE,
        })  # fmt: skip

    def _entry(self, plan, base, kind, amount, who, group="", reason="", remarks="",
               payment_id=None) -> None:  # fmt: skip
        """One entry on the line of `base`, as a row in column order (era_claim_id is set
        when the ERA claim is written)."""
        row = self.entry_rows.fresh(base)
        at = self.entry_rows.index
        row[at["kind"]] = kind
        row[at["amount"]] = amount
        row[at["party"]], row[at["coverage_id"]], row[at["payer_id"]] = who
        row[at["group"]] = group
        row[at["reason"]] = reason
        row[at["remarks"]] = remarks
        row[at["payment_id"]] = payment_id
        plan.entries.append(row)

    def _plan_payment(self, plan, cp: ClaimPayment, claim: Claim, used: set) -> None:
        plan.posting = bulk.new_uuid()
        lines = claim.era_lines
        secondary = None
        if claim.responsibility == 1:
            for cov in self.secondary_of.get(claim.patient_id, []):
                if cov.effective_start <= claim.service_from and (
                    cov.effective_end is None or cov.effective_end >= claim.service_from
                ):
                    secondary = cov
                    break
        if secondary is not None:
            to = (Party.INSURANCE, secondary.pk, secondary.payer_id)
        else:
            to = (Party.PATIENT, None, None)
        payer = self._party(claim)
        denied_lines = 0
        matched = []
        for index, svc in enumerate(cp.services):
            line, how = match_line(svc, lines, used)
            if line is None:
                self._suspend(plan, cp, index, how, svc)
                continue
            used.add(line.pk)
            matched.append((line, svc))
        claim_denied = cp.status == DENIED_STATUS
        remarks = " ".join(cp.remarks)[:60]
        for line, svc in matched:
            base = self._base(claim, line, plan)
            if line_denied(cp.status, svc):
                denied_lines += 1
                first = svc.adjustments[0] if svc.adjustments else None
                self._entry(
                    plan, base, EntryKind.DENIAL, ZERO, payer,
                    group=first.group if first else "", reason=first.reason if first else "",
                    remarks=" ".join(svc.remarks)[:60] or remarks,
                )  # fmt: skip
            else:
                self._line_money(plan, base, payer, to, svc.paid, svc.adjustments, svc.remarks)
            plan.paid += svc.paid
            adjudication = {
                "claim_id": claim.pk, "line_id": line.pk, "paid_amount": svc.paid,
                "allowed_amount": svc.allowed, "paid_date": self.day,
                "payer_claim_number": cp.payer_claim_number[:50], "created_at": self.now,
            }  # fmt: skip
            plan.adjudications.append((adjudication, self._adjustments(svc.adjustments)))
            for code in svc.remarks:
                plan.findings.append(self._finding(claim, line, code))
        # Claim-level adjustments: on the matched lines, in order, as far as the payer's part
        # of each goes (the last line takes what is left).
        if cp.adjustments and matched and not claim_denied:
            self._claim_level(plan, claim, matched, payer, to, cp)
        if not cp.services and (cp.paid or cp.adjustments):
            self._suspend(plan, cp, None, "a claim payment without service lines: match by hand")
        kind, amount = self.entry_rows.index["kind"], self.entry_rows.index["amount"]
        plan.responsibility = sum(
            (e[amount] for e in plan.entries if e[kind] == EntryKind.TRANSFER and e[amount] > 0),
            ZERO,
        )
        plan.adjudications.append(
            (
                {
                    "claim_id": claim.pk,
                    "line_id": None,
                    "paid_amount": cp.paid,
                    "paid_date": self.day,
                    "payer_claim_number": cp.payer_claim_number[:50],
                    "created_at": self.now,
                },  # fmt: skip
                self._adjustments(cp.adjustments),
            )
        )
        for code in cp.remarks:
            plan.findings.append(self._finding(claim, None, code))
        if claim_denied or (matched and denied_lines == len(matched) and not plan.paid):
            plan.move_to = S.DENIED
            self.result.denied += 1
            first = next(
                (a for _, s in matched for a in s.adjustments), cp.adjustments[0] if cp.adjustments
                else None,
            )  # fmt: skip
            reason = ""
            if first is not None:
                reason = explanations.explain_adjustment(first.group, first.reason).title
            plan.note = f"denied{': ' + reason if reason else ''}; into the denial queue"
        elif denied_lines:
            plan.move_to = S.PARTIALLY_PAID
            self.result.denied += 1
            plan.note = f"{denied_lines} line(s) denied; into the denial queue"
        elif matched:
            plan.move_to = S.PAID
            where = "the secondary payer" if secondary is not None else "the patient"
            plan.note = (
                f"paid ${cp.paid}" + (f"; ${plan.responsibility} to {where}"
                                      if plan.responsibility else "")
            )  # fmt: skip
            if cp.status in FORWARDED:
                plan.note += "; the payer forwarded it to the next payer"
        if plan.responsibility and secondary is not None and cp.status not in FORWARDED:
            plan.secondary = secondary
        if plan.suspense and matched:
            plan.note += f"; {len(plan.suspense)} line(s) to suspense"
        if matched:
            self.result.matched += 1

    def _line_money(self, plan, base, payer, to, paid, adjustments, remarks) -> None:
        if paid:
            self._entry(
                plan, base, EntryKind.INSURANCE_PAYMENT, -paid, payer,
                remarks=" ".join(remarks)[:60], payment_id=self.payment.pk,
            )  # fmt: skip
        for a in adjustments:
            if not a.amount or a.reason == PRIOR_PAYER:
                continue
            if a.group == "PR":
                self._entry(plan, base, EntryKind.TRANSFER, -a.amount, payer, "PR", a.reason)
                self._entry(plan, base, EntryKind.TRANSFER, a.amount, to, "PR", a.reason)
            else:
                kind = EntryKind.CONTRACTUAL if a.group == "CO" else EntryKind.ADJUSTMENT
                self._entry(plan, base, kind, -a.amount, payer, a.group, a.reason)

    def _claim_level(self, plan, claim, matched, payer, to, cp) -> None:
        """Claim-level CAS has no line of its own: it lands on the first line paid."""
        line = matched[0][0]
        self._line_money(plan, self._base(claim, line, plan), payer, to, ZERO, cp.adjustments, ())

    def _adjustments(self, adjustments) -> list[dict]:
        return [
            {"group": a.group, "reason": a.reason[:5], "amount": a.amount, "quantity": a.quantity}
            for a in adjustments
        ]

    def _finding(self, claim, line, code) -> ClaimFinding:
        remark = explanations.explain_remark(code)
        return ClaimFinding(
            claim_id=claim.pk, line_id=line.pk if line else None, source="835", code=code[:40],
            reason=remark.meaning[:500], fix=remark.fix.key if remark.fix else "",
            rejected=False, at=self.now,
        )  # fmt: skip

    # -- write
    def _write(self, plans: list[_ClaimPlan]) -> None:
        keys = bulk.insert_rows_returning(EraClaim, [p.era.row() for p in plans])
        for plan, key in zip(plans, keys, strict=True):
            plan.era.pk = key
        entries, items, findings, adjudications = [], [], [], []
        reversals = []
        by = getattr(self.by, "pk", None)
        era_claim = self.entry_rows.index["era_claim_id"]
        for plan in plans:
            for row in plan.entries:
                row[era_claim] = plan.era.pk
            entries.extend(plan.entries)
            for item in plan.suspense:
                item.era_claim_id = plan.era.pk
            items.extend(plan.suspense)
            findings.extend(plan.findings)
            adjudications.extend(plan.adjudications)
            posting = bulk.new_uuid()
            for old in plan.reverses:
                reversals.append(
                    dict(
                        practice_id=old.practice_id,
                        posting=posting,
                        kind=old.kind,
                        amount=-old.amount,
                        account_id=old.account_id,
                        patient_id=old.patient_id,
                        charge_id=old.charge_id,
                        claim_id=old.claim_id,
                        claim_line_id=old.claim_line_id,
                        provider_id=old.provider_id,
                        location_id=old.location_id,
                        party=old.party,
                        coverage_id=old.coverage_id,
                        payer_id=old.payer_id,
                        group=old.group,
                        reason=old.reason,
                        payment_id=self.payment.pk if old.payment_id else None,
                        era_claim=plan.era,
                        reverses_id=old.pk,
                        source_kind=SourceKind.ERA,
                        source=self.source,
                        note="CLP status 22: payment reversed by the payer",
                        effective_on=self.day,
                        posted_by_id=by,
                        posted_at=self.now,
                    )  # fmt: skip
                )
        self.entry_rows.write(entries)
        bulk.insert_rows(LedgerEntry, _rows(reversals))
        bulk.insert(items)
        bulk.insert(findings)
        keys = bulk.insert_rows_returning(Adjudication, [a for a, _ in adjudications])
        adjustments = []
        for key, (_, rows) in zip(keys, adjudications, strict=True):
            for row in rows:
                row["adjudication_id"] = key
                adjustments.append(row)
        bulk.insert_rows(Adjustment, adjustments)
        superseded = [pk for plan in plans for pk in plan.supersede]
        for start in range(0, len(superseded), CHUNK):
            Adjudication.objects.filter(pk__in=superseded[start : start + CHUNK]).update(
                superseded=True
            )
        self._move_claims(plans)
        self._queue_secondaries(plans)
        self.result.claims += len(plans)
        self.result.suspense += len(items)
        self.result.total_paid += self.payment.amount

    def _move_claims(self, plans) -> None:
        # The last word on each claim in this payment decides its status.
        final: dict[int, _ClaimPlan] = {}
        for plan in plans:
            if plan.claim is not None and plan.move_to:
                final[plan.claim.pk] = plan
        groups: dict[tuple[str, str], list] = defaultdict(list)
        updates = []
        for plan in final.values():
            claim = plan.claim
            claim.paid_amount = plan.paid
            claim.patient_responsibility = plan.responsibility
            updates.append(claim)
            if claim.status != plan.move_to and claim_can_move(claim.status, plan.move_to):
                groups[(claim.status, plan.move_to)].append(claim.pk)
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE billing_claim SET paid_amount = %s, patient_responsibility = %s "
                    "WHERE id = %s",
                    [(c.paid_amount, c.patient_responsibility, c.pk) for c in updates],
                )
        for (current, to), ids in groups.items():
            claims_move(
                [(pk, current) for pk in ids], to, note=f"ERA {self.r.trace_number}",
                by=self.by, now=self.now, audit_object=self.record,
            )  # fmt: skip
        reasons = [
            (plan.note[:500], plan.claim.pk)
            for plan in final.values()
            if plan.move_to in (S.DENIED, S.PARTIALLY_PAID)
        ]
        if reasons:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE billing_claim SET status_reason = %s WHERE id = %s", reasons
                )

    _PRIMARY = (
        "id", "practice_id", "patient_id", "encounter_id", "encounter_version", "provider_id",
        "location_id", "place_of_service", "service_from", "service_to", "diagnosis_codes",
        "referring_provider_name", "referring_provider_npi", "prior_authorization",
        "total_charge",
    )  # fmt: skip

    def _queue_secondaries(self, plans) -> None:
        """A secondary claim (draft, carrying this adjudication) for each primary whose
        remainder went to the secondary payer; made in bulk, once per encounter."""
        wanted = [p for p in plans if p.secondary is not None]
        if not wanted:
            return
        encounters = list({p.claim.encounter_id for p in wanted})
        ids = [p.claim.pk for p in wanted]
        primaries: dict[int, dict] = {}
        have: set[int] = set()
        for start in range(0, len(ids), CHUNK):
            for values in Claim.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(
                *self._PRIMARY
            ):
                primaries[values[0]] = dict(zip(self._PRIMARY, values, strict=True))
            have.update(
                Claim.objects.filter(
                    encounter_id__in=encounters[start : start + CHUNK], responsibility=2,
                    frequency="1",
                )
                .exclude(status=S.CLOSED)
                .values_list("encounter_id", flat=True)
            )  # fmt: skip
        made = []
        by = getattr(self.by, "pk", None)
        for plan in wanted:
            primary = primaries[plan.claim.pk]
            if primary["encounter_id"] in have:
                continue
            have.add(primary["encounter_id"])
            cov = plan.secondary
            row = {k: v for k, v in primary.items() if k != "id"}
            row.update(
                payer_id=cov.payer_id, coverage_id=cov.pk, responsibility=2,
                primary_claim_id=primary["id"], patient_control_number=new_control_number(),
                created_by_id=by, created_at=self.now, updated_at=self.now,
            )  # fmt: skip
            made.append((plan, row))
        keys = bulk.insert_rows_returning(Claim, [row for _, row in made])
        bulk.insert_rows(
            ClaimLine,
            (
                {
                    "claim_id": key,
                    "number": ln.number,
                    "charge_id": ln.charge_id,
                    "code": ln.code,
                    "modifiers": ln.modifiers,
                    "units": ln.units,
                    "amount": ln.amount,
                    "pointers": ln.pointers,
                    "date_of_service": ln.date_of_service,
                    "control_number": f"{row['patient_control_number']}-{ln.number}",
                }  # fmt: skip
                for key, (plan, row) in zip(keys, made, strict=True)
                for ln in plan.claim.era_lines
            ),
        )
        note = f"secondary claim made from the primary's ERA {self.r.trace_number}"
        bulk.insert_rows(
            ClaimEvent,
            ({"claim_id": key, "to_status": S.DRAFT, "by_id": by, "at": self.now, "note": note}
             for key in keys),
        )  # fmt: skip
        for plan, _ in made:
            plan.era.outcome = (plan.era.outcome + "; secondary claim made")[:200]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE payments_eraclaim SET outcome = %s WHERE id = %s",
                [(plan.era.outcome, plan.era.pk) for plan, _ in made],
            )

    def _provider_adjustments(self) -> None:
        entries = []
        for plb in self.r.provider_adjustments:
            entries.append(
                dict(
                    practice_id=self.practice_id,
                    posting=bulk.new_uuid(),
                    kind=EntryKind.PROVIDER,
                    amount=plb.amount,
                    party=Party.PRACTICE,
                    payer_id=self.payment.payer_id,
                    reason=plb.reason,
                    payment_id=self.payment.pk,
                    source_kind=SourceKind.ERA,
                    source=self.source,
                    note=f"{plb.reason_text} {plb.reference}"[:300],
                    effective_on=self.day,
                    posted_by_id=getattr(self.by, "pk", None),
                    posted_at=self.now,
                )  # fmt: skip
            )
        bulk.insert_rows(LedgerEntry, entries)


# ---------------------------------------------------------------- the clearinghouse inbox


def era_pick_up(connection, *, by=None) -> list[ImportResult]:
    """Post every 835 waiting in the connection's inbox; other files are left for billing's
    pick-up. Posted, already posted: set aside as processed; rejected: quarantined."""
    from medoffice.billing.exchange import transport_for
    from medoffice.interop.transports.exchange import PROCESSED, QUARANTINE

    results = []
    with transport_for(connection).session() as session:
        for name in session.incoming():
            data = session.download(name)
            if b"ST*835*" not in data[:4096] and b"835" not in data[:400]:
                continue
            try:
                kinds = {t.set_id for t in read_transactions(data)}
            except X12Error:
                kinds = {"835"}  # unreadable: era_import says why and quarantines it
            if kinds != {"835"}:
                continue
            result = era_import(
                data, practice=connection.practice_id, name=name, origin="clearinghouse", by=by
            )
            results.append(result)
            session.set_aside(name, PROCESSED if result.ok else QUARANTINE)
    return results


# ---------------------------------------------------------------- suspense by hand


def suspense_match(item: SuspenseItem, *, line: ClaimLine, by=None, note: str = "") -> list:
    """Post an unmatched remittance line to the claim line the biller chose: the same
    entries the automatic posting would have made. One transaction."""
    with transaction.atomic():
        item = SuspenseItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
        if item.status != SuspenseStatus.OPEN:
            raise LedgerError("That line is no longer in suspense.", field="item")
        if item.service_index is None:
            raise LedgerError(
                "A whole claim in suspense is matched line by line: post its lines to the "
                "claim's lines one at a time (or close it).",
                field="item",
            )
        era = EraClaim.objects.select_related("era_payment__payment", "era_payment__era_file").get(
            pk=item.era_claim_id
        )
        claim = Claim.objects.get(pk=line.claim_id)
        if claim.practice_id != item.practice_id:
            raise LedgerError("That line is another practice's.", field="line")
        if era.status == REVERSAL_STATUS:
            raise LedgerError("A reversal is not matched to a line: close it.", field="item")
        from medoffice.formats.x12.common import Adjustment as Cas

        adjustments = [Cas(g, r, Decimal(a)) for g, r, a in item.detail.get("adjustments", [])]
        record = era.era_payment.era_file
        parsed_payment = era.era_payment.payment
        poster = _Poster.__new__(_Poster)
        poster.practice_id = item.practice_id
        poster.by = by
        poster.now = timezone.now()
        poster.day = parsed_payment.received_on
        poster.payment = parsed_payment
        poster.source = f"835 {record.name[:50]} trace {era.era_payment.trace_number}"[:120]
        poster.accounts = poster._accounts([claim.patient_id])
        poster.entry_rows = _entry_rows()
        plan = _ClaimPlan(era)
        plan.posting = bulk.new_uuid()
        to = (Party.PATIENT, None, None)
        base = poster._base(claim, line, plan)
        payer = poster._party(claim)
        pr = [a for a in adjustments if a.group == "PR"]
        if item.paid == ZERO and not pr and item.charge_amount > ZERO:
            first = adjustments[0] if adjustments else None
            poster._entry(
                plan, base, EntryKind.DENIAL, ZERO, payer, group=first.group if first else "",
                reason=first.reason if first else "",
            )  # fmt: skip
        else:
            poster._line_money(
                plan, base, payer, to, item.paid, adjustments, item.detail.get("remarks", [])
            )
        era_claim = poster.entry_rows.index["era_claim_id"]
        for row in plan.entries:
            row[era_claim] = era.pk
        poster.entry_rows.write(plan.entries)
        SuspenseItem.objects.filter(pk=item.pk).update(
            status=SuspenseStatus.MATCHED, matched_line=line, resolved_by=by,
            resolved_at=poster.now, resolution_note=note[:300],
        )  # fmt: skip
        audit_record(
            action=AuditAction.UPDATE, obj=item, patient=claim.patient, category=CATEGORY,
            detail=f"suspense line matched to claim line {line.number}",
        )  # fmt: skip
        return list(LedgerEntry.objects.filter(posting=plan.posting).order_by("id"))


def suspense_close(item: SuspenseItem, *, note: str, by=None) -> None:
    """Set a suspense item aside without posting (e.g. a reversal of a payment posted by hand
    and reversed by hand). Its money stays unapplied on the ERA's payment."""
    if not note.strip():
        raise LedgerError("Say why it is closed without posting.", field="note")
    with transaction.atomic():
        moved = SuspenseItem.objects.filter(pk=item.pk, status=SuspenseStatus.OPEN).update(
            status=SuspenseStatus.CLOSED, resolved_by=by, resolved_at=timezone.now(),
            resolution_note=note.strip()[:300],
        )  # fmt: skip
        if not moved:
            raise LedgerError("That line is no longer in suspense.", field="item")
        audit_record(
            action=AuditAction.UPDATE, obj=item, category=CATEGORY, detail="suspense item closed"
        )
