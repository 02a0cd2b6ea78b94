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

from medoffice.formats.fhir.bundle import ICD10CM_SYSTEM, NPI_SYSTEM, _instant, urn_ref

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
    encounter_id: str = ""  # the visit it was taken at, when the chart knows it


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


def condition(p: ProblemData, patient_id: str, *, ref=urn_ref) -> dict:
    resource: dict = {
        "resourceType": "Condition",
        "id": p.id,
        "clinicalStatus": _codeable(CONDITION_CLINICAL, PROBLEM_STATUS.get(p.status, "active")),
        "category": [_codeable(CONDITION_CATEGORY, "problem-list-item")],
        "code": _problem_code(p),
        "subject": ref("Patient", patient_id),
        "recordedDate": _instant(p.recorded_at),
    }
    if p.onset:
        resource["onsetDateTime"] = p.onset.isoformat()
    if p.resolved_on:
        resource["abatementDateTime"] = p.resolved_on.isoformat()
    return resource


def medication_statement(m: MedicationData, patient_id: str, *, today: date, ref=urn_ref) -> dict:
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
        "subject": ref("Patient", patient_id),
        "effectivePeriod": period,
        "dosage": [dosage],
    }
    if m.prescriber:
        resource["informationSource"] = {"display": m.prescriber}
    return resource


def allergy_intolerance(a: AllergyData, patient_id: str, *, ref=urn_ref) -> dict:
    resource: dict = {
        "resourceType": "AllergyIntolerance",
        "id": a.id,
        "clinicalStatus": _codeable(ALLERGY_CLINICAL, "active"),
        "verificationStatus": _codeable(
            ALLERGY_VERIFICATION, "confirmed" if a.verified else "unconfirmed"
        ),
        "code": {"text": a.substance},
        "patient": ref("Patient", patient_id),
        "recordedDate": _instant(a.recorded_at),
        "criticality": "high" if a.severity == "severe" else "low",
    }
    if a.reaction:
        resource["reaction"] = [
            {"manifestation": [{"text": a.reaction}], "severity": SEVERITY.get(a.severity, "mild")}
        ]
    return resource


