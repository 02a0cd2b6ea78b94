"""A patient's record as a FHIR R4 Bundle (type collection), for records transfers."""

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
SHA256_SYSTEM = "urn:ietf:rfc:6920:sha-256"  # the stored file's digest, as an identifier
PAYER_ID_SYSTEM = "urn:x12:payer-id"
# The office's own appointment types, named by their public id (a local code system).
APPOINTMENT_TYPE_SYSTEM = "urn:medoffice:appointment-type"

GENDER = {"F": "female", "M": "male", "U": "unknown"}
# X12 individual relationship code -> FHIR subscriber-relationship
RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child", "53": "common", "20": "other"}
ENCOUNTER_STATUS = {
    "open": "in-progress",
    "signed": "finished",
    "amended": "finished",
    "void": "entered-in-error",
}
APPOINTMENT_STATUS = {
    "booked": "booked",
    "arrived": "arrived",
    "fulfilled": "fulfilled",
    "cancelled": "cancelled",
    "noshow": "noshow",
    "entered-in-error": "entered-in-error",
}
COVERAGE_STATUS = {
    "active": "active",
    "cancelled": "cancelled",
    "entered-in-error": "entered-in-error",
}


@dataclass(frozen=True)
class OrganizationData:
    id: str
    name: str
    npi: str = ""
    payer_id: str = ""  # for an insurer: its X12 payer id


@dataclass(frozen=True)
class PractitionerData:
    id: str
    family: str
    given: str
    npi: str
    credentials: str = ""
    active: bool = True


@dataclass(frozen=True)
class PatientData:
    id: str
    mrn: str
    mrn_system: str
    family: str
    given: tuple[str, ...]
    birth_date: date
    sex: str  # F, M, U
    suffix: str = ""
    preferred_name: str = ""
    address_lines: tuple[str, ...] = ()
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phones: tuple[tuple[str, str], ...] = ()  # (use: mobile/home/work, E.164)
    email: str = ""
    language: str = ""  # BCP 47, e.g. en, es
    deceased: bool = False
    general_practitioner_id: str = ""


@dataclass(frozen=True)
class CoverageData:
    id: str
    payer_id: str  # an OrganizationData.id
    member_id: str
    order: int
    relationship: str  # X12 code
    status: str
    start: date
    end: date | None = None
    group_number: str = ""
    plan_name: str = ""


@dataclass(frozen=True)
class EncounterData:
    id: str
    date_of_service: date
    status: str  # the office's encounter status
    practitioner_id: str
    telehealth: bool = False
    diagnoses: tuple[tuple[str, str], ...] = ()  # (ICD-10-CM with dot, description)
    referring: str = ""


@dataclass(frozen=True)
class AppointmentData:
    id: str
    start: datetime
    end: datetime
    status: str
    practitioner_id: str
    description: str = ""  # the appointment type's name
    location_id: str = ""
    appointment_type_id: str = ""  # the office's appointment type (a local code)
    reason: str = ""
    cancel_reason: str = ""
    created: datetime | None = None


@dataclass(frozen=True)
class DocumentData:
    id: str
    title: str
    category: str
    document_date: date
    content_type: str
    size: int
    sha256: str
    filed_at: datetime
    data: bytes | None = None  # the file itself, when the transfer carries it
    url: str = ""  # where an authorised client fetches the file, when it is not carried


@dataclass(frozen=True)
class PatientRecord:
    patient: PatientData
    organization: OrganizationData
    practitioners: tuple[PractitionerData, ...] = ()
    payers: tuple[OrganizationData, ...] = ()
    coverages: tuple[CoverageData, ...] = ()
    encounters: tuple[EncounterData, ...] = ()
    appointments: tuple[AppointmentData, ...] = ()
    documents: tuple[DocumentData, ...] = ()
    # Resources other parts of the chart map themselves (JSON dicts with resourceType and id).
    extra_resources: tuple[dict, ...] = field(default=())


# How one resource names another: inside a Bundle by urn:uuid, over REST as "Type/id".
Ref = Callable[[str, str], dict]  # (resource type, id) -> Reference


def urn_ref(resource_type: str, resource_id: str) -> dict:
    return {"reference": f"urn:uuid:{resource_id}"}


def rest_ref(resource_type: str, resource_id: str) -> dict:
    return {"reference": f"{resource_type}/{resource_id}"}


def _ref(resource_id: str) -> dict:
    return urn_ref("", resource_id)


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("FHIR instants need a time zone")
    return value.isoformat()


def organization_resource(org: OrganizationData) -> dict:
    resource: dict = {
        "resourceType": "Organization",
        "id": org.id,
        "active": True,
        "name": org.name,
    }
    identifiers = []
    if org.npi:
        identifiers.append({"system": NPI_SYSTEM, "value": org.npi})
    if org.payer_id:
        identifiers.append({"system": PAYER_ID_SYSTEM, "value": org.payer_id})
    if identifiers:
        resource["identifier"] = identifiers
    return resource


