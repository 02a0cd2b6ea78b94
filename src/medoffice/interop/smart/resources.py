"""The FHIR resources of one patient, for Bulk Data export, and the Group of a provider's panel.

The resources come from the one mapping of our records to FHIR R4 that the records
transfer already uses (records/fhir_export.py and formats/fhir), so an export and a
transfer say the same thing. In a transfer Bundle the resources refer to each other by
`urn:uuid:` full URLs; ndjson files stand alone, so references become `Type/id`.
Shared resources (the practice, its providers, payers) are written once per export.
"""

from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

# Resource types an export can hold, in the order the manifest lists them.
EXPORTERS = (
    "Patient",
    "Organization",
    "Practitioner",
    "Coverage",
    "Encounter",
    "Condition",
    "Appointment",
    "DocumentReference",
    "AllergyIntolerance",
    "MedicationStatement",
    "Immunization",
    "Observation",
)


def _rewrite_references(value, types_by_id: dict[str, str]):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str) and item.startswith("urn:uuid:"):
                ident = item.removeprefix("urn:uuid:")
                kind = types_by_id.get(ident)
                out[key] = f"{kind}/{ident}" if kind else item
            else:
                out[key] = _rewrite_references(item, types_by_id)
        return out
    if isinstance(value, list):
        return [_rewrite_references(item, types_by_id) for item in value]
    return value


def patient_resources(
    patient, *, types, since: datetime | None = None, seen: set | None = None
) -> Iterator[dict]:
    """The patient's resources of `types`, standalone (references as Type/id).

    `_since`: a patient whose record has not changed since then contributes nothing; the
    records behind our mapping carry no per-resource history, so a changed patient's
    resources all go out (a superset, as the Bulk Data IG allows for resources it cannot
    date precisely).
    """
    from medoffice.formats.fhir.bundle import bundle_json
    from medoffice.records.fhir_export import patient_record

    if since is not None and patient.updated_at < since:
        return
    bundle = bundle_json(patient_record(patient), bundle_id="export", timestamp=timezone.now())
    resources = [entry["resource"] for entry in bundle["entry"]]
    types_by_id = {r["id"]: r["resourceType"] for r in resources if "id" in r}
    seen = seen if seen is not None else set()
    for resource in resources:
        kind = resource["resourceType"]
        if kind not in types:
            continue
        key = (kind, resource.get("id"))
        if kind in ("Organization", "Practitioner"):
            if key in seen:
                continue
            seen.add(key)
        yield _rewrite_references(resource, types_by_id)


def group_resource(provider, patients, *, base_url: str = "") -> dict:
    """A provider's panel as an actual Group of persons (the members are references)."""
    members = [{"entity": {"reference": f"Patient/{p.public_id}"}} for p in patients]
    return {
        "resourceType": "Group",
        "id": str(provider.public_id),
        "type": "person",
        "actual": True,
        "name": f"Patients of {provider.first_name} {provider.last_name}".strip(),
        "managingEntity": {"reference": f"Practitioner/{provider.public_id}"},
        "quantity": len(members),
        "member": members,
    }
