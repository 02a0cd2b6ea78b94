"""Schedule: one provider's calendar at one of their locations (computed, not stored).

Its id is a UUID derived from the provider's and the location's ids, so it is stable
and reveals neither row number. Slot (slot.py) names schedules by it.
"""

import uuid
from dataclasses import dataclass

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.core.models import Location, Provider
from medoffice.core.policy import AUTHENTICATED
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.scheduling import ScheduleData, schedule_resource
from medoffice.interop.fhir.registry import READ, Include, ResourceType, register
from medoffice.interop.fhir.search import SearchParam, reference_id, values_of


@dataclass(frozen=True)
class ProviderSchedule:
    id: str
    provider: Provider
    location: Location


def schedule_id(provider: Provider, location: Location) -> str:
    return str(uuid.uuid5(provider.public_id, str(location.public_id)))


def schedules_for_user(user) -> list[ProviderSchedule]:
    """Every (provider, location) calendar of the user's practice, by provider name."""
    providers = (
        Provider.objects.filter(practice_id=practice_id_for(user))
        .prefetch_related("locations")
        .order_by("last_name", "first_name", "pk")
    )
    return [
        ProviderSchedule(schedule_id(p, loc), p, loc)
        for p in providers
        for loc in sorted(p.locations.all(), key=lambda loc: loc.pk)
    ]


def schedule_get_for_user(user, resource_id: str) -> ProviderSchedule:
    found = next((s for s in schedules_for_user(user) if s.id == resource_id), None)
    if found is None:
        raise Http404
    return found


def get(user, resource_id, *, permission: str, audit: bool) -> ProviderSchedule:
    return schedule_get_for_user(user, resource_id)


def to_resource(s: ProviderSchedule) -> dict:
    provider = s.provider
    return schedule_resource(
        ScheduleData(
            id=s.id,
            practitioner_id=str(provider.public_id),
            location_id=str(s.location.public_id),
            name=f"{provider.first_name} {provider.last_name} at {s.location.name}",
            active=provider.is_active,
        ),
        ref=rest_ref,
    )


def _matches(s: ProviderSchedule, name: str, values: list[str]) -> bool:
    if name == "_id":
        return s.id in values
    if name == "actor":
        ids = {reference_id(v, "Practitioner") for v in values} | {
            reference_id(v, "Location") for v in values
        }
        return bool({str(s.provider.public_id), str(s.location.public_id)} & ids)
    if name == "active":
        return ("true" if s.provider.is_active else "false") in values
    return True


def search(user, query, ctx):
    rows = schedules_for_user(user)
    for name, _modifier, raw in query.params:
        rows = [s for s in rows if _matches(s, name, values_of(raw))]
    page = rows[query.offset : query.offset + query.count]
    return page, len(rows), query.offset + query.count < len(rows)


def _in_memory(name: str, kind: str, documentation: str) -> SearchParam:
    return SearchParam(name, kind, lambda values, modifier, ctx: None, documentation)


def _providers(user, schedules) -> list:
    return list({s.provider.pk: s.provider for s in schedules}.values())


def _locations(user, schedules) -> list:
    found = {s.location.pk: s.location for s in schedules}
    return list(Location.objects.filter(pk__in=found).select_related("practice"))


register(
    ResourceType(
        name="Schedule",
        permissions={READ: AUTHENTICATED},
        get=get,
        to_resource=to_resource,
        search=search,
        search_params=(
            _in_memory("_id", "token", "Logical id"),
            _in_memory("actor", "reference", "Practitioner/<id> or Location/<id>"),
            _in_memory("active", "token", "true or false"),
        ),
        last_updated=lambda row: None,
        includes={
            "Schedule:actor:Practitioner": Include("Practitioner", _providers),
            "Schedule:actor:Location": Include("Location", _locations),
        },
        documentation="One per provider and location they work at.",
    )
)
