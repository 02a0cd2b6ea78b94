"""Outside appointments: care at another facility, tracked with its status and documents."""

from django.core.exceptions import ValidationError
from django.db import transaction

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.uploads import checked_upload
from medoffice.patients.models import Patient
from medoffice.scheduling.models import OutsideAppointment, OutsideDocument


def _clean(visit: OutsideAppointment) -> None:
    try:
        visit.full_clean(exclude=["patient", "from_appointment", "created_by"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    if visit.ordered_by_id and visit.ordered_by.practice_id != visit.patient.practice_id:
        raise ValidationError({"ordered_by": ["Not a provider of this practice."]})


@transaction.atomic
def outside_visit_add(*, patient: Patient, fields: dict, created_by=None) -> OutsideAppointment:
    visit = OutsideAppointment(patient=patient, created_by=created_by, **fields)
    if visit.from_appointment_id and visit.from_appointment.patient_id != patient.id:
        raise ValidationError({"from_appointment": ["That visit is another patient's."]})
    _clean(visit)
    visit.save()
    audit_record(action=AuditAction.CREATE, obj=visit, patient=patient, category="scheduling")
    return visit


@transaction.atomic
def outside_visit_update(*, visit: OutsideAppointment, fields: dict) -> OutsideAppointment:
    changed = sorted(name for name, value in fields.items() if getattr(visit, name) != value)
    for name, value in fields.items():
        setattr(visit, name, value)
    _clean(visit)
    visit.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=visit,
        patient=visit.patient,
        category="scheduling",
        detail="fields: " + ",".join(changed),
    )
    return visit


@transaction.atomic
def outside_document_add(
    *, visit: OutsideAppointment, title: str, upload, uploaded_by=None
) -> OutsideDocument:
    errors = {}
    if not title.strip():
        errors["title"] = ["Name the document (order, report, results)."]
    try:
        upload = checked_upload(upload)
    except ValidationError as exc:
        errors["file"] = exc.messages
    if errors:
        raise ValidationError(errors)
    document = OutsideDocument.objects.create(
        outside_visit=visit, title=title.strip(), file=upload, uploaded_by=uploaded_by
    )
    audit_record(
        action=AuditAction.CREATE, obj=document, patient=visit.patient, category="documents"
    )
    return document
