"""The patient's record read from the database into the FHIR codec's dataclasses.

The mapping to FHIR itself is pure (formats/fhir); this module only reads. Other
apps add resources of their own (problems, medications ...) with
`register_contributor(fn)`, fn(patient) -> list of FHIR resource dicts.

The `<thing>_data(row)` builders are shared by the transfer Bundle and the FHIR REST API
(interop/fhir), so a record maps to the same resource either way. Each says which related
rows it expects selected; the querysets that select them are `<thing>_rows()`.
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
from medoffice.formats.fhir.clinical import ReferralData
from medoffice.formats.fhir.financial import (
    AdjudicationData,
    AdjustmentData,
    ClaimData,
    ClaimLineData,
    PaymentData,
)
from medoffice.patients.models import Patient, PatientStatus
from medoffice.records.files import CONTENT_TYPES, read_verified
from medoffice.records.models import Document, Referral

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


def encounter_rows():
    from medoffice.billing.models import Encounter

    return Encounter.objects.select_related("patient", "provider").prefetch_related("diagnoses")


def encounter_data(e) -> EncounterData:
    """`e` from `encounter_rows()`."""
    return EncounterData(
        id=str(e.public_id),
        date_of_service=e.date_of_service,
        status=e.status,
        practitioner_id=str(e.provider.public_id),
        telehealth=e.place_of_service in ("02", "10"),
        diagnoses=tuple((d.dotted, d.description) for d in e.diagnoses.all()),
    )


def document_data(d: Document, *, with_files: bool = False, url: str = "") -> DocumentData:
    """The file itself goes only `with_files` (a transfer); otherwise its `url` may."""
    return DocumentData(
        id=str(d.public_id),
        title=d.title,
        category=d.get_category_display(),
        document_date=d.document_date,
        content_type=CONTENT_TYPES[d.kind],
        size=d.size,
        sha256=d.sha256,
        filed_at=d.filed_at,
        data=read_verified(d.file, d.sha256) if with_files else None,
        url="" if with_files else url,
    )


def referral_rows():
    return Referral.objects.select_related("patient", "provider")


def referral_data(r: Referral) -> ReferralData:
    """`r` from `referral_rows()`; diagnoses are ICD-10-CM as stored (with or without dot)."""
    return ReferralData(
        id=str(r.public_id),
        direction=r.direction,
        status=r.status,
        reason=r.reason,
        authored_at=r.sent_at or r.created_at,
        urgency=r.urgency,
        diagnoses=tuple((_dotted(code), "") for code in r.diagnoses or ()),
        practitioner_id=str(r.provider.public_id) if r.provider_id else "",
        other_name=r.other_name,
        other_npi=r.other_npi,
        other_specialty=r.other_specialty,
        scheduled_for=r.scheduled_for,
    )


def _dotted(code: str) -> str:
    code = code.replace(".", "").strip().upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def claim_rows():
    """Claims with what their FHIR resources need: lines, current adjudications with their
    adjustments, and the ERA payments that carried them."""
    from django.db.models import Prefetch

    from medoffice.billing.models import Adjudication, Claim
    from medoffice.payments.models import EraClaim

    return Claim.objects.select_related(
        "patient", "provider", "payer", "coverage", "original"
    ).prefetch_related(
        "lines",
        Prefetch(
            "adjudications",
            queryset=Adjudication.objects.filter(superseded=False)
            .select_related("line")
            .prefetch_related("adjustments"),
        ),
        Prefetch("era_claims", queryset=EraClaim.objects.select_related("era_payment")),
    )


def claim_data(c) -> ClaimData:
    """`c` from `claim_rows()`."""
    return ClaimData(
        id=str(c.public_id),
        control_number=c.patient_control_number,
        status=c.status,
        patient_id=str(c.patient.public_id),
        provider_id=str(c.provider.public_id),
        provider_npi=c.provider.npi,
        payer_id=str(c.payer.public_id),
        coverage_id=str(c.coverage.public_id),
        created=c.created_at,
        service_from=c.service_from,
        service_to=c.service_to,
        place_of_service=c.place_of_service,
        total=c.total_charge,
        diagnoses=tuple((_dotted(code), "") for code in c.diagnosis_codes),
        lines=tuple(
            ClaimLineData(
                sequence=line.number,
                code=line.code,
                units=line.units,
                amount=line.amount,
                service_date=line.date_of_service,
                modifiers=tuple(line.modifier_list),
                pointers=tuple(line.pointer_list),
            )
            for line in c.lines.all()
        ),
        responsibility=c.responsibility,
        frequency=c.frequency,
        original_id=str(c.original.public_id) if c.original_id else "",
        status_reason=c.status_reason,
        payer_claim_number=c.payer_claim_number,
        prior_authorization=c.prior_authorization,
        paid=c.paid_amount,
        patient_responsibility=c.patient_responsibility,
        adjudications=tuple(
            AdjudicationData(
                line=a.line.number if a.line_id else None,
                paid=a.paid_amount,
                paid_date=a.paid_date,
                allowed=a.allowed_amount,
                adjustments=tuple(
                    AdjustmentData(group=x.group, reason=x.reason, amount=x.amount)
                    for x in a.adjustments.all()
                ),
            )
            for a in c.adjudications.all()
        ),
        payments=tuple(
            PaymentData(
                # BPR16 may be absent: the adjudication's paid date is the same day then
                paid_on=e.era_payment.payment_date or _paid_date(c),
                amount=e.paid,
                trace_number=e.era_payment.trace_number,
            )
            for e in c.era_claims.all()
        ),
    )


def _paid_date(c):
    days = [a.paid_date for a in c.adjudications.all()]
    return max(days) if days else c.service_to


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
    from medoffice.scheduling.models import Appointment

    practice = patient.practice
    practitioners = {}
    if patient.primary_care_provider:
        practitioners[patient.primary_care_provider.pk] = patient.primary_care_provider
    person = patient_data(patient)
    coverages = list(patient.coverages.select_related("payer"))
    payers = {c.payer.pk: c.payer for c in coverages}
    encounters = list(encounter_rows().filter(patient=patient).order_by("date_of_service", "id"))
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
        encounters=tuple(encounter_data(e) for e in encounters),
        appointments=tuple(appointment_data(a) for a in appointments),
        documents=tuple(document_data(d, with_files=with_files) for d in documents),
        extra_resources=tuple(r for fn in CONTRIBUTORS for r in fn(patient)),
    )


def patient_bundle(patient: Patient, *, with_files: bool = False) -> bytes:
    """The record as FHIR R4 Bundle JSON, validated (ValueError if it does not validate)."""
    return render_bundle(
        patient_record(patient, with_files=with_files),
        bundle_id=str(uuid.uuid4()),
        timestamp=timezone.now(),
    )