def immunization(i: ImmunizationData, patient_id: str, *, ref=urn_ref) -> dict:
    resource: dict = {
        "resourceType": "Immunization",
        "id": i.id,
        "status": "completed",
        "vaccineCode": _codeable(CVX_SYSTEM, i.cvx, i.vaccine),
        "patient": ref("Patient", patient_id),
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


def observation(o: ObservationData, patient_id: str, *, ref=urn_ref) -> dict:
    code = _codeable(LOINC_SYSTEM, o.loinc, o.name) if o.loinc else {"text": o.name}
    resource: dict = {
        "resourceType": "Observation",
        "id": o.id,
        "status": "final",
        "category": [_codeable(OBSERVATION_CATEGORY, o.category)],
        "code": code,
        "subject": ref("Patient", patient_id),
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
    if o.encounter_id:
        resource["encounter"] = ref("Encounter", o.encounter_id)
    return resource


def note_reference(n: NoteData, patient_id: str, *, ref=urn_ref) -> dict:
    return {
        "resourceType": "DocumentReference",
        "id": n.id,
        "status": "current",
        "docStatus": "final",
        "type": _codeable(LOINC_SYSTEM, *DOC_TYPE_NOTE),
        "subject": ref("Patient", patient_id),
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


# ---------------------------------------------------------------- referrals (ServiceRequest)

SNOMED_SYSTEM = "http://snomed.info/sct"
REFERRAL_CATEGORY = ("3457005", "Patient referral")  # SNOMED CT
# The referral's status -> ServiceRequest.status (request-status)
REFERRAL_STATUS = {
    "draft": "draft", "sent": "active", "scheduled": "active", "received": "active",
    "consult": "completed", "seen": "completed", "cancelled": "revoked",
}  # fmt: skip
# The referral's urgency -> request-priority
REFERRAL_PRIORITY = {"routine": "routine", "urgent": "urgent", "stat": "stat"}


@dataclass(frozen=True)
class ReferralData:
    id: str
    direction: str  # out: we refer the patient; in: someone referred the patient to us
    status: str
    reason: str
    authored_at: datetime
    urgency: str = "routine"
    diagnoses: tuple[tuple[str, str], ...] = ()  # (ICD-10-CM with dot, description)
    practitioner_id: str = ""  # ours: the referring clinician (out), the one seeing them (in)
    other_name: str = ""  # theirs: the specialist (out) or the referring provider (in)
    other_npi: str = ""
    other_specialty: str = ""
    scheduled_for: datetime | None = None


def service_request(r: ReferralData, patient_id: str, *, ref=urn_ref) -> dict:
    """A referral, out or in, as a ServiceRequest (intent order, category patient referral)."""
    theirs: dict = {"display": r.other_name}
    if r.other_npi:
        theirs["identifier"] = {"system": NPI_SYSTEM, "value": r.other_npi}
    ours = ref("Practitioner", r.practitioner_id) if r.practitioner_id else None
    requester, performer = (ours, theirs) if r.direction == "out" else (theirs, ours)
    resource: dict = {
        "resourceType": "ServiceRequest",
        "id": r.id,
        "status": REFERRAL_STATUS.get(r.status, "unknown"),
        "intent": "order",
        "category": [_codeable(SNOMED_SYSTEM, *REFERRAL_CATEGORY)],
        "priority": REFERRAL_PRIORITY.get(r.urgency, "routine"),
        "code": {"text": f"Referral to {r.other_specialty}" if r.other_specialty else "Referral"},
        "subject": ref("Patient", patient_id),
        "authoredOn": _instant(r.authored_at),
        "reasonCode": [
            *(_codeable(ICD10CM_SYSTEM, code, description) for code, description in r.diagnoses),
            {"text": r.reason},
        ],
    }
    if requester:
        resource["requester"] = requester
    if performer:
        resource["performer"] = [performer]
    if r.scheduled_for:
        resource["occurrenceDateTime"] = _instant(r.scheduled_for)
    return resource


# ---------------------------------------------------------------- resources a client writes


class ResourceInputError(ValueError):
    """A resource a client sent that we cannot take: `path` names the element (FHIRPath-like)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class ProblemInput:
    patient_id: str
    code: str  # ICD-10-CM as sent (with or without its dot)
    status: str  # active, inactive, resolved
    onset: date | None = None


@dataclass(frozen=True)
class AllergyInput:
    patient_id: str
    substance: str
    severity: str  # mild, moderate, severe
    verified: bool
    reaction: str = ""


@dataclass(frozen=True)
class VitalInput:
    patient_id: str
    loinc: str
    value: Decimal
    unit: str  # UCUM, "" when the client sent none
    taken_at: datetime | None = None
    encounter_id: str = ""


def _expect_type(data: dict, resource_type: str) -> None:
    if not isinstance(data, dict) or data.get("resourceType") != resource_type:
        raise ResourceInputError("resourceType", f"must be {resource_type}")


def _reference_id(data: dict, element: str, resource_type: str, *, required: bool = True) -> str:
    value = data.get(element)
    if value is None and not required:
        return ""
    reference = value.get("reference", "") if isinstance(value, dict) else ""
    prefix = f"{resource_type}/"
    if not isinstance(reference, str) or not reference.startswith(prefix):
        raise ResourceInputError(f"{element}.reference", f"must be {prefix}<id>")
    return reference[len(prefix) :]


def _codes(concept, system: str) -> list[str]:
    if not isinstance(concept, dict):
        return []
    return [
        c.get("code", "")
        for c in concept.get("coding") or ()
        if isinstance(c, dict) and c.get("system") == system and c.get("code")
    ]


def _day(value, path: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ResourceInputError(path, "must be a date (YYYY-MM-DD)") from exc


def parse_condition(data: dict) -> ProblemInput:
    """A problem-list Condition (ICD-10-CM coded) a client adds to the chart."""
    _expect_type(data, "Condition")
    categories = [
        code
        for concept in data.get("category") or ()
        for code in _codes(concept, CONDITION_CATEGORY)
    ]
    if categories and "problem-list-item" not in categories:
        raise ResourceInputError("category", "only problem-list-item Conditions can be added")
    codes = _codes(data.get("code"), ICD10CM_SYSTEM)
    if not codes:
        raise ResourceInputError("code.coding", f"needs an ICD-10-CM code ({ICD10CM_SYSTEM})")
    statuses = _codes(data.get("clinicalStatus"), CONDITION_CLINICAL) or ["active"]
    status = next((s for s in statuses if s in PROBLEM_STATUS.values()), None)
    if status is None:
        raise ResourceInputError("clinicalStatus", "must be active, inactive or resolved")
    onset = data.get("onsetDateTime")
    return ProblemInput(
        patient_id=_reference_id(data, "subject", "Patient"),
        code=codes[0],
        status=status,
        onset=_day(onset, "onsetDateTime"),
    )


def parse_allergy_intolerance(data: dict) -> AllergyInput:
    _expect_type(data, "AllergyIntolerance")
    code = data.get("code") if isinstance(data.get("code"), dict) else {}
    displays = [c.get("display", "") for c in code.get("coding") or () if isinstance(c, dict)]
    substance = (code.get("text") or next((d for d in displays if d), "")).strip()
    if not substance:
        raise ResourceInputError("code.text", "names the substance")
    reactions = data.get("reaction") or []
    first = reactions[0] if reactions and isinstance(reactions[0], dict) else {}
    manifestation = (first.get("manifestation") or [{}])[0]
    reaction = manifestation.get("text", "") if isinstance(manifestation, dict) else ""
    severity = first.get("severity") or ("severe" if data.get("criticality") == "high" else "")
    if severity not in SEVERITY:
        raise ResourceInputError(
            "reaction[0].severity", "must be mild, moderate or severe (or criticality high)"
        )
    verification = _codes(data.get("verificationStatus"), ALLERGY_VERIFICATION)
    return AllergyInput(
        patient_id=_reference_id(data, "patient", "Patient"),
        substance=substance[:120],
        severity=severity,
        verified="confirmed" in verification,
        reaction=reaction[:120],
    )


def _instant_in(value, path: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ResourceInputError(path, "must be a dateTime with a time zone") from exc
    if when.tzinfo is None:
        raise ResourceInputError(path, "needs a time zone")
    return when


def parse_vital_observation(data: dict) -> VitalInput:
    """A vital-signs Observation (LOINC coded, valueQuantity) a client records."""
    _expect_type(data, "Observation")
    categories = [
        code
        for concept in data.get("category") or ()
        for code in _codes(concept, OBSERVATION_CATEGORY)
    ]
    if "vital-signs" not in categories:
        raise ResourceInputError("category", "only vital-signs Observations can be recorded")
    codes = _codes(data.get("code"), LOINC_SYSTEM)
    if not codes:
        raise ResourceInputError("code.coding", f"needs a LOINC code ({LOINC_SYSTEM})")
    quantity = data.get("valueQuantity")
    raw = quantity.get("value") if isinstance(quantity, dict) else None
    if raw is None or isinstance(raw, bool):
        raise ResourceInputError("valueQuantity.value", "a vital sign needs a number")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ResourceInputError("valueQuantity.value", "must be a number") from exc
    if not value.is_finite():
        raise ResourceInputError("valueQuantity.value", "must be a number")
    unit = quantity.get("code") or quantity.get("unit") or ""
    return VitalInput(
        patient_id=_reference_id(data, "subject", "Patient"),
        loinc=codes[0],
        value=value,
        unit=str(unit),
        taken_at=_instant_in(data.get("effectiveDateTime"), "effectiveDateTime"),
        encounter_id=_reference_id(data, "encounter", "Encounter", required=False),
    )
