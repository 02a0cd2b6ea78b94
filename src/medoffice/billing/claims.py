"""Claims: made from signed encounters' standing charges, scrubbed, corrected, moved.

The writers of claims. They work on many claims at once with a fixed number of
queries (bulk reads with `values()`, `bulk_create`, `update()`), because a
night's send may hold ten thousand of them. Every status move goes through
`claims_move` (or `claim_move` for one claim): it refuses what the table in
billing/states.py does not allow, writes a `ClaimEvent` per claim (from, to,
why, source file or batch, who, when) and one audit event per call.
"""

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from medoffice.billing.codes import CodeBook, known_modifiers
from medoffice.billing.errors import ClaimNotReadyError, ClaimStateError
from medoffice.billing.models import (
    Charge,
    Claim,
    ClaimEvent,
    ClaimFrequency,
    ClaimLine,
    Encounter,
    EncounterDiagnosis,
    PayerRules,
)
from medoffice.billing.scrubber import (
    CoverageSnapshot,
    DiagnosisSnapshot,
    EncounterSnapshot,
    Issue,
    LineSnapshot,
    Severity,
    scrub,
)
from medoffice.billing.selectors import _Ncci, _payer_snapshot
from medoffice.billing.states import ClaimStatus, EncounterStatus, claim_can_move
from medoffice.core.audit import audit_record
from medoffice.core.bulk import ids_by, insert_rows
from medoffice.core.models import AuditAction
from medoffice.core.money import total

CATEGORY = "billing"
CHUNK = 2000
S = ClaimStatus
# A claim's status_reason says why it stands where it stands: a move clears it (unless the
# move gives a new one), but an appealed or closed claim keeps the denial it answers.
KEEPS_REASON = frozenset({S.APPEALED, S.CLOSED})


def new_control_number() -> str:
    """A claim's patient control number (CLM01): 16 random letters and digits, never reused
    (the column is unique), never derived from anything about the patient."""
    return secrets.token_hex(8).upper()


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- status moves


def claims_move(
    claims: Iterable[tuple[int, str]], to: str, *, note: str = "", source_file=None,
    batch=None, by=None, now=None, fields: dict | None = None, audit_object=None,
) -> int:  # fmt: skip
    """Move each (claim id, its status now) to `to`; returns how many moved.

    Refuses the whole call (ClaimStateError) when one move is not in the table or a claim's
    status changed meanwhile. `fields` are set on the claims in the same update; the old
    status_reason is cleared unless `fields` give one or the claim keeps it (KEEPS_REASON).
    """
    rows = list(claims)
    if not rows:
        return 0
    now = now or timezone.now()
    by_status: dict[str, list[int]] = defaultdict(list)
    for claim_id, current in rows:
        if not claim_can_move(current, to):
            raise ClaimStateError(
                f"A claim that is {S(current).label.lower()} cannot become {S(to).label.lower()}."
            )
        by_status[current].append(claim_id)
    values = {"status": to, "updated_at": now}
    if to not in KEEPS_REASON:
        values["status_reason"] = ""
    values.update(fields or {})
    with transaction.atomic():
        for current, ids in by_status.items():
            for chunk in _chunks(ids):
                moved = Claim.objects.filter(id__in=chunk, status=current).update(**values)
                if moved != len(chunk):
                    raise ClaimStateError(
                        "A claim changed meanwhile: nothing was moved; try again."
                    )
        source_file_id = source_file.pk if source_file is not None else None
        batch_id = batch.pk if batch is not None else None
        by_id = by.pk if by is not None else None
        insert_rows(
            ClaimEvent,
            (
                {
                    "claim_id": claim_id,
                    "from_status": current,
                    "to_status": to,
                    "note": note[:500],
                    "source_file_id": source_file_id,
                    "batch_id": batch_id,
                    "by_id": by_id,
                    "at": now,
                }  # fmt: skip
                for claim_id, current in rows
            ),
        )
        detail = f"{len(rows)} claim(s) -> {to}" + (f": {note}" if note else "")
        if len(rows) == 1:  # one claim: audited against its patient
            claim = Claim.objects.select_related("patient").get(pk=rows[0][0])
            audit_record(
                action=AuditAction.UPDATE, obj=claim, patient=claim.patient, category=CATEGORY,
                detail=detail,
            )  # fmt: skip
        else:  # a batch or a file's worth: one event naming it (the claims keep their events)
            target = audit_object or source_file or batch
            audit_record(
                action=AuditAction.UPDATE, category=CATEGORY, obj=target,
                object_type="billing.claim" if target is None else "", detail=detail,
            )  # fmt: skip
    return len(rows)


