"""Location: the practice's offices (address, phone, place of service, time zone)."""

from medoffice.core.access import practice_id_for
from medoffice.core.models import Location
from medoffice.core.policy import AUTHENTICATED
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.scheduling import LocationData, location_resource
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._common import in_practice, string_starts
from medoffice.interop.fhir.search import SearchParam, reference_param

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-location"


def get(user, resource_id, *, permission: str, audit: bool) -> Location:
    return in_practice(Location, user, resource_id, "practice")


def queryset(user):
    return Location.objects.filter(practice_id=practice_id_for(user)).select_related("practice")


def to_resource(location: Location) -> dict:
    return location_resource(
        LocationData(
            id=str(location.public_id),
            name=location.name,
            organization_id=str(location.practice.public_id),
            address_lines=tuple(a for a in (location.address1, location.address2) if a),
            city=location.city,
            state=location.state,
            postal_code=location.zip_code,
            phone=location.phone,
            place_of_service=location.place_of_service,
            time_zone=location.time_zone,
        ),
        ref=rest_ref,
    )


SEARCH_PARAMS = (
    SearchParam("name", "string", string_starts("name"), "Name starts with", frozenset({"exact"})),
    SearchParam("address-city", "string", string_starts("city"), "City starts with"),
    SearchParam("address-state", "string", string_starts("state"), "Two-letter state"),
    SearchParam("address-postalcode", "string", string_starts("zip_code"), "ZIP code"),
    reference_param("organization", "Organization", "practice__public_id", "The practice"),
)

register(
    ResourceType(
        name="Location",
        permissions={READ: AUTHENTICATED},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"name": "name"},
        default_order=("name", "pk"),
        profile=PROFILE,
        documentation="The practice's offices.",
    )
)
