"""Import patient demographics and insurance from another practice system's CSV export.

A named mapping says which column holds each of our fields (auto-matched from the
headers, then corrected by hand and saved for the next file of the same system). A dry
run says per row what would be created, updated or skipped and why, with field errors;
the commit does the same in one transaction, each row in its own savepoint. A row with an
error is skipped whole (never half a patient), and the commit refuses a file whose SHA-256
differs from its dry run's.

Rows are remembered by the old system's account number (the `source_id` column) under
"csv:<mapping name>", so a second import of the file updates nothing and creates nothing.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction, Practice
from medoffice.core.us import UsState
from medoffice.imports.fhir import sha256_of
from medoffice.imports.models import (
    CsvMapping,
    ImportedRecord,
    ImportKind,
    ImportRun,
    ImportStatus,
)
from medoffice.patients.duplicates import duplicate_candidates
from medoffice.patients.models import MEMBER_ID_PATTERN, Coverage, Patient, Payer
from medoffice.patients.search import to_e164
from medoffice.patients.services import coverage_add, patient_register, patient_update

# Our field -> (label, header names other systems use for it, required)
FIELDS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "source_id": ("Account number in the old system",
                  ("account", "account number", "acct", "chart number", "patient id",
                   "patient number", "id", "external id"), True),
    "first_name": ("First name", ("first", "first name", "given name", "fname"), True),
    "middle_name": ("Middle name", ("middle", "middle name", "mi", "middle initial"), False),
    "last_name": ("Last name", ("last", "last name", "surname", "family name", "lname"), True),
    "suffix": ("Suffix", ("suffix",), False),
    "dob": ("Date of birth", ("dob", "date of birth", "birth date", "birthdate", "birthday"),
            True),
    "sex_at_birth": ("Sex", ("sex", "gender", "birth sex"), True),
    "address1": ("Street address", ("address", "address1", "address 1", "street",
                                    "address line 1"), True),
    "address2": ("Apt, suite", ("address2", "address 2", "apt", "suite", "address line 2"),
                 False),
    "city": ("City", ("city", "town"), True),
    "state": ("State", ("state", "st", "province"), True),
    "zip_code": ("ZIP code", ("zip", "zip code", "zipcode", "postal code", "postcode"), True),
    "home_phone": ("Home phone", ("phone", "home phone", "telephone", "phone number"), False),
    "mobile_phone": ("Mobile phone", ("mobile", "cell", "cell phone", "mobile phone"), False),
    "work_phone": ("Work phone", ("work phone", "business phone"), False),
    "email": ("E-mail", ("email", "e-mail", "email address"), False),
    "payer": ("Insurance (payer name or payer id)", ("insurance", "payer", "payer name",
                                                     "insurance company", "carrier",
                                                     "payer id", "primary insurance"), False),
    "member_id": ("Member id", ("member id", "policy number", "subscriber id", "insurance id",
                                "policy", "member number"), False),
    "group_number": ("Group number", ("group", "group number", "group no"), False),
    "plan_name": ("Plan", ("plan", "plan name"), False),
    "coverage_start": ("Coverage start", ("effective date", "coverage start", "eff date",
                                          "policy start"), False),
}  # fmt: skip
PATIENT_FIELDS = (
    "first_name", "middle_name", "last_name", "suffix", "dob", "sex_at_birth", "address1",
    "address2", "city", "state", "zip_code", "home_phone", "mobile_phone", "work_phone",
    "email",
)  # fmt: skip
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y%m%d", "%m.%d.%Y")
SEX = {"f": "F", "female": "F", "w": "F", "woman": "F", "m": "M", "male": "M", "man": "M",
       "u": "U", "unknown": "U", "o": "U", "other": "U", "x": "U", "a": "U", "n": "U"}  # fmt: skip
STATES = {label.lower(): code for code, label in UsState.choices} | {
    code.lower(): code for code, _ in UsState.choices
}


class CsvImportError(ValueError):
    """The file cannot be read, or the mapping does not fit it: nothing is imported."""


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def auto_match(headers: list[str]) -> dict[str, str]:
    """Our field -> the file's header, by the names systems commonly give their columns."""
    by_name: dict[str, str] = {}
    for header in headers:
        plain = _norm(header)
        by_name.setdefault(plain, header)
        # "Patient First Name", "Pt DOB", "Ins Member ID": the prefix says whose, not what.
        for prefix in ("patient ", "pt ", "insurance ", "ins ", "primary "):
            if plain.startswith(prefix):
                by_name.setdefault(plain[len(prefix) :], header)
    matched: dict[str, str] = {}
    used: set[str] = set()
    for name, (label, synonyms, _) in FIELDS.items():
        for candidate in (name.replace("_", " "), _norm(label), *synonyms):
            header = by_name.get(_norm(candidate))
            if header and header not in used:
                matched[name] = header
                used.add(header)
                break
    return matched