def claim_move(claim: Claim, to: str, *, note: str = "", by=None, source_file=None) -> Claim:
    """Move one claim (locked) and audit it against its patient."""
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if not claim_can_move(locked.status, to):
            raise ClaimStateError(
                f"This claim is {locked.get_status_display().lower()}: it cannot become "
                f"{S(to).label.lower()}."
            )
        now = timezone.now()
        ClaimEvent.objects.create(
            claim=locked, from_status=locked.status, to_status=to, note=note[:500], by=by,
            source_file=source_file, at=now,
        )  # fmt: skip
        locked.status = to
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, obj=locked, patient=locked.patient, category=CATEGORY,
            detail=f"claim -> {to}" + (f": {note}" if note else ""),
        )  # fmt: skip
    return locked


# ---------------------------------------------------------------- building


READY_ENCOUNTERS = (EncounterStatus.SIGNED, EncounterStatus.AMENDED)
HEADER = (
    "id", "practice_id", "patient_id", "provider_id", "location_id", "coverage_id",
    "coverage__payer_id", "date_of_service", "place_of_service", "referring_provider_name",
    "referring_provider_npi", "prior_authorization", "version",
)  # fmt: skip
CHARGE_FIELDS = (
    "id", "encounter_id", "code", "modifiers", "units", "amount", "date_of_service",
    "line__number", "line__pointer1", "line__pointer2", "line__pointer3", "line__pointer4",
)  # fmt: skip


def encounters_to_bill(*, practice_id: int) -> QuerySet:
    """Signed encounters with insurance that have no primary claim yet."""
    claimed = Claim.objects.filter(
        encounter=OuterRef("pk"), responsibility=1, frequency=ClaimFrequency.ORIGINAL
    )
    return Encounter.objects.filter(
        practice_id=practice_id, status__in=READY_ENCOUNTERS, coverage__isnull=False
    ).exclude(Exists(claimed))


def _standing_charges(encounter_ids: list[int]) -> dict[int, list[dict]]:
    # By the ids themselves, not the selection's subquery again: PostgreSQL without
    # statistics (tables filled moments before, as by `medoffice demo`) planned the nested
    # subqueries as nested loops, over 10 minutes for 650 visits.
    by_encounter: dict[int, list[dict]] = defaultdict(list)
    for chunk in _chunks(encounter_ids):
        rows = (
            Charge.objects.filter(encounter_id__in=chunk, reverses__isnull=True)
            .exclude(Exists(Charge.objects.filter(reverses=OuterRef("pk"))))
            .order_by("encounter_id", "line__number", "id")
            .values(*CHARGE_FIELDS)
        )
        for row in rows:
            by_encounter[row["encounter_id"]].append(row)
    return by_encounter


def _diagnoses(encounter_ids: list[int]) -> dict[int, list[str]]:
    by_encounter: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(encounter_ids):
        rows = EncounterDiagnosis.objects.filter(encounter_id__in=chunk).order_by(
            "encounter_id", "order"
        )
        for encounter_id, code in rows.values_list("encounter_id", "code"):
            by_encounter[encounter_id].append(code)
    return by_encounter


def _line(claim_id: int, number: int, pcn: str, charge: dict) -> ClaimLine:
    pointers = [charge[f"line__pointer{n}"] for n in range(1, 5)]
    return ClaimLine(
        claim_id=claim_id, number=number, charge_id=charge["id"], code=charge["code"],
        modifiers=charge["modifiers"], units=charge["units"], amount=charge["amount"],
        pointers=" ".join(str(p) for p in pointers if p),
        date_of_service=charge["date_of_service"], control_number=f"{pcn}-{number}",
    )  # fmt: skip


def _line_row(claim_id: int, number: int, pcn: str, charge: dict) -> dict:
    pointers = [charge[f"line__pointer{n}"] for n in range(1, 5)]
    return {
        "claim_id": claim_id, "number": number, "charge_id": charge["id"],
        "code": charge["code"], "modifiers": charge["modifiers"], "units": charge["units"],
        "amount": charge["amount"], "pointers": " ".join(str(p) for p in pointers if p),
        "date_of_service": charge["date_of_service"], "control_number": f"{pcn}-{number}",
    }  # fmt: skip


