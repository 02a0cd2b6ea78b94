"""FHIR R4 mapping of a patient's record: plain dataclasses in, a Bundle (JSON) out.

No Django here. `render_bundle` builds the JSON document; `validate_bundle`
checks it against fhir.resources' R4B models (R4B is R4 plus corrections; the
resources used here are the same in both). The models do not enforce code
bindings, so the codes written here come from fixed tables below.
"""

from medoffice.formats.fhir.bundle import (
    AppointmentData,
    CoverageData,
    DocumentData,
    EncounterData,
    OrganizationData,
    PatientData,
    PatientRecord,
    PractitionerData,
    bundle_json,
    render_bundle,
    validate_bundle,
)

__all__ = [
    "AppointmentData",
    "CoverageData",
    "DocumentData",
    "EncounterData",
    "OrganizationData",
    "PatientData",
    "PatientRecord",
    "PractitionerData",
    "bundle_json",
    "render_bundle",
    "validate_bundle",
]
