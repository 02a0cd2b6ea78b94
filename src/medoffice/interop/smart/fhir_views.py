"""Bulk Data export under /fhir/: bearer tokens only, OperationOutcome errors.

These routes are `public` in the route policy because they authenticate their caller
themselves, with a SMART access token (tokens.py); a staff session is no credential here.
Each declares the role permission and the scope it checks.
"""

import json

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import public
from medoffice.interop.smart import export as bulk
from medoffice.interop.smart.models import ExportKind, ExportStatus
from medoffice.interop.smart.tokens import TokenRefused, principal_from_request

FHIR_JSON = "application/fhir+json"
NDJSON = "application/fhir+ndjson"


def operation_outcome(status: int, code: str, diagnostics: str, **headers) -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _unauthorised(refused: TokenRefused | None = None) -> HttpResponse:
    if refused is None:
        return operation_outcome(401, "login", "A SMART access token is required",
                                 WWW_Authenticate='Bearer realm="fhir"')  # fmt: skip
    return operation_outcome(401, "login", refused.description,
                             WWW_Authenticate=refused.challenge)  # fmt: skip


def with_token(view):
    """Resolve the bearer token to a principal (request.smart_principal) or answer 401."""

    def wrapper(request, *args, **kwargs):
        try:
            principal = principal_from_request(request)
        except TokenRefused as refused:
            return _unauthorised(refused)
        if principal is None:
            return _unauthorised()
        response = view(request, principal, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return public(csrf_exempt(wrapper))


def _kick_off(request, principal, kind: str, group_id: str = ""):
    if "respond-async" not in request.headers.get("Prefer", ""):
        return operation_outcome(400, "invalid", "Bulk export needs 'Prefer: respond-async'")
    accept = request.headers.get("Accept", FHIR_JSON)
    if accept not in ("*/*", FHIR_JSON, "application/json"):
        return operation_outcome(400, "not-supported", "Accept must be application/fhir+json")
    output_format = request.GET.get("_outputFormat", NDJSON)
    if output_format not in (NDJSON, "application/ndjson", "ndjson"):
        return operation_outcome(400, "not-supported", "_outputFormat: ndjson only")
    try:
        wanted = bulk.ExportRequest(
            kind=kind,
            group_id=group_id,
            types=bulk.parse_types(request.GET.get("_type", "")),
            since=bulk.parse_since(request.GET.get("_since", "")),
        )
        job = bulk.export_kick_off(
            principal=principal, request=wanted, request_url=request.build_absolute_uri()
        )
    except bulk.ExportRefused as refused:
        return operation_outcome(refused.status, refused.code, refused.diagnostics)
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("smart:export-status", kwargs={"public_id": job.public_id})
    )
    return response


@require_http_methods(["GET"])
@with_token
def export_all(request, principal):
    """GET /fhir/$export: everything the practice has, of the requested types."""
    return _kick_off(request, principal, ExportKind.SYSTEM)


@require_http_methods(["GET"])
@with_token
def export_patients(request, principal):
    """GET /fhir/Patient/$export: every patient's records."""
    return _kick_off(request, principal, ExportKind.PATIENT)


@require_http_methods(["GET"])
@with_token
def export_group(request, principal, group_id):
    """GET /fhir/Group/<id>/$export: the records of a provider's panel."""
    return _kick_off(request, principal, ExportKind.GROUP, group_id=group_id)


@require_http_methods(["GET", "DELETE"])
@with_token
def export_status(request, principal, public_id):
    job = bulk.export_get_for_principal(principal, public_id)
    if job is None:
        return operation_outcome(404, "not-found", "No such export")
    if request.method == "DELETE":
        if job.status in (ExportStatus.CANCELLED, ExportStatus.FAILED):
            return operation_outcome(404, "not-found", "The export was cancelled or failed")
        bulk.export_cancel(job=job)
        return HttpResponse(status=202)
    if job.status in (ExportStatus.ACCEPTED, ExportStatus.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or job.get_status_display()
        response["Retry-After"] = "2"
        return response
    if job.status == ExportStatus.CANCELLED:
        return operation_outcome(404, "not-found", "The export was cancelled")
    if job.status == ExportStatus.FAILED:
        return operation_outcome(422, "exception", job.error or "The export failed")

    def file_url(file):
        return request.build_absolute_uri(
            reverse("smart:export-file", kwargs={"public_id": file.public_id})
        )

    return HttpResponse(
        json.dumps(bulk.manifest(job, file_url=file_url)), content_type="application/json"
    )


@require_http_methods(["GET"])
@with_token
def export_file(request, principal, public_id):
    """One ndjson file, to the user and app that asked for the export only."""
    file = bulk.export_file_get_for_principal(principal, public_id)
    if file is None:
        return operation_outcome(404, "not-found", "No such export file")
    try:
        data = bulk.export_file_open(file)
    except (bulk.IntegrityError, FileNotFoundError):
        return operation_outcome(409, "conflict", "The file failed its integrity check")
    audit_record(action=AuditAction.EXPORT, obj=file.job, category="export",
                 detail=f"bulk export file {file.resource_type} downloaded")  # fmt: skip
    response = HttpResponse(data, content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{file.resource_type}.ndjson"'
    response["Content-Security-Policy"] = "sandbox"
    return response
