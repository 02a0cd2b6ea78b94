"""Loading import runs for a user: only their own practice's, else 404 (AC-02); every
look at a run's report is audited (it names the records made from the file).

A run is the practice's (one file, many patients), so a user limited to locations
(core/access.py) sees the run, but not the lines of its report about patients outside
their locations: those lines say only that (`visible_report`). A line is about a patient
when the import made or linked that patient's record from it (ImportedRecord) or when it
names one of our MRNs (a match, a candidate held for review).
"""

import re

from django.apps import apps
from django.http import Http404

from medoffice.core.access import location_limit, patient_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.imports.models import ImportedRecord, ImportKind, ImportRun

HIDDEN_LINE = "A patient outside your locations."
_MRN = re.compile(r"\bMRN ([A-Za-z0-9-]+)")


def import_run_get_for_user(user, public_id) -> ImportRun:
    run = ImportRun.objects.filter(practice_id=practice_id_for(user), public_id=public_id).first()
    if run is None:
        raise Http404
    audit_record(action=AuditAction.READ, obj=run, category="imports", detail="import report")
    run.visible_report, run.hidden_lines = visible_report(user, run)
    return run


def _patients_of_lines(run: ImportRun) -> list[set[int]]:
    """For each line of the report, the pks of our patients it is about."""
    Patient = apps.get_model("patients", "Patient")
    lines = run.report or []
    source_type = {ImportKind.CSV: "Patient"}.get(run.kind)  # a CSV row is one patient
    keys = {(source_type or line.get("type"), line.get("id")) for line in lines if line.get("id")}
    records = {
        (r.resource_type, r.source_id): r
        for r in ImportedRecord.objects.filter(
            practice_id=run.practice_id, source=run.source,
            source_id__in={source_id for _type, source_id in keys},
        )
    }  # fmt: skip
    owners: dict[tuple[str, int], int | None] = {}
    for record in records.values():
        if record.object_type == "patients.patient":
            owners[(record.object_type, record.object_id)] = record.object_id
        else:
            model = apps.get_model(record.object_type)
            has_patient = any(f.name == "patient" for f in model._meta.get_fields())
            row = (
                model.objects.filter(pk=record.object_id).values("patient_id").first()
                if has_patient
                else None
            )
            owners[(record.object_type, record.object_id)] = row and row["patient_id"]
    mrns = {mrn for line in lines for mrn in _MRN.findall(str(line.get("detail", "")))}
    by_mrn = dict(
        Patient.objects.filter(practice_id=run.practice_id, mrn__in=mrns).values_list("mrn", "pk")
    )
    found = []
    for line in lines:
        pks = {by_mrn[m] for m in _MRN.findall(str(line.get("detail", ""))) if m in by_mrn}
        record = records.get((source_type or line.get("type"), line.get("id")))
        if record is not None:
            owner = owners.get((record.object_type, record.object_id))
            if owner is not None:
                pks.add(owner)
        found.append(pks)
    return found


def visible_report(user, run: ImportRun) -> tuple[list[dict], int]:
    """The report's lines as the user may see them, and how many were hidden: all of them
    for a user of the whole practice; for a location-limited one, a line about a patient
    outside their locations keeps only its place and outcome."""
    lines = list(run.report or [])
    if location_limit(user) is None or not lines:
        return lines, 0
    Patient = apps.get_model("patients", "Patient")
    about = _patients_of_lines(run)
    wanted = set().union(*about)
    reachable = set(
        Patient.objects.filter(patient_scope(user), pk__in=wanted).values_list("pk", flat=True)
    )
    shown, hidden = [], 0
    for line, pks in zip(lines, about, strict=True):
        if pks - reachable:
            hidden += 1
            line = {"entry": line.get("entry"), "type": line.get("type"), "id": "",
                    "outcome": line.get("outcome"), "detail": HIDDEN_LINE}  # fmt: skip
        shown.append(line)
    return shown, hidden


def import_run_list_for_user(user) -> list[ImportRun]:
    runs = list(
        ImportRun.objects.filter(practice_id=practice_id_for(user))
        .defer("report", "content")
        .order_by("-started_at", "-id")[:200]
    )
    audit_record(
        action=AuditAction.QUERY, object_type="imports.importrun", category="imports",
        detail=f"{len(runs)} import runs listed",
    )  # fmt: skip
    return runs


def decision_allowed(user, run: ImportRun, source_id: str, decision: str) -> bool:
    """A held patient may be decided by a user who sees its line, as someone new or as one
    of the patients the user may reach (by MRN): outside their locations looks absent."""
    if source_id not in {line["id"] for line in visible_report(user, run)[0] if line["id"]}:
        return False
    if decision == "new":
        return True
    Patient = apps.get_model("patients", "Patient")
    return Patient.objects.filter(patient_scope(user), mrn=decision.strip().upper()).exists()
