"""PractitionerRole: a provider's role in the practice (specialty, NUCC taxonomy, the
locations they see patients at). One per provider, with the provider's id."""

from django.db.models import Prefetch

from medoffice.core.access import practice_id_for
from medoffice.core.models import Location, Provider
from medoffice.core.policy import AUTHENTICATED
from medoffice.formats.fhir.bundle import NPI_SYSTEM, rest_ref
from medoffice.formats.fhir.scheduling import PractitionerRoleData, practitioner_role_resource
from medoffice.interop.fhir.registry import READ, Include, ResourceType, register
from medoffice.interop.fhir.resources._common import in_practice, string_starts
from medoffice.interop.fhir.resources.practitioner import npi_filter
from medoffice.interop.fhir.search import SearchParam, reference_param

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitionerrole"


def _rows(user):
    return (
        Provider.objects.filter(practice_id=practice_id_for(user))
        .select_related("practice")
        .prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("id")))
    )


def get(user, resource_id, *, permission: str, audit: bool) -> Provider:
    in_practice(Provider, user, resource_id)
    return _rows(user).get(public_id=resource_id)


def to_resource(provider: Provider) -> dict:
    return practitioner_role_resource(
        PractitionerRoleData(
            id=str(provider.public_id),
            practitioner_id=str(provider.public_id),
            organization_id=str(provider.practice.public_id),
            npi=provider.npi,
            specialty=provider.specialty,
            taxonomy_code=provider.taxonomy_code,
            location_ids=tuple(str(loc.public_id) for loc in provider.locations.all()),
            active=provider.is_active,
        ),
        ref=rest_ref,
    )


def _practitioners(user, roles) -> list:
    return list(roles)


def _locations(user, roles) -> list:
    ids = {loc.pk for role in roles for loc in role.locations.all()}
    return list(Location.objects.filter(pk__in=ids).select_related("practice"))


SEARCH_PARAMS = (
    reference_param("practitioner", "Practitioner", "public_id", "The provider"),
    reference_param("location", "Location", "locations__public_id", "A location they work at"),
    SearchParam("specialty", "token", string_starts("specialty"), "Specialty (text)"),
    SearchParam("identifier", "token", npi_filter(), f"NPI: value or {NPI_SYSTEM}|value"),
)

register(
    ResourceType(
        name="PractitionerRole",
        permissions={READ: AUTHENTICATED},
        get=get,
        to_resource=to_resource,
        queryset=lambda user: _rows(user).distinct(),
        search_params=SEARCH_PARAMS,
        default_order=("last_name", "first_name", "pk"),
        includes={
            "PractitionerRole:practitioner": Include("Practitioner", _practitioners),
            "PractitionerRole:location": Include("Location", _locations),
        },
        profile=PROFILE,
        documentation="One role per provider: specialty, taxonomy, locations.",
    )
)
