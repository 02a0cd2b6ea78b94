"""DocumentReference: the documents filed on a patient's record, read and searched through
the records access helpers (clinical categories only for the roles that may read them).

The file itself is never inline: the attachment's `url` is `Binary/<id>` (relative to the
FHIR base; interop/fhir/binary.py), which serves it to any FHIR credential through the same
access helper as the web page's download (scope, role, audit, integrity check); `size` and
the SHA-256 identifier say what to expect.
"""

from django.db.models import Q

from medoffice.formats.fhir.bundle import document_reference as map_document
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.interop.fhir.binary import binary_url
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    patient_params,
    token_param,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import date_param
from medoffice.records import access
from medoffice.records.fhir_export import document_data
from medoffice.records.models import DocumentCategory

CATEGORY = "documents"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference"


def get(user, resource_id, *, permission: str, audit: bool):
    document = access.document_get_for_user(
        user, uuid_or_404(resource_id), permission=permission, audit=audit
    )
    return document


def queryset(user):
    return access.document_rows_for_user(user).select_related("patient__practice")


def to_resource(document) -> dict:
    url = binary_url(document)
    return map_document(
        document_data(document, url=url), str(document.patient.public_id),
        str(document.patient.practice.public_id), ref=rest_ref,
    )  # fmt: skip


def _type(values, modifier, ctx) -> Q:
    labels = {label.lower(): value for value, label in DocumentCategory.choices}
    codes = [labels.get(c.lower(), c) for c in codes_of(values)]
    return Q(category__in=codes)


SEARCH_PARAMS = (
    *patient_params(),
    token_param(
        "type", _type,
        "The document's category: " + ", ".join(DocumentCategory.values) + " (or its label)",
    ),
    date_param("date", "filed_at", "When it was filed; prefixes eq, lt, gt ..."),
)  # fmt: skip


register(
    ResourceType(
        name="DocumentReference",
        permissions={READ: "records.view_document"},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"date": "filed_at"},
        default_order=("-filed_at", "pk"),
        last_updated=lambda row: None,
        includes={"DocumentReference:patient": PATIENT_INCLUDE},
        audit_category=CATEGORY,
        profile=PROFILE,
        documentation="Filed documents; the file is read from attachment.url (Binary/<id>).",
    )
)
