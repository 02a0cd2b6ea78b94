"""FHIR R4 resources for the clinical record: problems, medications, allergies,
immunizations, vital signs, results and signed notes. Plain dataclasses in, resource
dicts out (no Django), added to the Bundle as `PatientRecord.extra_resources`.

Codes: ICD-10-CM for problems, CVX for vaccines, LOINC for vital signs and for results
that carry one, UCUM units; the vital-signs profile's category; RxNorm for medications whose RXCUI
the chart has (text otherwise). People outside the Bundle are named by display only.
"""

import base64
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from medoffice.formats.fhir.bundle import ICD10CM_SYSTEM, _instant, _ref

LOINC_SYSTEM = "http://loinc.org"
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM_SYSTEM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
ROUTE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
DOC_TYPE_NOTE = ("11506-3", "Progress note")  # LOINC

# The chart's problem status -> condition-clinical
PROBLEM_STATUS = {"active": "active", "resolved": "resolved", "inactive": "inactive"}
# The chart's route codes -> v3 RouteOfAdministration
ROUTE = {
    "PO": "PO", "SL": "SL", "TOP": "TOPICAL", "INH": "IPINHL", "IM": "IM", "SC": "SQ",
    "IV": "IV", "NAS": "NASINHL", "OPH": "OPHTHALTA", "PR": "RECTAL", "TD": "TRNSDERM",
}  # fmt: skip
# HL7 v2 table 0078 flags -> v3 ObservationInterpretation (same codes for these)
FLAGS = {"N", "L", "H", "LL", "HH", "A"}
SEVERITY = {"mild": "mild", "moderate": "moderate", "severe": "severe"}


@dataclass(frozen=True)
class ProblemData:
    id: str
    code: str  # ICD-10-CM with its dot
    description: str
    status: str
    recorded_at: datetime
    onset: date | None = None
    resolved_on: date | None = None
    source_system: str = ""  # an imported problem's original coding (e.g. SNOMED CT)
    source_code: str = ""


@dataclass(frozen=True)
class MedicationData:
    id: str
    name: str
    dose: str
    route: str
    frequency: str
    start: date
    stop: date | None = None
    prescriber: str = ""
    rxnorm: str = ""  # RXCUI


@dataclass(frozen=True)
class AllergyData:
    id: str
    substance: str
    severity: str
    verified: bool
    recorded_at: datetime
    reaction: str = ""


@dataclass(frozen=True)
class ImmunizationData:
    id: str
    cvx: str
    vaccine: str
    given_on: date
    lot: str = ""
    site: str = ""


@dataclass(frozen=True)
class ObservationData:
    id: str
    category: str  # vital-signs, laboratory, imaging
    name: str
    taken_at: datetime
    value: str
    loinc: str = ""
    unit: str = ""
    reference_range: str = ""
    flag: str = ""
    note: str = ""
    performer: str = ""  # the ordering provider's name, for a result


@dataclass(frozen=True)
class NoteData:
    id: str
    title: str
    signed_at: datetime
    author: str
    text: str  # the signed sections and every addendum, as plain text


def _codeable(system: str, code: str, display: str = "") -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out = {"coding": [coding]}
    if display:
        out["text"] = display
    return out


def _problem_code(p: ProblemData) -> dict:
    """ICD-10-CM when the problem has it, and the coding an imported problem came with."""
    codings = []
    if p.code:
        codings.append({"system": ICD10CM_SYSTEM, "code": p.code, "display": p.description})
    if p.source_code:
        codings.append({"system": p.source_system, "code": p.source_code})
    return {"coding": codings, "text": p.description}


def condition(p: ProblemData, patient_id: str) -> dict:
    resource: dict = {
        "resourceType": "Condition",
        "id": p.id,
        "clinicalStatus": _codeable(CONDITION_CLINICAL, PROBLEM_STATUS.get(p.status, "active")),
        "category": [_codeable(CONDITION_CATEGORY, "problem-list-item")],
        "code": _problem_code(p),
        "subject": _ref(patient_id),
        "recordedDate": _instant(p.recorded_at),
    }
    if p.onset:
        resource["onsetDateTime"] = p.onset.isoformat()
    if p.resolved_on:
        resource["abatementDateTime"] = p.resolved_on.isoformat()
    return resource


