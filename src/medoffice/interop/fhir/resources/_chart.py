"""Helpers of the clinical and financial resource types: patient references, includes of
the patient, client input errors as OperationOutcomes, token values, and `ChartList`: the
get / queryset / to_resource / revinclude of one of the chart's lists."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404

from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.clinical import ResourceInputError
from medoffice.interop.fhir.errors import FhirError, from_validation_error
from medoffice.interop.fhir.registry import Include
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import SearchParam, reference_param, split_token


def patient_params(column: str = "patient__public_id", *, subject: bool = True) -> tuple:
    """`patient=` (and `subject=`, which clients use for the same thing)."""
    params = [reference_param("patient", "Patient", column, "The patient (Patient/<id>)")]
    if subject:
        params.append(reference_param("subject", "Patient", column, "The patient, as subject"))
    return tuple(params)


def _patients_of(user, rows) -> list:
    from medoffice.patients.models import Patient

    ids = {row.patient_id for row in rows}
    return list(
        Patient.objects.filter(pk__in=ids).select_related("practice", "primary_care_provider")
    )


PATIENT_INCLUDE = Include("Patient", _patients_of, "The patients of the rows found")


def codes_of(values: list[str]) -> list[str]:
    """The codes of token values (`system|code` or `code`), systems not checked."""
    return [split_token(v)[1].strip() for v in values if split_token(v)[1].strip()]


def input_error(resource_type: str, exc: ResourceInputError) -> FhirError:
    return FhirError(422, "invalid", exc.message, (f"{resource_type}.{exc.path}",))


def patient_for_write(user, patient_id: str, *, permission: str, element: str):
    """The patient a written resource names, in the user's practice; 422 naming `element`
    when there is none (a reference that resolves to nothing is the client's error)."""
    from medoffice.clinical.access import chart_get_for_user
    from medoffice.core.models import AuditAction

    try:
        patient, _viewer = chart_get_for_user(
            user, uuid_or_404(patient_id), permission=permission, action=AuditAction.CREATE,
            audit=False,
        )  # fmt: skip
    except Http404 as exc:
        raise FhirError(
            422, "business-rule", "The patient referenced is not a patient of this practice.",
            (element,),
        ) from exc  # fmt: skip
    return patient


def token_param(name: str, build, documentation: str) -> SearchParam:
    return SearchParam(name, "token", build, documentation)


@dataclass(frozen=True)
class ChartList:
    """One of the chart's lists (allergies, problems, medications, immunizations) as a FHIR
    type: rows reached through the chart's access helpers (practice and location scope, the
    role, the chart's audit), mapped by the formats/fhir codec `mapper(data, patient id,
    ref=...)` from the export's `data(row)`."""

    model: type
    category: str  # the audit category, e.g. "allergies"
    view_permission: str  # what listing the rows needs (the search checks it)
    data: Callable[[object], object]
    mapper: Callable[..., dict]
    related: tuple[str, ...] = ()  # more rows to_resource reads besides the patient

    def get(self, user, resource_id, *, permission: str, audit: bool):
        from medoffice.clinical import access

        return access.chart_entry_get_for_user(
            user, self.model, uuid_or_404(resource_id), permission=permission,
            category=self.category, related=self.related, audit=audit,
        )  # fmt: skip

    def queryset(self, user):
        from medoffice.clinical import access

        rows = access.chart_entries_for_user(
            user, self.model, permission=self.view_permission, category=self.category
        )
        return rows.select_related(*self.related) if self.related else rows

    def to_resource(self, row, **extra) -> dict:
        return self.mapper(self.data(row), str(row.patient.public_id), ref=rest_ref, **extra)

    def of_patients(self, user, patients) -> list:
        """The rows of these patients (a `_revinclude` from Patient)."""
        return list(self.queryset(user).filter(patient__in=[p.pk for p in patients]))


def chart_create(user, resource: dict, *, type_name: str, parse, permission: str,
                 element: str, add):  # fmt: skip
    """A chart entry written over FHIR: parse the resource (422 naming the element at fault),
    find the patient it names in the user's practice (422 when it is none of ours), then
    `add(patient, parsed)` through the chart's service; its refusals are 422 too."""
    try:
        parsed = parse(resource)
    except ResourceInputError as exc:
        raise input_error(type_name, exc) from exc
    patient = patient_for_write(user, parsed.patient_id, permission=permission, element=element)
    try:
        return add(patient, parsed)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