def read_csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # older Windows exports
    if not text.strip():
        raise CsvImportError("the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except csv.Error as exc:
        raise CsvImportError(f"line {reader.line_num}: {exc}") from None
    headers = [h for h in (reader.fieldnames or []) if h]
    if not headers:
        raise CsvImportError("line 1: no header row")
    return headers, rows


def mapping_errors(columns: dict[str, str], headers: list[str]) -> list[str]:
    errors = []
    for name, (label, _, required) in FIELDS.items():
        header = columns.get(name) or ""
        if header and header not in headers:
            errors.append(f"{label}: the file has no column {header!r}")
        elif required and not header:
            errors.append(f"{label}: choose the column that holds it")
    return errors


def parse_date(text: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a civil date
        except ValueError:
            continue
    return None


@dataclass
class RowPlan:
    line: int  # the row's line in the file (the header is line 1)
    source_id: str
    action: str = ""  # create, update, unchanged, skip
    detail: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    patient_fields: dict = field(default_factory=dict)
    coverage_fields: dict = field(default_factory=dict)
    patient: Patient | None = None
    changes: list[str] = field(default_factory=list)

    def as_line(self) -> dict:
        errors = "; ".join(f"{name}: {message}" for name, message in self.errors.items())
        return {"entry": self.line, "type": "row", "id": self.source_id,
                "outcome": self.action, "detail": errors or self.detail}  # fmt: skip


def _values(row: dict, columns: dict[str, str]) -> dict[str, str]:
    return {name: row.get(header, "") for name, header in columns.items() if header}


def _check(values: dict[str, str], plan: RowPlan, today: date) -> None:
    """Field by field, into plan.patient_fields / plan.coverage_fields or plan.errors."""
    errors, fields = plan.errors, plan.patient_fields
    for name in PATIENT_FIELDS:
        label, _, required = FIELDS[name]
        value = values.get(name, "")
        if not value:
            if required:
                errors[name] = f"{label} is empty"
            continue
        if name == "dob":
            day = parse_date(value)
            if day is None:
                errors[name] = f"{value!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)"
            elif day > today:
                errors[name] = f"{value} is in the future"
            else:
                fields[name] = day
        elif name == "sex_at_birth":
            if value.lower() not in SEX:
                errors[name] = f"{value!r} is not a sex code (F, M, U)"
            else:
                fields[name] = SEX[value.lower()]
        elif name == "state":
            if value.lower() not in STATES:
                errors[name] = f"{value!r} is not a US state"
            else:
                fields[name] = STATES[value.lower()]
        elif name.endswith("_phone"):
            if not to_e164(value):
                errors[name] = f"{value!r} is not a valid phone number"
            else:
                fields[name] = to_e164(value)
        else:
            fields[name] = value
    payer_text = values.get("payer", "")
    member_id = values.get("member_id", "")
    if payer_text or member_id:
        payer = Payer.objects.filter(payer_id=payer_text.upper(), is_active=True).first() or (
            Payer.objects.filter(name__iexact=payer_text, is_active=True).first()
        )
        if payer is None:
            errors["payer"] = f"no payer named or with payer id {payer_text!r}"
        if not re.fullmatch(MEMBER_ID_PATTERN, member_id):
            errors["member_id"] = f"{member_id!r} is not a member id (2-30 letters, digits, -)"
        start_text = values.get("coverage_start", "")
        start = parse_date(start_text) if start_text else None
        if start_text and start is None:
            errors["coverage_start"] = f"{start_text!r} is not a date"
        plan.coverage_fields = {
            "payer": payer, "member_id": member_id, "order": 1,
            "group_number": values.get("group_number", "")[:30],
            "plan_name": values.get("plan_name", "")[:100],
            "effective_start": start or today,
        }  # fmt: skip


def _plan_row(practice: Practice, source: str, plan: RowPlan, values: dict, today) -> None:
    _check(values, plan, today)
    if plan.errors:
        plan.action = "skip"
        return
    record = ImportedRecord.objects.filter(
        practice=practice, source=source, resource_type="Patient", source_id=plan.source_id
    ).first()
    patient = Patient.objects.filter(pk=record.object_id).first() if record else None
    if patient is None:
        candidates = duplicate_candidates(
            practice_id=practice.id, first_name=plan.patient_fields["first_name"],
            last_name=plan.patient_fields["last_name"], dob=plan.patient_fields["dob"],
            phones=[plan.patient_fields.get(c, "") for c in ("home_phone", "mobile_phone")],
        )  # fmt: skip
        if candidates:
            best = candidates[0]
            if "same name" in best.reasons and "same date of birth" in best.reasons:
                patient = best.patient
            else:
                listed = ", ".join(f"MRN {c.patient.mrn} ({', '.join(c.reasons)})"
                                   for c in candidates[:3])  # fmt: skip
                plan.action, plan.detail = "skip", f"held for review: probably {listed}"
                return
    plan.patient = patient
    if patient is None:
        plan.action, plan.detail = "create", "new patient"
        if plan.coverage_fields:
            plan.detail += f" with coverage {plan.coverage_fields['payer'].payer_id}"
        return
    plan.changes = sorted(
        name for name, value in plan.patient_fields.items() if getattr(patient, name) != value
    )
    new_coverage = plan.coverage_fields and not _has_coverage(patient, plan.coverage_fields)
    if not plan.changes and not new_coverage:
        plan.action, plan.detail = "unchanged", f"MRN {patient.mrn} already says this"
        return
    parts = [f"fields: {', '.join(plan.changes)}"] if plan.changes else []
    if new_coverage:
        parts.append(f"add coverage {plan.coverage_fields['payer'].payer_id}")
    plan.action, plan.detail = "update", f"MRN {patient.mrn}: " + "; ".join(parts)


def _has_coverage(patient: Patient, fields: dict) -> bool:
    return any(
        c.payer_id == fields["payer"].pk and c.member_id == fields["member_id"]
        for c in Coverage.objects.filter(patient=patient)
    )


def plan_rows(data: bytes, *, practice: Practice, mapping: CsvMapping) -> list[RowPlan]:
    headers, rows = read_csv(data)
    errors = mapping_errors(mapping.columns, headers)
    if errors:
        raise CsvImportError(
            f"mapping {mapping.name!r} does not fit this file: " + "; ".join(errors)
        )
    source = f"csv:{mapping.name}"
    today = today_at(practice)  # "in the future" and coverage starts: the office's day
    plans, seen = [], set()
    for number, row in enumerate(rows, start=2):
        values = _values(row, mapping.columns)
        plan = RowPlan(line=number, source_id=values.get("source_id", ""))
        if not plan.source_id:
            plan.errors["source_id"] = "the account number is empty"
            plan.action = "skip"
        elif plan.source_id in seen:
            plan.action, plan.detail = "skip", "the same account number is on an earlier row"
        else:
            seen.add(plan.source_id)
            _plan_row(practice, source, plan, values, today)
        plans.append(plan)
    return plans


def _run(practice, mapping, *, data, name, by, origin, status) -> ImportRun:
    now = timezone.now()
    return ImportRun(
        practice=practice, kind=ImportKind.CSV, name=name[:200], sha256=sha256_of(data),
        source=f"csv:{mapping.name}"[:100], status=status, mapping=mapping, by=by,
        origin=origin, started_at=now, finished_at=now,
    )  # fmt: skip


def _count(run: ImportRun, plans: list[RowPlan]) -> None:
    run.created = sum(p.action == "create" for p in plans)
    run.linked = sum(p.action == "update" for p in plans)  # matched rows we brought up to date
    run.unchanged = sum(p.action == "unchanged" for p in plans)
    run.skipped = sum(p.action == "skip" and not p.errors for p in plans)
    run.failed = sum(bool(p.errors) for p in plans)
    run.report = [p.as_line() for p in plans]


def csv_upload(data: bytes, *, practice: Practice, name: str, by=None) -> ImportRun:
    """Keep an uploaded file for its mapping step (read now, so a bad file is refused now)."""
    read_csv(data)
    now = timezone.now()
    run = ImportRun(
        practice=practice, kind=ImportKind.CSV, name=name[:200], sha256=sha256_of(data),
        source="csv", status=ImportStatus.DRY_RUN, by=by, origin="upload", started_at=now,
        finished_at=now, content=data,
    )  # fmt: skip
    run.save()
    audit_record(action=AuditAction.CREATE, obj=run, category="imports", detail="csv uploaded")
    return run


@transaction.atomic
def csv_dry_run(data: bytes, *, practice: Practice, mapping: CsvMapping, name: str, by=None,
                origin: str = "command", run: ImportRun | None = None) -> ImportRun:  # fmt: skip
    """Plan every row and record the plan (and the file, for the commit); change nothing.
    `run`: an uploaded file's run, planned again with this mapping."""
    plans = plan_rows(data, practice=practice, mapping=mapping)
    if run is None:
        run = _run(practice, mapping, data=data, name=name, by=by, origin=origin,
                   status=ImportStatus.DRY_RUN)  # fmt: skip
        run.content = data
    run.mapping, run.source = mapping, f"csv:{mapping.name}"[:100]
    run.finished_at = timezone.now()
    _count(run, plans)
    run.save()
    audit_record(action=AuditAction.QUERY, obj=run, category="imports",
                 detail=f"csv dry run: {len(plans)} rows")  # fmt: skip
    return run


def csv_commit(data: bytes, *, dry_run: ImportRun, by=None, origin: str = "command") -> ImportRun:
    """Import what the dry run planned, refusing a file that is not the dry run's."""
    if dry_run.status != ImportStatus.DRY_RUN or dry_run.mapping is None:
        raise CsvImportError("only a dry run can be committed")
    if sha256_of(data) != dry_run.sha256:
        raise CsvImportError(
            f"the file changed since its dry run of {dry_run.started_at:%Y-%m-%d %H:%M}: "
            "run the dry run again and check it"
        )
    practice, mapping = dry_run.practice, dry_run.mapping
    source = f"csv:{mapping.name}"
    with transaction.atomic():
        plans = plan_rows(data, practice=practice, mapping=mapping)
        run = _run(practice, mapping, data=data, name=dry_run.name, by=by, origin=origin,
                   status=ImportStatus.IMPORTED)  # fmt: skip
        run.save()
        for plan in plans:
            if plan.action in ("create", "update"):
                _commit_row(plan, run=run, source=source)
        _count(run, plans)
        run.finished_at = timezone.now()
        run.save()
        audit_record(action=AuditAction.CREATE, obj=run, category="imports",
                     detail=f"csv import: {run.created} created, {run.linked} updated, "
                            f"{run.failed} rows with errors")  # fmt: skip
    return run


def _commit_row(plan: RowPlan, *, run: ImportRun, source: str) -> None:
    try:
        with transaction.atomic():
            patient = plan.patient
            if patient is None:
                patient = patient_register(
                    practice=run.practice, fields=plan.patient_fields,
                    confirm_not_duplicate=True, imported_from=source,
                )  # fmt: skip
            elif plan.changes:
                patient = patient_update(
                    patient=patient, fields={n: plan.patient_fields[n] for n in plan.changes}
                )
            if plan.coverage_fields and not _has_coverage(patient, plan.coverage_fields):
                coverage_add(patient=patient, fields=plan.coverage_fields)
            ImportedRecord.objects.get_or_create(
                practice=run.practice, source=source, resource_type="Patient",
                source_id=plan.source_id,
                defaults={"object_type": "patients.patient", "object_id": patient.pk, "run": run,
                          "linked": plan.patient is not None},
            )  # fmt: skip
            if plan.action == "create":
                plan.detail = f"registered as MRN {patient.mrn}" + plan.detail[len("new patient") :]
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
        plan.errors = {name: " ".join(msgs) for name, msgs in messages.items()}
        plan.action = "skip"


def mapping_save(*, practice: Practice, name: str, columns: dict[str, str]) -> CsvMapping:
    mapping, _ = CsvMapping.objects.update_or_create(
        practice=practice, name=name.strip()[:80],
        defaults={"columns": {k: v for k, v in columns.items() if k in FIELDS and v}},
    )  # fmt: skip
    return mapping
