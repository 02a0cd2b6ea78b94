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
