"""Helpers the resource modules share."""

import uuid

from django.http import Http404

from medoffice.interop.fhir.errors import FhirError
from medoffice.interop.fhir.search import reference_id


def uuid_or_404(resource_id: str) -> uuid.UUID:
    """Our ids are UUIDs: anything else names nothing here (404, not a 500 or a 400)."""
    try:
        return uuid.UUID(resource_id)
    except ValueError as exc:
        raise Http404 from exc


def referenced_id(reference: dict | None, resource_type: str, element: str) -> str:
    """The id in a Reference to `resource_type` (`{"reference": "Patient/<id>"}`); 422
    naming `element` when the reference is missing or points at another type."""
    text = (reference or {}).get("reference", "")
    found = reference_id(text, resource_type) if text else ""
    if not found:
        raise FhirError(
            422, "business-rule", f"{element} must reference a {resource_type}.", (element,)
        )
    return found


def string_starts(column: str):
    """A string search parameter's filter: starts with, ignoring case (FHIR's default);
    :exact for an exact match."""
    from django.db.models import Q

    from medoffice.interop.fhir.search import any_of

    def build(values: list[str], modifier: str, ctx) -> Q:
        if modifier == "exact":
            return Q(**{f"{column}__in": values})
        return any_of([Q(**{f"{column}__istartswith": v}) for v in values])

    return build


def in_practice(model, user, resource_id: str, *related: str):
    """A row of `model` of the user's practice by public id (404 otherwise): for the
    practice's directory (providers, locations), which is no patient's data."""
    from medoffice.core.access import practice_id_for

    rows = model.objects.filter(
        practice_id=practice_id_for(user), public_id=uuid_or_404(resource_id)
    )
    if related:
        rows = rows.select_related(*related)
    row = rows.first()
    if row is None:
        raise Http404
    return row
