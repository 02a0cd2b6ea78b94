"""Binary read: the bytes of a filed document, for clients that hold only a token.

`GET /fhir/Binary/<id>` (the id is the DocumentReference's, which points here from
`content.attachment.url`) answers the stored file as it is, with its content type, or, when
the client asks for `application/fhir+json` (Accept or `_format`), a Binary resource with
the bytes base64-encoded in `data`.

The document is reached through the records app's `document_get_for_user`, as the web
page's download is: the practice and location scope (core/access.py, 404 outside it), the
role (clinical categories need `records.view_clinical_document`), one READ audit row, and
the SHA-256 check of the stored file (409 and a failure row when it no longer matches).
A SMART token needs a scope covering Binary or DocumentReference reads; under `patient/`
scopes only the launch patient's documents (403 otherwise, audited as denied).

Binary is read only (no search, no vread, no writes): the CapabilityStatement says so.
"""

import base64

from django.http import HttpResponse

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.interop.fhir.auth import Principal
from medoffice.interop.fhir.errors import FhirError
from medoffice.interop.fhir.registry import READ
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.records import access, files
from medoffice.records.errors import DocumentIntegrityError

NAME = "Binary"
PERMISSION = "records.view_document"
# The types whose read scope covers the file: Binary itself, or the DocumentReference.
SCOPED_AS = ("Binary", "DocumentReference")
DOCUMENTATION = (
    "Read only: the file of a filed document (the DocumentReference with the same id links"
    " here). The raw bytes with their content type, or a Binary resource (base64 data) when"
    " Accept is application/fhir+json. Same scope, role checks and audit as the download"
    " in the web pages."
)


def binary_url(document) -> str:
    """`content.attachment.url` of a DocumentReference: relative to the FHIR base."""
    return f"{NAME}/{document.public_id}"


def capability_entry() -> dict:
    return {
        "type": NAME,
        "interaction": [{"code": READ}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "documentation": DOCUMENTATION,
    }


def wants_resource(request) -> bool:
    """A Binary resource for FHIR JSON (Accept or `_format`); the bytes themselves otherwise."""
    from medoffice.interop.fhir.views import JSON_FORMATS

    wanted = request.GET.get("_format")
    kinds = (
        {wanted.split(";")[0].strip().lower()}
        if wanted
        else {
            part.split(";")[0].strip().lower()
            for part in request.headers.get("Accept", "").split(",")
        }
    )
    return bool(kinds & JSON_FORMATS)


def _allowed(principal: Principal) -> bool:
    return principal.via != "oauth" or any(principal.grant.allows(t, READ) for t in SCOPED_AS)


def _confined(principal: Principal) -> bool:
    """Only `patient/` scopes open the file: the launch patient's documents alone."""
    return principal.via == "oauth" and all(
        principal.grant.patient_only(t, READ) for t in SCOPED_AS if principal.grant.allows(t, READ)
    )


def read(request, principal: Principal, public_id: str) -> HttpResponse:
    from medoffice.interop.fhir.views import fhir_json

    if not _allowed(principal):
        raise FhirError(403, "forbidden", "The credential does not cover reading Binary.")
    user = principal.user
    document_id = uuid_or_404(public_id)
    confined = _confined(principal)
    document = access.document_get_for_user(user, document_id, audit=not confined)
    if confined:
        if not principal.patient_id or str(document.patient.public_id) != principal.patient_id:
            audit_record(
                action=AuditAction.READ, outcome=AuditOutcome.DENIED, object_type=f"fhir.{NAME}",
                object_id=public_id, category="documents",
                detail="outside the token's patient (read)",
            )  # fmt: skip
            raise FhirError(
                403, "forbidden", "The token's patient/ scopes cover only its patient's files."
            )
        document = access.document_get_for_user(user, document_id, audit=True)
    try:
        data = files.read_verified(document.file, document.sha256)
    except DocumentIntegrityError as exc:
        audit_record(
            action=AuditAction.READ, outcome=AuditOutcome.FAILURE, obj=document,
            patient=document.patient, category="documents",
            detail="integrity check failed: file not served",
        )  # fmt: skip
        raise FhirError(409, "processing", str(exc)) from exc
    content_type = files.CONTENT_TYPES[document.kind]
    if wants_resource(request):
        return fhir_json(
            {
                "resourceType": NAME,
                "id": str(document.public_id),
                "contentType": content_type,
                "securityContext": {"reference": f"DocumentReference/{document.public_id}"},
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    response = HttpResponse(data, content_type=content_type)
    extension = files.EXTENSIONS[document.kind]
    response["Content-Disposition"] = f'attachment; filename="document{extension}"'
    response["Content-Security-Policy"] = "sandbox"
    return response
