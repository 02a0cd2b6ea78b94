"""Observation: vital signs (the chart's vitals, LOINC and UCUM) and results (lab, imaging),
read and searched through the chart's access helpers; a vital-signs Observation is recorded
through `vital_record` (the same plausible ranges, LOINC table and audit as the chart).

Vitals and results are two tables: a search runs on both and merges them newest first, so
a page is `_count` entries of either, and the next page starts where this one ended.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q

from medoffice.billing.models import Encounter
from medoffice.clinical import access, services
from medoffice.clinical.exports import result_data, vital_data
from medoffice.clinical.models import Result, Vital
from medoffice.clinical.vitals import VITALS
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.clinical import ResourceInputError, parse_vital_observation
from medoffice.formats.fhir.clinical import observation as map_observation
from medoffice.interop.fhir.errors import FhirError, from_validation_error
from medoffice.interop.fhir.registry import (
    CREATE,
    READ,
    Include,
    ResourceType,
    add_revinclude,
    register,
)
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    input_error,
    patient_for_write,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import (
    SearchParam,
    any_of,
    date_condition,
    reference_id,
    valid_uuid,
    values_of,
)

CATEGORY = "vitals"
VIEW = access.VIEW_CHART
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs"
BY_LOINC = {sign.loinc: kind for kind, sign in VITALS.items()}


def get(user, resource_id, *, permission: str, audit: bool):
    public_id = uuid_or_404(resource_id)
    if Vital.objects.filter(public_id=public_id).exists():
        return access.chart_entry_get_for_user(
            user, Vital, public_id, permission=permission, category="vitals",
            related=("encounter",), audit=audit,
        )  # fmt: skip
    return access.result_get_for_user(user, public_id, permission=permission, audit=audit)


def to_resource(row) -> dict:
    data = vital_data(row) if isinstance(row, Vital) else result_data(row)
    return map_observation(data, str(row.patient.public_id), ref=rest_ref)


def last_updated(row):
    return row.taken_at if isinstance(row, Vital) else None  # a result is signed off later


# --- search: each parameter gives a condition on the vitals and one on the results ---


@dataclass(frozen=True)
class _Columns:
    date: str
    kinds: dict[str, Q]  # category code -> rows of that category (absent: none)
    encounter: str | None


VITAL = _Columns("taken_at", {"vital-signs": Q()}, "encounter__public_id")
RESULT = _Columns("resulted_at", {"laboratory": Q(kind="lab"), "imaging": Q(kind="imaging")}, None)
NOTHING = Q(pk__in=[])


def _condition(name: str, values: list[str], table: _Columns, ctx) -> Q:
    if name in ("patient", "subject"):
        ids = [reference_id(v, "Patient") for v in values]
        return Q(patient__public_id__in=[i for i in ids if valid_uuid(i)])
    if name == "_id":
        return Q(public_id__in=[v for v in values if valid_uuid(v)])
    if name == "code":
        return Q(loinc__in=codes_of(values))
    if name == "category":
        return any_of([table.kinds[c] for c in codes_of(values) if c in table.kinds])
    if name == "date":
        return any_of([date_condition(table.date, v, ctx.zone) for v in values])
    if name == "encounter":
        if table.encounter is None:
            return NOTHING
        ids = [reference_id(v, "Encounter") for v in values]
        return Q(**{f"{table.encounter}__in": [i for i in ids if valid_uuid(i)]})
    raise FhirError(400, "not-supported", f"{name} is not a search parameter of Observation.")


def _documented(name: str, type_: str, documentation: str) -> SearchParam:
    # The filter is applied per table by `search` below; this one only declares it.
    return SearchParam(name, type_, lambda values, modifier, ctx: Q(), documentation)


SEARCH_PARAMS = (
    _documented("_id", "token", "Logical id"),
    _documented("patient", "reference", "The patient (Patient/<id>)"),
    _documented("subject", "reference", "The patient, as subject"),
    _documented("category", "token", "vital-signs, laboratory or imaging"),
    _documented("code", "token", "LOINC code"),
    _documented("date", "date", "When taken (vitals) or resulted; prefixes eq, lt, gt, le, ge ..."),
    _documented("encounter", "reference", "The visit a vital sign was taken at"),
)


def search(user, query, ctx):
    access.require_permission(user, VIEW, category=CATEGORY)
    tables = (
        (access.chart_entries_for_user(user, Vital, permission=VIEW, category=CATEGORY)
         .select_related("encounter"), VITAL),
        (access.chart_entries_for_user(user, Result, permission=VIEW, category="results")
         .select_related("ordering_provider"), RESULT),
    )  # fmt: skip
    oldest_first = query.sort == ["date"]
    end = query.offset + query.count
    rows: list = []
    total = 0
    for rows_qs, table in tables:
        for name, _modifier, raw in query.params:
            rows_qs = rows_qs.filter(_condition(name, values_of(raw), table, ctx))
        order = (table.date, "pk") if oldest_first else (f"-{table.date}", "-pk")
        rows_qs = rows_qs.order_by(*order)
        # One row more than the page from each table tells whether a next page exists.
        rows += list(rows_qs[: end + 1])
        if query.total != "none":
            total += rows_qs.count()
    rows.sort(
        # The same order as each table's (date, pk), so pages never overlap.
        key=lambda r: (r.taken_at, 0, r.pk) if isinstance(r, Vital) else (r.resulted_at, 1, r.pk),
        reverse=not oldest_first,
    )
    has_next = len(rows) > end
    return rows[query.offset : end], (total if query.total != "none" else None), has_next


# --- includes ---


def _encounters_of(user, rows) -> list:
    from medoffice.records.fhir_export import encounter_rows

    ids = {r.encounter_id for r in rows if isinstance(r, Vital) and r.encounter_id}
    return list(encounter_rows().filter(pk__in=ids))


# --- writes ---


def create(user, resource: dict):
    try:
        parsed = parse_vital_observation(resource)
    except ResourceInputError as exc:
        raise input_error("Observation", exc) from exc
    kind = BY_LOINC.get(parsed.loinc)
    if kind is None:
        raise FhirError(
            422, "business-rule",
            "Not a vital sign the chart records: use one of LOINC " + ", ".join(BY_LOINC) + ".",
            ("Observation.code",),
        )  # fmt: skip
    if parsed.unit and parsed.unit != VITALS[kind].unit:
        raise FhirError(
            422, "business-rule", f"{VITALS[kind].name} is recorded in {VITALS[kind].unit}.",
            ("Observation.valueQuantity.code",),
        )  # fmt: skip
    patient = patient_for_write(
        user, parsed.patient_id, permission="clinical.change_chart", element="Observation.subject"
    )
    encounter = None
    if parsed.encounter_id:
        encounter = Encounter.objects.filter(
            patient=patient, public_id=uuid_or_404(parsed.encounter_id)
        ).first()
        if encounter is None:
            raise FhirError(
                422, "business-rule", "The encounter referenced is not one of this patient's.",
                ("Observation.encounter",),
            )  # fmt: skip
    try:
        vital = services.vital_record(
            patient=patient, kind=kind, value=parsed.value.quantize(Decimal("0.01")),
            taken_at=parsed.taken_at, encounter=encounter, recorded_by=user,
        )  # fmt: skip
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    return Vital.objects.select_related("patient", "encounter").get(pk=vital.pk)


register(
    ResourceType(
        name="Observation",
        permissions={READ: VIEW, CREATE: "clinical.change_chart"},
        get=get,
        to_resource=to_resource,
        search_params=SEARCH_PARAMS,
        sorts={"date": "date"},
        search=search,
        create=create,
        last_updated=last_updated,
        includes={
            "Observation:patient": PATIENT_INCLUDE,
            "Observation:subject": PATIENT_INCLUDE,
            "Observation:encounter": Include("Encounter", _encounters_of),
        },
        audit_category=CATEGORY,
        profile=PROFILE,
        documentation="Vital signs and lab/imaging results; create records a vital sign.",
    )
)


def _of_patients(user, patients) -> list:
    ids = [p.pk for p in patients]
    vitals = access.chart_entries_for_user(user, Vital, permission=VIEW, category=CATEGORY)
    results = access.chart_entries_for_user(user, Result, permission=VIEW, category="results")
    return [
        *vitals.filter(patient__in=ids).select_related("encounter"),
        *results.filter(patient__in=ids).select_related("ordering_provider"),
    ]


add_revinclude("Patient", "Observation:patient", Include("Observation", _of_patients))
add_revinclude("Patient", "Observation:subject", Include("Observation", _of_patients))