def practitioner_resource(doc: PractitionerData) -> dict:
    name: dict = {"family": doc.family, "given": [doc.given]}
    if doc.credentials:
        name["suffix"] = [doc.credentials]
    return {
        "resourceType": "Practitioner",
        "id": doc.id,
        "active": doc.active,
        "identifier": [{"system": NPI_SYSTEM, "value": doc.npi}],
        "name": [name],
    }


def patient_resource(p: PatientData, organization_id: str, *, ref: Ref = urn_ref) -> dict:
    official: dict = {"use": "official", "family": p.family, "given": list(p.given)}
    if p.suffix:
        official["suffix"] = [p.suffix]
    names = [official]
    if p.preferred_name:
        names.append({"use": "usual", "given": [p.preferred_name], "family": p.family})
    resource: dict = {
        "resourceType": "Patient",
        "id": p.id,
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
                "system": p.mrn_system,
                "value": p.mrn,
            }
        ],
        "active": True,
        "name": names,
        "gender": GENDER.get(p.sex, "unknown"),
        "birthDate": p.birth_date.isoformat(),
        "managingOrganization": ref("Organization", organization_id),
    }
    telecom = [{"system": "phone", "value": number, "use": use} for use, number in p.phones]
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    if telecom:
        resource["telecom"] = telecom
    if p.address_lines or p.city:
        address: dict = {"use": "home", "line": list(p.address_lines)}
        for key, value in (("city", p.city), ("state", p.state), ("postalCode", p.postal_code)):
            if value:
                address[key] = value
        address["country"] = "US"
        resource["address"] = [address]
    if p.language:
        resource["communication"] = [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": p.language}]},
                "preferred": True,
            }
        ]
    if p.deceased:
        resource["deceasedBoolean"] = True
    if p.general_practitioner_id:
        resource["generalPractitioner"] = [ref("Practitioner", p.general_practitioner_id)]
    return resource


def coverage_resource(c: CoverageData, patient_id: str, *, ref: Ref = urn_ref) -> dict:
    relationship = RELATIONSHIP.get(c.relationship, "other")
    period: dict = {"start": c.start.isoformat()}
    if c.end:
        period["end"] = c.end.isoformat()
    resource: dict = {
        "resourceType": "Coverage",
        "id": c.id,
        "status": COVERAGE_STATUS.get(c.status, "active"),
        "subscriberId": c.member_id,
        "beneficiary": ref("Patient", patient_id),
        "relationship": {"coding": [{"system": SUBSCRIBER_RELATIONSHIP, "code": relationship}]},
        "period": period,
        "payor": [ref("Organization", c.payer_id)],
        "order": c.order,
    }
    classes = []
    if c.group_number:
        classes.append(
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "group",
                        }
                    ]
                },
                "value": c.group_number,
            }
        )
    if c.plan_name:
        classes.append(
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "plan",
                        }
                    ]
                },
                "value": c.plan_name,
                "name": c.plan_name,
            }
        )
    if classes:
        resource["class"] = classes
    return resource


def encounter_condition_ids(e: EncounterData) -> list[str]:
    # Each diagnosis becomes a Condition whose id is derived from the encounter's, so the same
    # record always maps to the same ids.
    return [
        str(uuid.uuid5(uuid.UUID(e.id), f"diagnosis-{index}"))
        for index in range(1, len(e.diagnoses) + 1)
    ]


def encounter(
    e: EncounterData, patient_id: str, *, ref=urn_ref, diagnoses_as_reasons: bool = False
) -> dict:
    """`diagnoses_as_reasons`: the diagnoses as ICD-10-CM reasonCode (US Core) rather than
    references to Conditions the Bundle carries (the REST API serves the problem list as
    Condition; an encounter's diagnoses are part of the encounter)."""
    condition_ids = [] if diagnoses_as_reasons else encounter_condition_ids(e)
    resource: dict = {
        "resourceType": "Encounter",
        "id": e.id,
        "status": ENCOUNTER_STATUS.get(e.status, "unknown"),
        "class": {
            "system": ACT_CODE,
            "code": "VR" if e.telehealth else "AMB",
            "display": "virtual" if e.telehealth else "ambulatory",
        },
        "subject": ref("Patient", patient_id),
        "participant": [{"individual": ref("Practitioner", e.practitioner_id)}],
        "period": {"start": e.date_of_service.isoformat(), "end": e.date_of_service.isoformat()},
    }
    if diagnoses_as_reasons and e.diagnoses:
        resource["reasonCode"] = [
            {
                "coding": [
                    {"system": ICD10CM_SYSTEM, "code": code, **({"display": text} if text else {})}
                ]
            }
            for code, text in e.diagnoses
        ]
    if condition_ids:
        resource["diagnosis"] = [
            {"condition": ref("Condition", cid), "rank": rank}
            for rank, cid in enumerate(condition_ids, start=1)
        ]
    return resource