def claims_build(*, practice_id: int, by=None, encounters: QuerySet | None = None) -> list[int]:
    """Primary claims (status draft) for every signed, insured encounter of the practice that
    has none yet (or only for `encounters`); returns the new claims' ids."""
    wanted = encounters_to_bill(practice_id=practice_id)
    if encounters is not None:
        wanted = wanted.filter(pk__in=encounters.values("pk"))
    with transaction.atomic():
        headers = list(wanted.values(*HEADER))
        if not headers:
            return []
        ids = [h["id"] for h in headers]
        charges = _standing_charges(ids)
        diagnoses = _diagnoses(ids)
        now = timezone.now()
        claims = []
        for h in headers:
            lines = charges.get(h["id"])
            if not lines:
                continue  # every charge reversed: nothing to bill
            days = [c["date_of_service"] for c in lines]
            claims.append(
                {
                    "practice_id": h["practice_id"],
                    "patient_id": h["patient_id"],
                    "encounter_id": h["id"],
                    "encounter_version": h["version"],
                    "provider_id": h["provider_id"],
                    "location_id": h["location_id"],
                    "payer_id": h["coverage__payer_id"],
                    "coverage_id": h["coverage_id"],
                    "patient_control_number": new_control_number(),
                    "place_of_service": h["place_of_service"],
                    "service_from": min(days),
                    "service_to": max(days),
                    "diagnosis_codes": diagnoses.get(h["id"], []),
                    "referring_provider_name": h["referring_provider_name"],
                    "referring_provider_npi": h["referring_provider_npi"],
                    "prior_authorization": h["prior_authorization"],
                    "total_charge": total(c["amount"] for c in lines),
                    "created_by_id": by.pk if by is not None else None,
                    "created_at": now,
                    "updated_at": now,
                }  # fmt: skip
            )
        insert_rows(Claim, claims)
        ids = ids_by(Claim, "patient_control_number", [c["patient_control_number"] for c in claims])
        for claim in claims:
            claim["id"] = ids[claim["patient_control_number"]]
        insert_rows(
            ClaimLine,
            (
                _line_row(claim["id"], number, claim["patient_control_number"], charge)
                for claim in claims
                for number, charge in enumerate(charges[claim["encounter_id"]], start=1)
            ),
        )
        by_id = by.pk if by is not None else None
        insert_rows(
            ClaimEvent,
            (
                {
                    "claim_id": claim["id"],
                    "from_status": "",
                    "to_status": S.DRAFT,
                    "by_id": by_id,
                    "at": now,
                    "source_file_id": None,
                    "batch_id": None,
                    "note": f"made from the encounter's version {claim['encounter_version']}",
                }  # fmt: skip
                for claim in claims
            ),
        )
        if claims:
            audit_record(
                action=AuditAction.CREATE, object_type="billing.claim", category=CATEGORY,
                detail=f"{len(claims)} claim(s) made from signed encounters",
            )  # fmt: skip
    return [claim["id"] for claim in claims]


def claim_refresh(claim: Claim, *, by=None) -> Claim:
    """Make a not-yet-accepted claim's lines, diagnoses and header match its encounter's
    current version (after a correction of the encounter, or a change of coverage)."""
    if claim.status not in SCRUBBABLE:
        raise ClaimStateError("Only a claim the payer does not have yet is refreshed.")
    header = Encounter.objects.filter(pk=claim.encounter_id).values(*HEADER).get()
    charges = _standing_charges([claim.encounter_id]).get(claim.encounter_id, [])
    if not charges:
        raise ClaimNotReadyError("Every charge of this visit was reversed: nothing to bill.")
    with transaction.atomic():
        claim.lines.all().delete()
        ClaimLine.objects.bulk_create(
            _line(claim.id, n, claim.patient_control_number, c)
            for n, c in enumerate(charges, start=1)
        )
        claim.encounter_version = header["version"]
        claim.diagnosis_codes = _diagnoses([claim.encounter_id]).get(claim.encounter_id, [])
        claim.place_of_service = header["place_of_service"]
        claim.referring_provider_name = header["referring_provider_name"]
        claim.referring_provider_npi = header["referring_provider_npi"]
        claim.prior_authorization = header["prior_authorization"]
        if claim.responsibility == 1 and claim.frequency == ClaimFrequency.ORIGINAL:
            claim.coverage_id = header["coverage_id"] or claim.coverage_id
            claim.payer_id = header["coverage__payer_id"] or claim.payer_id
        days = [c["date_of_service"] for c in charges]
        claim.service_from, claim.service_to = min(days), max(days)
        claim.total_charge = total(c["amount"] for c in charges)
        claim.updated_at = timezone.now()
        claim.save()
    return claim


