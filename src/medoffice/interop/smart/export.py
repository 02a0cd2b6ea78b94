"""FHIR Bulk Data export ($export): kick-off, the worker's run, status, files, cancel.

A kick-off writes an ExportJob and queues `run_export` (django-tasks; `medoffice worker`
runs it). The job writes one ndjson file per resource type under EXPORTS_DIR, each under a
generated name with its SHA-256 kept (DP-04), outside anything the web server serves; the
files are read back only by the authorising view, for the client and user that asked,
and their digest is checked on every read. Each exported patient leaves one audit row
(action export) naming the requester and the app, as a chart export from the UI does.

Who may export: a token whose scopes allow reading every exported type for the whole
practice (`user/` or `system/`, not `patient/`), of a user whose role holds
`patients.export_patient` (records staff; a backend service whose role does) and the read
permission of every exported type (without `_type`: the types the token and role allow).
The resources are the FHIR API's own (resources.py), so the same role checks apply.
"""

import hashlib
import json
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from medoffice.core.audit import audit_record
from medoffice.core.context import acting_as, actor_for_user
from medoffice.core.models import AuditAction, Provider
from medoffice.interop.smart import resources
from medoffice.interop.smart.models import ExportFile, ExportJob, ExportKind, ExportStatus
from medoffice.patients.models import Patient, PatientStatus

logger = logging.getLogger(__name__)

EXPORT_PERMISSION = "patients.export_patient"


class ExportRefused(Exception):
    """The kick-off cannot be accepted: `status` and an OperationOutcome `code`."""

    def __init__(self, status: int, code: str, diagnostics: str):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    group_id: str = ""
    types: tuple[str, ...] = ()
    since: datetime | None = None


def exportable_types() -> tuple[str, ...]:
    return resources.exportable_types()


def parse_types(text: str) -> tuple[str, ...]:
    """The `_type` list; empty for "every type the token and role may read"."""
    if not text:
        return ()
    wanted = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    unknown = [t for t in wanted if t not in exportable_types()]
    if unknown:
        raise ExportRefused(400, "not-supported", f"_type: cannot export {', '.join(unknown)}")
    return wanted


def parse_since(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExportRefused(400, "invalid", "_since must be a FHIR instant") from None
    if timezone.is_naive(value):
        raise ExportRefused(400, "invalid", "_since needs a time zone (an instant)")
    return value


def group_patients(practice_id: int, group_id: str):
    """A Group is a provider's panel: the patients whose primary care provider they are."""
    provider = Provider.objects.filter(practice_id=practice_id, public_id=group_id).first()
    if provider is None:
        return None, Patient.objects.none()
    return provider, Patient.objects.filter(
        practice_id=practice_id, primary_care_provider=provider
    ).exclude(status=PatientStatus.MERGED)


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@transaction.atomic
def export_kick_off(*, principal, request: ExportRequest, request_url: str) -> ExportJob:
    from medoffice.core.access import practice_id_for
    from medoffice.core.policy import has_permission

    if not has_permission(principal.user, EXPORT_PERMISSION):
        raise ExportRefused(403, "forbidden", f"the user's role lacks {EXPORT_PERMISSION}")

    def may_export(resource_type: str) -> bool:
        return (
            principal.grant.allows(resource_type, "search")
            and not principal.confined_to_patient(resource_type, "search")
            and has_permission(principal.user, resources.read_permission(resource_type))
        )

    if request.types:
        refused = [t for t in request.types if not may_export(t)]
        if refused:
            raise ExportRefused(
                403, "forbidden", f"the token or role does not allow exporting {', '.join(refused)}"
            )
        types = request.types
    else:  # every type the token and the role may read
        types = tuple(t for t in exportable_types() if may_export(t))
    practice_id = practice_id_for(principal.user)
    if request.kind == ExportKind.GROUP:
        provider = None
        if _is_uuid(request.group_id):
            provider, _ = group_patients(practice_id, request.group_id)
        if provider is None:
            raise ExportRefused(404, "not-found", f"Group/{request.group_id} is not known")
    job = ExportJob.objects.create(
        practice_id=practice_id,
        requested_by=principal.user,
        client_id=principal.client_id,
        scope=" ".join(principal.grant.scopes),
        kind=request.kind,
        group_id=request.group_id,
        types=list(types),
        since=request.since,
        request_url=request_url,
    )
    audit_record(
        action=AuditAction.EXPORT,
        obj=job,
        category="export",
        detail=f"bulk export {request.kind} kicked off: {','.join(types)}"[:150],
    )
    job_id = str(job.public_id)
    transaction.on_commit(lambda: run_export.enqueue(job_id))
    return job


def export_get_for_principal(principal, public_id) -> ExportJob | None:
    """The job, only for the user and app that asked for it."""
    if not _is_uuid(str(public_id)):
        return None
    return ExportJob.objects.filter(
        public_id=public_id, requested_by=principal.user, client_id=principal.client_id
    ).first()


def export_file_get_for_principal(principal, public_id) -> ExportFile | None:
    if not _is_uuid(str(public_id)):
        return None
    return (
        ExportFile.objects.select_related("job")
        .filter(
            public_id=public_id,
            job__requested_by=principal.user,
            job__client_id=principal.client_id,
            job__status=ExportStatus.COMPLETED,
        )
        .first()
    )


def export_cancel(*, job: ExportJob) -> None:
    """DELETE on the status URL: stop the job (the worker checks between patients) and
    remove whatever it wrote."""
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.CANCELLED, finished_at=timezone.now()
        )
        audit_record(action=AuditAction.DELETE, obj=job, category="export",
                     detail="bulk export cancelled")  # fmt: skip
    _remove_files(job)


