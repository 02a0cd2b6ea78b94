"""Practitioner: the practice's providers (a directory every staff member sees)."""

from django.db.models import Q

from medoffice.core.access import practice_id_for
from medoffice.core.models import Provider
from medoffice.core.policy import AUTHENTICATED
from medoffice.formats.fhir.bundle import NPI_SYSTEM, practitioner_resource
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._common import in_practice, string_starts
from medoffice.interop.fhir.search import SearchParam, any_of, split_token
from medoffice.records.fhir_export import practitioner_data

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitioner"


def get(user, resource_id, *, permission: str, audit: bool) -> Provider:
    return in_practice(Provider, user, resource_id)


def queryset(user):
    return Provider.objects.filter(practice_id=practice_id_for(user))


def to_resource(provider: Provider) -> dict:
    return practitioner_resource(practitioner_data(provider))


def npi_filter(column: str = "npi"):
    def build(values: list[str], modifier: str, ctx) -> Q:
        npis = []
        for value in values:
            system, code = split_token(value)
            if system in (None, "", NPI_SYSTEM):
                npis.append(code)
        return Q(**{f"{column}__in": npis})

    return build


def _name(values: list[str], modifier: str, ctx) -> Q:
    return any_of([Q(last_name__istartswith=v) | Q(first_name__istartswith=v) for v in values])


def _active(values: list[str], modifier: str, ctx) -> Q:
    return Q(is_active__in=[v == "true" for v in values if v in ("true", "false")])


SEARCH_PARAMS = (
    SearchParam("name", "string", _name, "Family or given name starts with"),
    SearchParam("family", "string", string_starts("last_name"), "", frozenset({"exact"})),
    SearchParam("given", "string", string_starts("first_name"), "", frozenset({"exact"})),
    SearchParam("identifier", "token", npi_filter(), f"NPI: value or {NPI_SYSTEM}|value"),
    SearchParam("active", "token", _active, "true or false"),
)

register(
    ResourceType(
        name="Practitioner",
        permissions={READ: AUTHENTICATED},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"family": "last_name", "given": "first_name"},
        default_order=("last_name", "first_name", "pk"),
        profile=PROFILE,
        documentation="The practice's providers, with their NPI.",
    )
)