def encounter_conditions(e: EncounterData, patient_id: str, *, ref=urn_ref) -> list[dict]:
    """The encounter's diagnoses as Conditions (category encounter-diagnosis)."""
    out = []
    for cid, (code, display) in zip(encounter_condition_ids(e), e.diagnoses, strict=True):
        coding: dict = {"system": ICD10CM_SYSTEM, "code": code}
        if display:
            coding["display"] = display
        out.append(
            {
                "resourceType": "Condition",
                "id": cid,
                "verificationStatus": {
                    "coding": [{"system": CONDITION_VER_STATUS, "code": "confirmed"}]
                },
                "category": [
                    {"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"}]}
                ],
                "code": {"coding": [coding]},
                "subject": ref("Patient", patient_id),
                "encounter": ref("Encounter", e.id),
                "recordedDate": e.date_of_service.isoformat(),
            }
        )
    return out


def _encounter_and_conditions(e: EncounterData, patient_id: str) -> list[dict]:
    return [encounter(e, patient_id), *encounter_conditions(e, patient_id)]


def appointment_resource(a: AppointmentData, patient_id: str, *, ref: Ref = urn_ref) -> dict:
    participants = [
        {"actor": ref("Patient", patient_id), "status": "accepted"},
        {"actor": ref("Practitioner", a.practitioner_id), "status": "accepted"},
    ]
    if a.location_id:
        participants.append({"actor": ref("Location", a.location_id), "status": "accepted"})
    resource: dict = {
        "resourceType": "Appointment",
        "id": a.id,
        "status": APPOINTMENT_STATUS.get(a.status, "booked"),
        "start": _instant(a.start),
        "end": _instant(a.end),
        "minutesDuration": int((a.end - a.start).total_seconds() // 60),
        "participant": participants,
    }
    if a.description:
        resource["description"] = a.description
    if a.appointment_type_id:
        resource["serviceType"] = [
            {
                "coding": [{"system": APPOINTMENT_TYPE_SYSTEM, "code": a.appointment_type_id}],
                "text": a.description,
            }
        ]
    if a.reason:
        resource["reasonCode"] = [{"text": a.reason}]
    if a.cancel_reason and resource["status"] == "cancelled":
        resource["cancelationReason"] = {"text": a.cancel_reason}
    if a.created is not None:
        resource["created"] = _instant(a.created)
    return resource


def document_reference(
    d: DocumentData, patient_id: str, organization_id: str, *, ref=urn_ref
) -> dict:
    """A filed document: its file inline when the transfer carries it, else its URL."""
    attachment: dict = {
        "contentType": d.content_type,
        "size": d.size,
        "title": d.title,
        "creation": d.document_date.isoformat(),
    }
    if d.data is not None:
        attachment["data"] = base64.b64encode(d.data).decode("ascii")
    elif d.url:
        attachment["url"] = d.url
    return {
        "resourceType": "DocumentReference",
        "id": d.id,
        "identifier": [{"system": SHA256_SYSTEM, "value": d.sha256}],
        "status": "current",
        "type": {"text": d.category},
        "subject": ref("Patient", patient_id),
        "date": _instant(d.filed_at),
        "custodian": ref("Organization", organization_id),
        "description": d.title,
        "content": [{"attachment": attachment}],
    }


def bundle_json(record: PatientRecord, *, bundle_id: str, timestamp: datetime) -> dict:
    """The Bundle as a JSON-ready dict."""
    patient_id = record.patient.id
    org_id = record.organization.id
    resources: list[dict] = [
        patient_resource(record.patient, org_id),
        organization_resource(record.organization),
    ]
    resources += [practitioner_resource(p) for p in record.practitioners]
    resources += [organization_resource(p) for p in record.payers]
    resources += [coverage_resource(c, patient_id) for c in record.coverages]
    for visit in record.encounters:
        resources += _encounter_and_conditions(visit, patient_id)
    resources += [appointment_resource(a, patient_id) for a in record.appointments]
    resources += [document_reference(d, patient_id, org_id) for d in record.documents]
    resources += [dict(r) for r in record.extra_resources]
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": _instant(timestamp)},
        "type": "collection",
        "timestamp": _instant(timestamp),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def render_bundle(record: PatientRecord, *, bundle_id: str, timestamp: datetime) -> bytes:
    """The Bundle as UTF-8 JSON bytes, validated first (ValueError names the problem)."""
    data = bundle_json(record, bundle_id=bundle_id, timestamp=timestamp)
    validate_bundle(data)
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


def validate_bundle(data: dict) -> None:
    """Raise ValueError unless `data` parses as an R4(B) Bundle with valid resources."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise ValueError(f"not a valid FHIR R4 Bundle: {where}: {first.get('msg')}") from exc
