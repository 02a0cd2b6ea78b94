"""Helpers of the clinical and financial resource types: patient references, includes of
the patient, client input errors as OperationOutcomes, token values."""

from django.http import Http404

from medoffice.formats.fhir.clinical import ResourceInputError
from medoffice.interop.fhir.errors import FhirError
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