# ---------------------------------------------------------------- corrections


def claim_correct(*, claim: Claim, frequency: str, reason: str, by=None) -> Claim:
    """A replacement (7) or void (8) of a claim the payer has: a new draft claim pointing at
    it with the payer's claim number; the original is closed with the reason."""
    reason = (reason or "").strip()
    if frequency not in (ClaimFrequency.REPLACEMENT, ClaimFrequency.VOID):
        raise ClaimStateError("A correction replaces (7) or voids (8) a claim.")
    if not reason:
        raise ClaimNotReadyError("Say why the claim is replaced or voided.")
    from medoffice.billing.states import CLAIM_AT_PAYER

    with transaction.atomic():
        original = Claim.objects.select_for_update().get(pk=claim.pk)
        if original.status not in CLAIM_AT_PAYER:
            raise ClaimStateError(
                "Only a claim the payer has accepted is replaced or voided; "
                "a rejected claim is fixed and sent again."
            )
        now = timezone.now()
        correction = Claim.objects.create(
            practice_id=original.practice_id, patient_id=original.patient_id,
            encounter_id=original.encounter_id, encounter_version=original.encounter_version,
            provider_id=original.provider_id, location_id=original.location_id,
            payer_id=original.payer_id, coverage_id=original.coverage_id,
            responsibility=original.responsibility, primary_claim_id=original.primary_claim_id,
            frequency=frequency, original=original,
            patient_control_number=new_control_number(),
            payer_claim_number=original.payer_claim_number,
            place_of_service=original.place_of_service, service_from=original.service_from,
            service_to=original.service_to, diagnosis_codes=original.diagnosis_codes,
            referring_provider_name=original.referring_provider_name,
            referring_provider_npi=original.referring_provider_npi,
            prior_authorization=original.prior_authorization,
            total_charge=original.total_charge, created_by=by, created_at=now, updated_at=now,
        )  # fmt: skip
        ClaimLine.objects.bulk_create(
            ClaimLine(
                claim=correction,
                number=line.number,
                charge_id=line.charge_id,
                code=line.code,
                modifiers=line.modifiers,
                units=line.units,
                amount=line.amount,
                pointers=line.pointers,
                date_of_service=line.date_of_service,
                control_number=f"{correction.patient_control_number}-{line.number}",
            )  # fmt: skip
            for line in original.lines.all()
        )
        word = "replacement" if frequency == ClaimFrequency.REPLACEMENT else "void"
        ClaimEvent.objects.create(
            claim=correction, to_status=S.DRAFT, by=by, at=now,
            note=f"{word} of claim {original.patient_control_number}: {reason}",
        )  # fmt: skip
        audit_record(
            action=AuditAction.CREATE, obj=correction, patient=original.patient,
            category=CATEGORY, detail=f"{word} of claim {original.public_id}",
        )  # fmt: skip
        claim_move(
            original, S.CLOSED, by=by,
            note=f"{word} {correction.patient_control_number} made: {reason}",
        )  # fmt: skip
    if frequency == ClaimFrequency.REPLACEMENT:
        # A replacement carries what the encounter says now (the reason it is made).
        correction = claim_refresh(correction, by=by)
    return correction


# ---------------------------------------------------------------- scrubbing


CLAIM_FIELDS = (
    "id", "status", "encounter_id", "encounter_version", "encounter__version", "service_from",
    "place_of_service", "patient__sex_at_birth", "patient__dob", "coverage__status",
    "coverage__effective_start", "coverage__effective_end", "coverage__member_id",
    "coverage__order", "payer_id", "payer__name", "payer__member_id_pattern",
    "diagnosis_codes", "referring_provider_npi", "prior_authorization", "location__time_zone",
    "responsibility", "primary_claim_id", "frequency", "payer_claim_number", "issues",
    "location__name", "location__zip_code",
)  # fmt: skip
# A claim is scrubbed (again) until it goes out, and when it is fixed after a rejection.
SCRUBBABLE = (S.DRAFT, S.SCRUBBED, S.QUEUED, S.REJECTED)


