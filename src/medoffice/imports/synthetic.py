"""Synthea-style FHIR R4 Bundles for tests and benchmarks (made here, nothing downloaded).

Shaped like Synthea's R4 output: one Bundle per patient, `urn:uuid:` full URLs, names
with digits appended (Jon123), 555 phone numbers and 999- social security numbers (both
invalid on purpose), Massachusetts addresses with the state spelled out, conditional
references to practitioners by NPI, SNOMED CT conditions, LOINC vital signs (blood
pressure as a panel with two components) and labs, RxNorm MedicationRequests, CVX
immunizations, and the Claim/ExplanationOfBenefit pair Synthea writes for every visit.
"""

import random
import uuid
from datetime import date, datetime, timedelta

SYNTHEA = "https://github.com/synthetichealth/synthea"
NPI = "http://hl7.org/fhir/sid/us-npi"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GIVEN = ["Jon", "Maria", "Aisha", "Wei", "Carlos", "Emma", "Liam", "Olivia", "Noah", "Ava"]
FAMILY = ["Kuhn", "Rempel", "Okafor", "Lindgren", "Castillo", "Haag", "Bauch", "Ortiz"]
CITIES = [("Boston", "02118"), ("Worcester", "01602"), ("Springfield", "01103"),
          ("Lowell", "01852"), ("Cambridge", "02139")]  # fmt: skip