def medication_statement(m: MedicationData, patient_id: str, *, today: date) -> dict:
    period: dict = {"start": m.start.isoformat()}
    if m.stop:
        period["end"] = m.stop.isoformat()
    dosage: dict = {"text": " ".join(part for part in (m.dose, m.frequency) if part)}
    if m.route in ROUTE:
        dosage["route"] = _codeable(ROUTE_SYSTEM, ROUTE[m.route])
    resource: dict = {
        "resourceType": "MedicationStatement",
        "id": m.id,
        "status": "completed" if m.stop and m.stop < today else "active",
        "medicationCodeableConcept": (
            _codeable(RXNORM_SYSTEM, m.rxnorm, m.name) if m.rxnorm else {"text": m.name}
        ),
        "subject": _ref(patient_id),
        "effectivePeriod": period,
        "dosage": [dosage],
    }
    if m.prescriber:
        resource["informationSource"] = {"display": m.prescriber}
    return resource


def allergy_intolerance(a: AllergyData, patient_id: str) -> dict:
    resource: dict = {
        "resourceType": "AllergyIntolerance",
        "id": a.id,
        "clinicalStatus": _codeable(ALLERGY_CLINICAL, "active"),
        "verificationStatus": _codeable(
            ALLERGY_VERIFICATION, "confirmed" if a.verified else "unconfirmed"
        ),
        "code": {"text": a.substance},
        "patient": _ref(patient_id),
        "recordedDate": _instant(a.recorded_at),
        "criticality": "high" if a.severity == "severe" else "low",
    }
    if a.reaction:
        resource["reaction"] = [
            {"manifestation": [{"text": a.reaction}], "severity": SEVERITY.get(a.severity, "mild")}
        ]
    return resource


def immunization(i: ImmunizationData, patient_id: str) -> dict:
    resource: dict = {
        "resourceType": "Immunization",
        "id": i.id,
        "status": "completed",
        "vaccineCode": _codeable(CVX_SYSTEM, i.cvx, i.vaccine),
        "patient": _ref(patient_id),
        "occurrenceDateTime": i.given_on.isoformat(),
        "primarySource": True,
    }
    if i.lot:
        resource["lotNumber"] = i.lot
    if i.site:
        resource["site"] = {"text": i.site}
    return resource


def _number(text: str) -> int | float | None:
    """A JSON number for a measured value (not money): int when whole, else float."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite():
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def observation(o: ObservationData, patient_id: str) -> dict:
    code = _codeable(LOINC_SYSTEM, o.loinc, o.name) if o.loinc else {"text": o.name}
    resource: dict = {
        "resourceType": "Observation",
        "id": o.id,
        "status": "final",
        "category": [_codeable(OBSERVATION_CATEGORY, o.category)],
        "code": code,
        "subject": _ref(patient_id),
        "effectiveDateTime": _instant(o.taken_at),
    }
    number = _number(o.value)
    if number is not None and o.unit:
        resource["valueQuantity"] = {
            "value": number, "unit": o.unit, "system": UCUM_SYSTEM, "code": o.unit,
        }  # fmt: skip
    elif number is not None:
        resource["valueQuantity"] = {"value": number}
    elif o.value:
        resource["valueString"] = o.value
    if o.reference_range:
        resource["referenceRange"] = [{"text": o.reference_range}]
    if o.flag in FLAGS:
        resource["interpretation"] = [_codeable(INTERPRETATION, o.flag)]
    if o.note:
        resource["note"] = [{"text": o.note}]
    if o.performer:
        resource["performer"] = [{"display": o.performer}]
    return resource


def note_reference(n: NoteData, patient_id: str) -> dict:
    return {
        "resourceType": "DocumentReference",
        "id": n.id,
        "status": "current",
        "docStatus": "final",
        "type": _codeable(LOINC_SYSTEM, *DOC_TYPE_NOTE),
        "subject": _ref(patient_id),
        "date": _instant(n.signed_at),
        "author": [{"display": n.author}],
        "description": n.title,
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(n.text.encode()).decode("ascii"),
                    "title": n.title,
                }
            }
        ],
    }


def clinical_resources(
    patient_id: str,
    *,
    today: date,
    problems=(),
    medications=(),
    allergies=(),
    immunizations=(),
    observations=(),
    notes=(),
) -> list[dict]:
    """Every clinical resource of one patient, in a stable order."""
    return [
        *(condition(p, patient_id) for p in problems),
        *(medication_statement(m, patient_id, today=today) for m in medications),
        *(allergy_intolerance(a, patient_id) for a in allergies),
        *(immunization(i, patient_id) for i in immunizations),
        *(observation(o, patient_id) for o in observations),
        *(note_reference(n, patient_id) for n in notes),
    ]
