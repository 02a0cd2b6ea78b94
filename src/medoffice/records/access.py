"""The only way views and the API reach records: scope, permission, audit (AC-02, AU-01).

Anything outside the user's practice is absent (404). Clinical documents need
`records.view_clinical_document` on top of `records.view_document` (minimum
necessary: the front desk and billers file and see administrative papers only).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from medoffice.core.access import patient_scope
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import has_permission
from medoffice.patients.access import require_permission
from medoffice.patients.models import Patient
from medoffice.records.models import (
    CLINICAL_CATEGORIES,
    Communication,
    Disclosure,
    Document,
    RecordTransfer,
    Referral,
    RoiRequest,
)

VIEW_CLINICAL = "records.view_clinical_document"


def _scoped(model, user, public_id, *, related=()):
    obj = (
        model.objects.select_related("patient", *related)
        .filter(patient_scope(user, "patient"), public_id=public_id)
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def _get(model, user, public_id, *, permission, category, audit=True, related=()):
    obj = _scoped(model, user, public_id, related=related)
    require_permission(user, permission, patient=obj.patient, category=category)
    if audit:
        audit_record(action=AuditAction.READ, obj=obj, patient=obj.patient, category=category)
    return obj


def may_see_clinical(user) -> bool:
    return has_permission(user, VIEW_CLINICAL)


def document_get_for_user(
    user, public_id, *, permission="records.view_document", audit=True, action=AuditAction.READ
) -> Document:
    document = _scoped(Document, user, public_id, related=("encounter",))
    require_permission(user, permission, patient=document.patient, category="documents")
    if document.category in CLINICAL_CATEGORIES:
        require_permission(user, VIEW_CLINICAL, patient=document.patient, category="documents")
    if audit:
        audit_record(action=action, obj=document, patient=document.patient, category="documents")
    return document


def documents_visible_to(user, patient: Patient):
    documents = patient.documents.select_related("encounter", "filed_by")
    if not may_see_clinical(user):
        documents = documents.exclude(category__in=CLINICAL_CATEGORIES)
    return documents


def document_list_for_user(user, patient: Patient, *, category: str = "", text: str = ""):
    require_permission(user, "records.view_document", patient=patient, category="documents")
    documents = documents_visible_to(user, patient)
    if category:
        documents = documents.filter(category=category)
    if text:
        documents = documents.filter(text__icontains=text) | documents.filter(title__icontains=text)
    documents = list(documents)
    audit_record(
        action=AuditAction.QUERY if text else AuditAction.READ,
        object_type="records.document",
        patient=patient,
        category="documents",
        detail=f"{len(documents)} documents listed" + (" (text search)" if text else ""),
    )
    return documents


def communication_get_for_user(
    user, public_id, *, permission="records.view_communication", audit=True
) -> Communication:
    return _get(
        Communication,
        user,
        public_id,
        permission=permission,
        category="communications",
        audit=audit,
        related=("routed_to", "handled_by"),
    )


def communication_list_for_user(user, patient: Patient) -> list[Communication]:
    require_permission(
        user, "records.view_communication", patient=patient, category="communications"
    )
    items = list(
        patient.communications.select_related(
            "routed_to", "handled_by", "answered_by", "follow_up_owner"
        ).prefetch_related("documents")
    )
    audit_record(
        action=AuditAction.READ,
        object_type="records.communication",
        patient=patient,
        category="communications",
        detail=f"{len(items)} entries listed",
    )
    return items


def roi_get_for_user(
    user, public_id, *, permission="records.view_roirequest", audit=True
) -> RoiRequest:
    return _get(
        RoiRequest,
        user,
        public_id,
        permission=permission,
        category="release",
        audit=audit,
        related=("authorization",),
    )


def transfer_get_for_user(
    user, public_id, *, permission="records.view_recordtransfer", audit=True
) -> RecordTransfer:
    return _get(
        RecordTransfer, user, public_id, permission=permission, category="transfers", audit=audit
    )


def referral_get_for_user(
    user, public_id, *, permission="records.view_referral", audit=True
) -> Referral:
    return _get(
        Referral,
        user,
        public_id,
        permission=permission,
        category="referrals",
        audit=audit,
        related=("provider", "appointment", "consult_note"),
    )


def disclosure_list_for_user(user, patient: Patient, *, since=None) -> list[Disclosure]:
    require_permission(user, "records.view_disclosure", patient=patient, category="disclosures")
    disclosures = patient.disclosures.select_related("roi_request", "disclosed_by")
    if since is not None:
        disclosures = disclosures.filter(disclosed_at__gte=since)
    disclosures = list(disclosures)
    audit_record(
        action=AuditAction.READ,
        object_type="records.disclosure",
        patient=patient,
        category="disclosures",
        detail=f"{len(disclosures)} disclosures listed",
    )
    return disclosures


def refuse_unless(user, permission: str, *, patient=None, category="") -> None:
    if not has_permission(user, permission):
        require_permission(user, permission, patient=patient, category=category)
        raise PermissionDenied


def document_rows_for_user(user):
    """The filed documents of the patients the user may reach that this role may list
    (clinical categories only with `records.view_clinical_document`); not audited here:
    the search audits once."""
    require_permission(user, "records.view_document", category="documents")
    documents = Document.objects.filter(patient_scope(user, "patient")).select_related("patient")
    if not may_see_clinical(user):
        documents = documents.exclude(category__in=CLINICAL_CATEGORIES)
    return documents


def referral_rows_for_user(user):
    """The referrals of the patients the user may reach, for `records.view_referral`."""
    require_permission(user, "records.view_referral", category="referrals")
    return Referral.objects.filter(patient_scope(user, "patient")).select_related(
        "patient", "provider"
    )