CONDITIONS = [
    ("44054006", "Diabetes mellitus type 2 (disorder)", "E11.9"),
    ("38341003", "Hypertension (disorder)", None),
    ("195662009", "Acute viral pharyngitis (disorder)", None),
    ("10509002", "Acute bronchitis (disorder)", None),
    ("160903007", "Full-time employment (finding)", None),
    ("55822004", "Hyperlipidemia (disorder)", None),
]
MEDICATIONS = [
    ("314076", "lisinopril 10 MG Oral Tablet"),
    ("860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"),
    ("313782", "Acetaminophen 325 MG Oral Tablet"),
    ("198405", "Ibuprofen 100 MG Oral Tablet"),
]
VACCINES = [
    ("140", "Influenza, seasonal, injectable, preservative free"),
    ("08", "Hep B, adolescent or pediatric"),
    ("113", "Td (adult) preservative free"),
]
LABS = [
    ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 70, 140),
    ("38483-4", "Creatinine [Mass/volume] in Blood", "mg/dL", 0.6, 1.3),
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4.5, 8.0),
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 150, 260),
]
PAYERS = ["Aetna", "Medicare", "Blue Cross Blue Shield"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _category(code: str) -> list[dict]:
    return [{"coding": [{"system": OBS_CATEGORY, "code": code}]}]


def _npi(rng: random.Random) -> str:
    """A ten-digit NPI with its Luhn check digit (prefix 80840 as the NPI rule says)."""
    stem = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
    digits = [int(d) for d in "80840" + stem]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return stem + str((10 - total % 10) % 10)


def patient_bundle(
    rng: random.Random, *, bundle_type: str = "transaction", encounters: int = 5,
    payer: str | None = None, given: str | None = None, family: str | None = None,
    birth_date: date | None = None, gender: str | None = None,
) -> dict:  # fmt: skip
    """One patient's record as Synthea writes it (about 10 resources per visit, plus ~12)."""
    entries: list[dict] = []

    def add(resource: dict) -> str:
        rid = resource.setdefault("id", _uuid(rng))
        entry = {"fullUrl": f"urn:uuid:{rid}", "resource": resource}
        if bundle_type == "transaction":
            entry["request"] = {"method": "POST", "url": resource["resourceType"]}
        entries.append(entry)
        return f"urn:uuid:{rid}"

    gender = gender or rng.choice(["male", "female"])
    birth = birth_date or date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60))
    city, zip_code = rng.choice(CITIES)
    first = given or f"{rng.choice(GIVEN)}{rng.randrange(100, 999)}"
    last = family or f"{rng.choice(FAMILY)}{rng.randrange(100, 999)}"
    patient = add({
        "resourceType": "Patient",
        "identifier": [
            {"system": SYNTHEA, "value": _uuid(rng)},
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                  "code": "MR"}]},
             "system": "http://hospital.smarthealthit.org", "value": _uuid(rng)},
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                  "code": "SS"}]},
             "system": "http://hl7.org/fhir/sid/us-ssn",
             "value": f"999-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"},
        ],
        "name": [{"use": "official", "family": last, "given": [first],
                  "prefix": ["Mr." if gender == "male" else "Ms."]}],
        "telecom": [{"system": "phone", "value": f"555-{rng.randrange(100, 999)}-"
                                                 f"{rng.randrange(1000, 9999)}", "use": "home"}],
        "gender": gender,
        "birthDate": birth.isoformat(),
        "address": [{"line": [f"{rng.randrange(1, 999)} Rempel Way Suite {rng.randrange(1, 99)}"],
                     "city": city, "state": "Massachusetts", "postalCode": zip_code,
                     "country": "US"}],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                     "code": "en-US", "display": "English"}]}}],
    })  # fmt: skip
    npi = _npi(rng)
    practitioner = f"Practitioner?identifier={NPI}|{npi}"
    payer_name = payer or rng.choice(PAYERS)
    payer_ref = add({"resourceType": "Organization", "name": payer_name,
                     "identifier": [{"system": SYNTHEA, "value": _uuid(rng)}]})  # fmt: skip
    start = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 365))
    add({
        "resourceType": "Coverage", "status": "active", "beneficiary": {"reference": patient},
        "subscriberId": f"W{rng.randrange(10**8, 10**9)}",
        "relationship": {"coding": [{"code": "self"}]},
        "period": {"start": start.isoformat()}, "payor": [{"reference": payer_ref}],
        "class": [{"type": {"coding": [{"code": "plan"}]}, "value": "PPO", "name": "Gold PPO"}],
    })  # fmt: skip
    visit = datetime(2016, 1, 4, 9, 0)  # noqa: DTZ001 - written with an offset below
    first_encounter = ""
    for _ in range(encounters):
        visit += timedelta(days=rng.randrange(60, 400), minutes=rng.randrange(0, 480))
        at = visit.strftime("%Y-%m-%dT%H:%M:%S-05:00")
        end = (visit + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
        encounter = add({
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [_concept(SNOMED, "162673000", "General examination of patient (procedure)")],
            "subject": {"reference": patient},
            "participant": [{"individual": {"reference": practitioner,
                                            "display": "Dr. Alberto639 Morales"}}],
            "period": {"start": at, "end": end},
        })  # fmt: skip
        first_encounter = first_encounter or encounter
        ctx = {"subject": {"reference": patient}, "encounter": {"reference": encounter},
               "effectiveDateTime": at, "issued": at, "status": "final"}  # fmt: skip
        vitals = [
            ("8302-2", "Body Height", _quantity(round(rng.uniform(150, 195), 1), "cm")),
            ("29463-7", "Body Weight", _quantity(round(rng.uniform(50, 120), 1), "kg")),
            ("39156-5", "Body mass index (BMI) [Ratio]", _quantity(round(rng.uniform(18, 35), 2),
                                                                   "kg/m2")),
            ("8867-4", "Heart rate", _quantity(rng.randrange(55, 100), "/min")),
            ("9279-1", "Respiratory rate", _quantity(rng.randrange(12, 20), "/min")),
            ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
             _quantity(rng.randrange(0, 4), "{score}")),
        ]  # fmt: skip
        for code, name, quantity in vitals:
            add(
                {
                    "resourceType": "Observation",
                    "category": _category("vital-signs"),
                    "code": _concept(LOINC, code, name),
                    "valueQuantity": quantity,
                    **ctx,
                }
            )
        add({"resourceType": "Observation", "category": _category("vital-signs"),
             "code": _concept(LOINC, "85354-9", "Blood pressure panel with all children optional"),
             "component": [
                 {"code": _concept(LOINC, "8462-4", "Diastolic Blood Pressure"),
                  "valueQuantity": _quantity(rng.randrange(65, 90), "mm[Hg]")},
                 {"code": _concept(LOINC, "8480-6", "Systolic Blood Pressure"),
                  "valueQuantity": _quantity(rng.randrange(105, 145), "mm[Hg]")},
             ], **ctx})  # fmt: skip
        claim = add({
            "resourceType": "Claim", "status": "active",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                                 "code": "professional"}]},
            "use": "claim", "patient": {"reference": patient}, "created": at,
            "billablePeriod": {"start": at, "end": end},
            "priority": {"coding": [{"code": "normal"}]},
            "provider": {"reference": payer_ref},
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": payer_name}}],
            "total": {"value": 129.16, "currency": "USD"},
        })  # fmt: skip
        add({
            "resourceType": "ExplanationOfBenefit", "status": "active",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                                 "code": "professional"}]},
            "use": "claim", "patient": {"reference": patient}, "created": at,
            "insurer": {"display": payer_name}, "provider": {"reference": payer_ref},
            "claim": {"reference": claim}, "outcome": "complete",
            "insurance": [{"focal": True, "coverage": {"display": payer_name}}],
        })  # fmt: skip
    at = visit.strftime("%Y-%m-%dT%H:%M:%S-05:00")
    for code, name, icd in rng.sample(CONDITIONS, 2):
        concept = _concept(SNOMED, code, name)
        if icd:
            concept["coding"].append(
                {
                    "system": "http://hl7.org/fhir/sid/icd-10-cm",
                    "code": icd,
                    "display": "Type 2 diabetes mellitus without complications",
                }
            )
        add({"resourceType": "Condition",
             "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                            "condition-clinical", "code": "active"}]},
             "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                "condition-ver-status", "code": "confirmed"}]},
             "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                       "condition-category", "code": "encounter-diagnosis"}]}],
             "code": concept, "subject": {"reference": patient},
             "encounter": {"reference": first_encounter}, "onsetDateTime": at,
             "recordedDate": at})  # fmt: skip
    for i, (code, name) in enumerate(rng.sample(MEDICATIONS, 2)):
        add({"resourceType": "MedicationRequest", "status": "active" if i == 0 else "stopped",
             "intent": "order",
             "medicationCodeableConcept": _concept("http://www.nlm.nih.gov/research/umls/rxnorm",
                                                   code, name),
             "subject": {"reference": patient}, "encounter": {"reference": first_encounter},
             "authoredOn": at, "requester": {"reference": practitioner,
                                             "display": "Dr. Alberto639 Morales"},
             "dosageInstruction": [{"sequence": 1, "timing": {"repeat": {
                 "frequency": 1, "period": 1, "periodUnit": "d"}}, "asNeededBoolean": False,
                 "doseAndRate": [{"doseQuantity": {"value": 1.0}}]}]})  # fmt: skip
    add({"resourceType": "AllergyIntolerance",
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                        "allergyintolerance-clinical", "code": "active"}]},
         "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                            "allergyintolerance-verification",
                                            "code": "confirmed"}]},
         "type": "allergy", "category": ["environment"], "criticality": "low",
         "code": _concept(SNOMED, "300916003", "Latex allergy"),
         "patient": {"reference": patient}, "recordedDate": at,
         "reaction": [{"manifestation": [_concept(SNOMED, "247472004", "Wheal (finding)")],
                       "severity": "mild"}]})  # fmt: skip
    for code, name in rng.sample(VACCINES, 2):
        add({"resourceType": "Immunization", "status": "completed",
             "vaccineCode": _concept("http://hl7.org/fhir/sid/cvx", code, name),
             "patient": {"reference": patient}, "encounter": {"reference": first_encounter},
             "occurrenceDateTime": at, "primarySource": True})  # fmt: skip
    for code, name, unit, low, high in LABS:
        value = round(rng.uniform(low, high * 1.1), 1)
        add({"resourceType": "Observation", "category": _category("laboratory"),
             "code": _concept(LOINC, code, name), "valueQuantity": _quantity(value, unit),
             "referenceRange": [{"low": {"value": low}, "high": {"value": high}}],
             "subject": {"reference": patient}, "effectiveDateTime": at, "issued": at,
             "status": "final"})  # fmt: skip
    add(
        {
            "resourceType": "Observation",
            "category": _category("social-history"),
            "code": _concept(LOINC, "72166-2", "Tobacco smoking status"),
            "valueCodeableConcept": _concept(SNOMED, "266919005", "Never smoked tobacco (finding)"),
            "subject": {"reference": patient},
            "effectiveDateTime": at,
            "status": "final",
        }
    )
    add(
        {
            "resourceType": "Procedure",
            "status": "completed",
            "code": _concept(SNOMED, "430193006", "Medication Reconciliation (procedure)"),
            "subject": {"reference": patient},
            "performedDateTime": at,
        }
    )
    add(
        {
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "order",
            "subject": {"reference": patient},
            "category": [_concept(SNOMED, "736285004", "Hyperlipidemia clinical management plan")],
        }
    )
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def bundles(*, seed: int, patients: int, encounters: int = 5,
            bundle_type: str = "transaction") -> list[dict]:  # fmt: skip
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    return [patient_bundle(rng, bundle_type=bundle_type, encounters=encounters)
            for _ in range(patients)]  # fmt: skip
