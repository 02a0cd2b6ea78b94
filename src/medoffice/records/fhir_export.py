"""The patient's record read from the database into the FHIR codec's dataclasses.

The mapping to FHIR itself is pure (formats/fhir); this module only reads. Other
apps add resources of their own (problems, medications ...) with
`register_contributor(fn)`, fn(patient) -> list of FHIR resource dicts.
"""

import uuid
from collections.abc import Callable

from django.utils import timezone

from medoffice.formats.fhir import (
    AppointmentData,
    CoverageData,
    DocumentData,
    EncounterData,
    OrganizationData,
    PatientData,
    PatientRecord,
    PractitionerData,
    render_bundle,
)
from medoffice.patients.models import Patient, PatientStatus
from medoffice.records.files import CONTENT_TYPES, read_verified
from medoffice.records.models import Document

CONTRIBUTORS: list[Callable[[Patient], list[dict]]] = []


def register_contributor(fn: Callable[[Patient], list[dict]]) -> None:
    if fn not in CONTRIBUTORS:
        CONTRIBUTORS.append(fn)


def mrn_system(practice) -> str:
    """The practice's MRN identifier system: one URI per practice, stable for its lifetime
    (its public id), so MRNs of two practices never read as the same identifier."""
    return f"urn:uuid:{practice.public_id}"


def practitioner_data(provider) -> PractitionerData:
    return PractitionerData(
        id=str(provider.public_id),
        family=provider.last_name,
        given=provider.first_name,
        npi=provider.npi,
        credentials=provider.credentials,
        active=provider.is_active,
    )


def practice_data(practice) -> OrganizationData:
    return OrganizationData(id=str(practice.public_id), name=practice.name, npi=practice.group_npi)


def payer_data(payer) -> OrganizationData:
    return OrganizationData(id=str(payer.public_id), name=payer.name, payer_id=payer.payer_id)


def patient_data(patient: Patient) -> PatientData:
    phones = tuple(
        (use, number)
        for use, number in (
            ("mobile", patient.mobile_phone),
            ("home", patient.home_phone),
            ("work", patient.work_phone),
        )
        if number
    )
    given = tuple(n for n in (patient.first_name, patient.middle_name) if n)
    pcp = patient.primary_care_provider
    return PatientData(
        id=str(patient.public_id),
        mrn=patient.mrn,
        mrn_system=mrn_system(patient.practice),
        family=patient.last_name,
        given=given,
        suffix=patient.suffix,
        preferred_name=patient.preferred_name,
        birth_date=patient.dob,
        sex=patient.sex_at_birth,
        address_lines=tuple(a for a in (patient.address1, patient.address2) if a),
        city=patient.city,
        state=patient.state,
        postal_code=patient.zip_code,
        phones=phones,
        email=patient.email,
        language=patient.preferred_language if patient.preferred_language != "other" else "",
        deceased=patient.status == PatientStatus.DECEASED,
        general_practitioner_id=str(pcp.public_id) if pcp else "",
    )


def coverage_data(c) -> CoverageData:
    return CoverageData(
        id=str(c.public_id),
        payer_id=str(c.payer.public_id),
        member_id=c.member_id,
        order=c.order,
        relationship=c.relationship,
        status=c.status,
        start=c.effective_start,
        end=c.effective_end,
        group_number=c.group_number,
        plan_name=c.plan_name,
    )


def appointment_data(a) -> AppointmentData:
    return AppointmentData(
        id=str(a.public_id),
        start=a.starts_at,
        end=a.ends_at,
        status=a.status,
        practitioner_id=str(a.provider.public_id),
        description=a.appointment_type.name,
        location_id=str(a.location.public_id),
        appointment_type_id=str(a.appointment_type.public_id),
        reason=a.reason,
        cancel_reason=a.cancel_reason,
        created=a.created_at,
    )


def patient_record(patient: Patient, *, with_files: bool = False) -> PatientRecord:
    from medoffice.billing.models import Encounter
    from medoffice.scheduling.models import Appointment

    practice = patient.practice
    practitioners = {}
    if patient.primary_care_provider:
        practitioners[patient.primary_care_provider.pk] = patient.primary_care_provider
    person = patient_data(patient)
    coverages = list(patient.coverages.select_related("payer"))
    payers = {c.payer.pk: c.payer for c in coverages}
    encounters = list(
        Encounter.objects.filter(patient=patient)
        .select_related("provider")
        .prefetch_related("diagnoses")
        .order_by("date_of_service", "id")
    )
    appointments = list(
        Appointment.objects.filter(patient=patient).select_related(
            "provider", "appointment_type", "location"
        )
    )
    for item in [*encounters, *appointments]:
        practitioners[item.provider.pk] = item.provider
    documents = list(Document.objects.filter(patient=patient).order_by("document_date", "id"))
    return PatientRecord(
        patient=person,
        organization=practice_data(practice),
        practitioners=tuple(practitioner_data(p) for p in practitioners.values()),
        payers=tuple(payer_data(p) for p in payers.values()),
        coverages=tuple(coverage_data(c) for c in coverages),
        encounters=tuple(
            EncounterData(
                id=str(e.public_id),
                date_of_service=e.date_of_service,
                status=e.status,
                practitioner_id=str(e.provider.public_id),
                telehealth=e.place_of_service in ("02", "10"),
                diagnoses=tuple((d.dotted, d.description) for d in e.diagnoses.all()),
            )
            for e in encounters
        ),
        appointments=tuple(appointment_data(a) for a in appointments),
        documents=tuple(
            DocumentData(
                id=str(d.public_id),
                title=d.title,
                category=d.get_category_display(),
                document_date=d.document_date,
                content_type=CONTENT_TYPES[d.kind],
                size=d.size,
                sha256=d.sha256,
                filed_at=d.filed_at,
                data=read_verified(d.file, d.sha256) if with_files else None,
            )
            for d in documents
        ),
        extra_resources=tuple(r for fn in CONTRIBUTORS for r in fn(patient)),
    )


def patient_bundle(patient: Patient, *, with_files: bool = False) -> bytes:
    """The record as FHIR R4 Bundle JSON, validated (ValueError if it does not validate)."""
    return render_bundle(
        patient_record(patient, with_files=with_files),
        bundle_id=str(uuid.uuid4()),
        timestamp=timezone.now(),
    )