def claim_level_issues(row: dict, *, primary_adjudicated: bool) -> list[Issue]:
    """What the claim needs beyond the encounter's own rules (pure: reads one row)."""
    import re

    found = []
    pattern = row["payer__member_id_pattern"]
    member_id = row["coverage__member_id"] or ""
    if pattern and not re.fullmatch(pattern, member_id):
        found.append(
            Issue(
                "MEMBER_ID_FORMAT",
                Severity.ERROR,
                f"The member id {member_id!r} is not in {row['payer__name']}'s format: check "
                "the insurance card and correct the patient's coverage.",
                "coverage.member_id",
            )  # fmt: skip
        )
    zip_code = (row["location__zip_code"] or "").replace("-", "")
    if len(zip_code) != 9 or not zip_code.isdigit():
        found.append(
            Issue(
                "BILLING_ZIP4",
                Severity.ERROR,
                f"The location {row['location__name']} has the ZIP code "
                f"{row['location__zip_code']!r}: a claim needs the billing provider's full "
                "ZIP+4 (e.g. 62701-1234). Add the last four digits to the location "
                "(Configuration -> Locations).",
                "location.zip_code",
            )  # fmt: skip
        )
    if row["responsibility"] > 1 and not primary_adjudicated:
        found.append(
            Issue(
                "PRIMARY_NOT_ADJUDICATED",
                Severity.ERROR,
                "A secondary claim goes out after the primary payer's remittance is posted.",
                "primary_claim",
            )  # fmt: skip
        )
    if row["frequency"] != ClaimFrequency.ORIGINAL and not row["payer_claim_number"]:
        found.append(
            Issue(
                "PAYER_CLAIM_NUMBER_MISSING",
                Severity.ERROR,
                "A replacement or void needs the payer's claim number of the original claim.",
                "payer_claim_number",
            )  # fmt: skip
        )
    return found


@dataclass
class ScrubReport:
    clean: list[int] = field(default_factory=list)
    with_errors: list[int] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return len(self.clean) + len(self.with_errors)


def _issue_json(issue: Issue) -> dict:
    return {
        "rule": issue.rule, "severity": str(issue.severity), "message": issue.message,
        "field": issue.field,
    }  # fmt: skip


def _office_today(zone: str, cache: dict) -> date:
    if zone not in cache:
        cache[zone] = timezone.now().astimezone(ZoneInfo(zone)).date()
    return cache[zone]