def _remove_files(job: ExportJob) -> None:
    for file in ExportFile.objects.filter(job=job):
        file_path(file).unlink(missing_ok=True)
    ExportFile.objects.filter(job=job).delete()
    folder = Path(settings.EXPORTS_DIR) / str(job.public_id)
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()


def file_path(file: ExportFile) -> Path:
    return Path(settings.EXPORTS_DIR) / str(file.job.public_id) / file.storage_name


class IntegrityError(Exception):
    """A stored export file no longer matches the digest taken when it was written."""


def export_file_open(file: ExportFile) -> bytes:
    """The file's bytes, refused if they changed since they were written (DP-04)."""
    data = file_path(file).read_bytes()
    if hashlib.sha256(data).hexdigest() != file.sha256:
        raise IntegrityError(f"export file {file.public_id} fails its SHA-256 check")
    return data


def _is_cancelled(job: ExportJob) -> bool:
    return (
        ExportJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()
        == ExportStatus.CANCELLED
    )


class _Writer:
    """One ndjson file per resource type, written as resources come."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files: dict[str, tuple[str, object, object, int]] = {}

    def write(self, resource: dict) -> None:
        kind = resource["resourceType"]
        if kind not in self.files:
            name = f"{secrets.token_hex(16)}.ndjson"
            handle = (self.folder / name).open("wb")
            self.files[kind] = (name, handle, hashlib.sha256(), 0)
        name, handle, digest, count = self.files[kind]
        line = json.dumps(resource, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        handle.write(line)
        digest.update(line)
        self.files[kind] = (name, handle, digest, count + 1)

    def close(self) -> list[tuple[str, str, str, int, int]]:
        done = []
        for kind, (name, handle, digest, count) in self.files.items():
            handle.close()
            done.append(
                (kind, name, digest.hexdigest(), count, (self.folder / name).stat().st_size)
            )
        return done


def export_run(job_public_id: str) -> ExportJob:
    """Write the job's files (the worker calls this); never raises for a bad job."""
    job = ExportJob.objects.select_related("requested_by__staff").get(public_id=job_public_id)
    if job.status != ExportStatus.ACCEPTED:
        return job
    transaction_time = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, transaction_time=transaction_time, progress="starting"
    )
    folder = Path(settings.EXPORTS_DIR) / str(job.public_id)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    actor = actor_for_user(job.requested_by, via_app=f"app={job.client_id} export={job.public_id}")
    writer = _Writer(folder)
    try:
        with acting_as(actor):
            patient_ids = None  # every patient of the practice
            if job.kind == ExportKind.GROUP:
                _, members = group_patients(job.practice_id, job.group_id)
                patient_ids = [str(p) for p in members.values_list("public_id", flat=True)]
            touched: Counter = Counter()
            for done, resource_type in enumerate(job.types, start=1):
                if _is_cancelled(job):
                    writer.close()
                    _remove_files(job)
                    return job
                for patient_id, resource in resources.type_resources(
                    resource_type, user=job.requested_by, patient_ids=patient_ids,
                    since=job.since,
                ):  # fmt: skip
                    writer.write(resource)
                    if patient_id:
                        touched[patient_id] += 1
                ExportJob.objects.filter(pk=job.pk).update(
                    progress=f"{done} of {len(job.types)} resource types"
                )
            for patient_id, count in sorted(touched.items()):
                audit_record(action=AuditAction.EXPORT, category="export",
                             patient=SimpleNamespace(public_id=patient_id),
                             object_type="smart.exportjob", object_id=str(job.public_id),
                             detail=f"bulk export: {count} resources")  # fmt: skip
            finished = writer.close()
            with transaction.atomic():
                if _is_cancelled(job):
                    _remove_files(job)
                    return job
                for kind, name, digest, count, size in finished:
                    ExportFile.objects.create(job=job, resource_type=kind, storage_name=name,
                                              count=count, size=size, sha256=digest)  # fmt: skip
                ExportJob.objects.filter(pk=job.pk).update(
                    status=ExportStatus.COMPLETED, finished_at=timezone.now(),
                    progress=f"{len(job.types)} of {len(job.types)} resource types",
                )  # fmt: skip
    except Exception as exc:  # the job says it failed; the client sees that when it polls
        logger.error("bulk export %s failed (%s)", job.public_id, type(exc).__name__)
        writer.close()
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(),
            error=f"the export failed ({type(exc).__name__})",
        )  # fmt: skip
        _remove_files(job)
    job.refresh_from_db()
    return job


@task(queue_name="default")
def run_export(job_public_id: str) -> str:
    """The worker's side of a kick-off: write the files; returns the job's final status."""
    return export_run(job_public_id).status


def manifest(job: ExportJob, *, file_url) -> dict:
    """The completed job's output manifest (Bulk Data Access IG, status request)."""
    return {
        "transactionTime": job.transaction_time.isoformat().replace("+00:00", "Z"),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": f.resource_type,
                "url": file_url(f),
                "count": f.count,
                "extension": {"sha256": f.sha256},
            }
            for f in job.files.order_by("resource_type")
        ],  # fmt: skip
        "error": [],
    }
