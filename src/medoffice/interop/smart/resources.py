"""The resources a Bulk Data export writes, from the FHIR API's own registry of types.

An export says exactly what the API says: each type's rows come from its `queryset(user)`
(the practice's rows, the role's permission checked) and are mapped by its `to_resource`,
so references read `Type/id` as in the API. Patient data is narrowed to the export's
patients through the row's patient (`patient_lookup`); types that are not patient data
(practitioners, locations, the practice) go out whole. Types searched some other way
computed by a search function (Observation, Organization) are paged through that search,
per patient where it takes `patient`. Slot and Schedule (availability, not records) and
Group itself are not exported.
"""

from collections.abc import Iterator
from datetime import datetime

from django.core.exceptions import PermissionDenied

from medoffice.core.policy import has_permission
from medoffice.interop.fhir import registry
from medoffice.interop.fhir.auth import patient_lookup, patient_reference_of
from medoffice.interop.fhir.registry import READ

NOT_EXPORTED = frozenset({"Group", "Slot", "Schedule"})


def exportable_types() -> tuple[str, ...]:
    return tuple(name for name in registry.types() if name not in NOT_EXPORTED)


def read_permission(resource_type: str) -> str:
    return registry.get(resource_type).permissions[READ]


def type_resources(
    resource_type: str, *, user, patient_ids: list[str] | None, since: datetime | None
) -> Iterator[tuple[str | None, dict]]:
    """(patient id or None, resource) for every row of the type the export holds.

    `patient_ids` None: every patient of the practice. A role without the type's read
    permission yields nothing (the kick-off refused an explicit `_type` already).
    """
    from medoffice.interop.fhir.views import with_meta

    rt = registry.get(resource_type)
    if rt.queryset is None:
        yield from _searched(rt, user=user, patient_ids=patient_ids, since=since)
        return
    try:
        rows = rt.queryset(user)
    except PermissionDenied:
        return
    lookup = patient_lookup(rows.model)
    if lookup is not None and patient_ids is not None:
        rows = rows.filter(**{f"{lookup}__in": patient_ids})
    for row in rows.order_by(*rt.default_order).iterator(chunk_size=500):
        updated = rt.last_updated(row)
        if since is not None and updated is not None and updated < since:
            continue
        resource, _version = with_meta(rt, row)
        reference = patient_reference_of(resource) if lookup is not None else None
        yield (reference.removeprefix("Patient/") if reference else None), resource


def _searched(rt, *, user, patient_ids, since) -> Iterator[tuple[str | None, dict]]:
    """A computed type's resources, paged through its own search function."""
    from medoffice.core.access import practice_for
    from medoffice.interop.fhir.search import MAX_COUNT, SearchContext, parse_query
    from medoffice.interop.fhir.views import with_meta

    if not has_permission(user, rt.permissions[READ]):
        return
    known = {p.name: p for p in rt.search_params}
    practice = practice_for(user)
    ctx = SearchContext(user=user, practice_id=practice.id, zone=practice.zone)
    by_patient = "patient" in known
    if by_patient and patient_ids is None:
        patient_ids = [str(p) for p in _practice_patient_ids(practice.id)]
    for patient_id in patient_ids if by_patient else [None]:
        offset = 0
        while True:
            pairs = [("_count", str(MAX_COUNT)), ("_offset", str(offset))]
            if patient_id is not None:
                pairs.append(("patient", f"Patient/{patient_id}"))
            query = parse_query(pairs, known, sorts=frozenset(), includes=frozenset(),
                                revincludes=frozenset(), strict=False)  # fmt: skip
            try:
                found = rt.search(user, query, ctx)
            except PermissionDenied:
                return
            rows, total = list(found[0]), found[1]
            # (rows, total, has_next); older search functions answer (rows, total).
            has_next = (
                found[2] if len(found) > 2 else total is not None and (offset + len(rows) < total)
            )
            for row in rows:
                updated = rt.last_updated(row)
                if since is not None and updated is not None and updated < since:
                    continue
                resource, _version = with_meta(rt, row)
                yield patient_id, resource
            if not has_next:
                break
            offset += MAX_COUNT


def _practice_patient_ids(practice_id: int):
    from medoffice.patients.models import Patient, PatientStatus

    return (
        Patient.objects.filter(practice_id=practice_id)
        .exclude(status=PatientStatus.MERGED)
        .order_by("pk")
        .values_list("public_id", flat=True)
    )


def group_resource(provider, patients) -> dict:
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