def claims_scrub(claims: QuerySet, *, by=None) -> ScrubReport:
    """Run the scrubber on each claim as it will be sent; clean ones become scrubbed, ones with
    an error go back to draft with their issues kept (`Claim.issues`)."""
    from medoffice.billing.models import Adjudication

    report = ScrubReport()
    claims = claims.filter(status__in=SCRUBBABLE)
    rows = list(claims.values(*CLAIM_FIELDS))
    if not rows:
        return report
    stale = [r for r in rows if r["encounter_version"] != r["encounter__version"]]
    for row in stale:  # the encounter was corrected since the claim was made (rare)
        if row["frequency"] == ClaimFrequency.ORIGINAL:
            claim_refresh(Claim.objects.get(pk=row["id"]), by=by)
    if stale:
        rows = list(claims.values(*CLAIM_FIELDS))
    ids = [r["id"] for r in rows]
    lines: dict[int, list[dict]] = defaultdict(list)
    for chunk in _chunks(ids, 5000):
        for line in (
            ClaimLine.objects.filter(claim_id__in=chunk)
            .order_by("claim_id", "number")
            .values("claim_id", "number", "code", "modifiers", "units", "pointers")
        ):
            lines[line["claim_id"]].append(line)
    primaries = {r["primary_claim_id"] for r in rows if r["primary_claim_id"]}
    adjudicated = set(
        Adjudication.objects.filter(claim_id__in=primaries, superseded=False).values_list(
            "claim_id", flat=True
        )
    )
    dx_codes = {code for r in rows for code in r["diagnosis_codes"]}
    px_codes = {line["code"] for ls in lines.values() for line in ls}
    book = CodeBook(icd10=dx_codes, procedures=px_codes)
    ncci = _Ncci(px_codes)
    modifiers = known_modifiers()
    payer_rules = {
        r.payer_id: r for r in PayerRules.objects.filter(payer_id__in={r["payer_id"] for r in rows})
    }
    payers = {}
    todays: dict[str, date] = {}
    issues_by_claim: dict[int, list[dict]] = {}
    for row in rows:
        day = row["service_from"]
        payer_id = row["payer_id"]
        if payer_id not in payers:
            payers[payer_id] = _payer_snapshot(
                _PayerName(row["payer__name"]), payer_rules.get(payer_id)
            )
        start, end = row["coverage__effective_start"], row["coverage__effective_end"]
        coverage = CoverageSnapshot(
            payer=payers[payer_id],
            active_on_service_date=row["coverage__status"] == "active" and start <= day
            and (end is None or day <= end),
            effective_start=start, effective_end=end, status=row["coverage__status"],
        )  # fmt: skip
        claim_lines = lines.get(row["id"], [])
        codes = {line["code"] for line in claim_lines}
        snapshot = EncounterSnapshot(
            date_of_service=day,
            today=_office_today(row["location__time_zone"], todays),
            place_of_service=row["place_of_service"],
            patient_sex=row["patient__sex_at_birth"],
            patient_dob=row["patient__dob"],
            coverage=coverage,
            diagnoses=tuple(
                DiagnosisSnapshot(order, code, book.icd10(code, day))
                for order, code in enumerate(row["diagnosis_codes"], start=1)
            ),
            lines=tuple(
                LineSnapshot(
                    line["number"],
                    line["code"],
                    tuple(line["modifiers"].split()),
                    line["units"],
                    tuple(int(p) for p in line["pointers"].split()),
                    book.procedure(line["code"], day),
                )  # fmt: skip
                for line in claim_lines
            ),
            referring_provider_npi=row["referring_provider_npi"],
            prior_authorization=row["prior_authorization"],
            ptp_pairs=ncci.pairs(codes, day),
            mue_limits=ncci.limits(codes, day),
            known_modifiers=modifiers,
        )
        result = scrub(snapshot)
        found = [
            *result.issues,
            *claim_level_issues(row, primary_adjudicated=row["primary_claim_id"] in adjudicated),
        ]
        issues_by_claim[row["id"]] = [_issue_json(i) for i in found]
        if any(i.severity == Severity.ERROR for i in found):
            report.with_errors.append(row["id"])
        else:
            report.clean.append(row["id"])
    now = timezone.now()
    status = {r["id"]: r["status"] for r in rows}
    with transaction.atomic():
        changed = [
            Claim(id=row["id"], issues=issues_by_claim[row["id"]])
            for row in rows
            if row["issues"] != issues_by_claim[row["id"]]
        ]
        Claim.objects.bulk_update(changed, ["issues"], batch_size=500)
        stamp = {"scrubbed_at": now}
        to_clean = [(i, status[i]) for i in report.clean if status[i] in (S.DRAFT, S.REJECTED)]
        claims_move(to_clean, S.SCRUBBED, by=by, now=now, note="scrubbed: no errors", fields=stamp)
        to_draft = [
            (i, status[i]) for i in report.with_errors if status[i] in (S.SCRUBBED, S.QUEUED)
        ]
        claims_move(
            to_draft, S.DRAFT, by=by, now=now, note="scrubber errors: fix and scrub again",
            fields=stamp,
        )  # fmt: skip
        moved = {i for i, _ in to_clean} | {i for i, _ in to_draft}
        for chunk in _chunks([i for i in ids if i not in moved], 5000):  # scrubbed, not moved
            Claim.objects.filter(id__in=chunk).update(**stamp)
    return report


@dataclass(frozen=True)
class _PayerName:
    name: str


def claim_scrub(claim: Claim, *, by=None) -> list[dict]:
    """Scrub one claim; returns its issues (errors first)."""
    claims_scrub(Claim.objects.filter(pk=claim.pk), by=by)
    claim.refresh_from_db()
    return claim.issues


def claim_errors(claim: Claim) -> list[dict]:
    return [i for i in claim.issues if i["severity"] == Severity.ERROR]
