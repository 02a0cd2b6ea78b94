"""Slot: open times, answered by the scheduling finder (the same one the booking screen
uses), so a free Slot here is one the booking service will accept.

A slot's id names its schedule, appointment type and start (minutes since the epoch),
so reading it again asks the finder whether that time is still free.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import Http404
from django.utils import timezone

from medoffice.core.access import practice_id_for
from medoffice.formats.fhir.bundle import APPOINTMENT_TYPE_SYSTEM, rest_ref
from medoffice.formats.fhir.scheduling import SlotData, slot_resource
from medoffice.interop.fhir.errors import FhirError
from medoffice.interop.fhir.registry import READ, Include, ResourceType, register
from medoffice.interop.fhir.resources.schedule import (
    ProviderSchedule,
    schedule_get_for_user,
    schedules_for_user,
)
from medoffice.interop.fhir.search import (
    SearchParam,
    date_bounds,
    reference_id,
    split_prefix,
    split_token,
    valid_uuid,
    values_of,
)
from medoffice.scheduling.models import AppointmentType
from medoffice.scheduling.selectors import Preferences, find_slots

# How many appointment types a search without service-type asks the finder about.
MAX_TYPES = 20


@dataclass(frozen=True)
class FoundSlot:
    schedule: ProviderSchedule
    appointment_type: AppointmentType
    starts_at: datetime
    ends_at: datetime
    free: bool = True

    @property
    def id(self) -> str:
        minutes = int(self.starts_at.timestamp()) // 60
        return f"{self.schedule.id}.{self.appointment_type.pk}.{minutes}"


def parse_slot_id(user, resource_id: str) -> tuple[ProviderSchedule, AppointmentType, datetime]:
    """The schedule, type and start a slot id names (404 if it names nothing of ours)."""
    parts = resource_id.split(".")
    if len(parts) != 3 or not valid_uuid(parts[0]) or not (parts[1] + parts[2]).isdigit():
        raise Http404
    schedule = schedule_get_for_user(user, parts[0])
    kind = AppointmentType.objects.filter(practice_id=practice_id_for(user), pk=parts[1]).first()
    if kind is None:
        raise Http404
    return schedule, kind, datetime.fromtimestamp(int(parts[2]) * 60, tz=UTC)


def _still_free(schedule: ProviderSchedule, kind: AppointmentType, starts_at: datetime) -> bool:
    found = find_slots(
        appointment_type=kind,
        after=starts_at,
        limit=1,
        prefs=Preferences(
            provider_ids=(schedule.provider.pk,), location_ids=(schedule.location.pk,)
        ),
        days=max(1, (starts_at - timezone.now()).days + 2),
    )
    return bool(found) and found[0].starts_at == starts_at


def get(user, resource_id, *, permission: str, audit: bool) -> FoundSlot:
    schedule, kind, starts_at = parse_slot_id(user, resource_id)
    return FoundSlot(
        schedule,
        kind,
        starts_at,
        starts_at + timedelta(minutes=kind.duration_minutes),
        free=_still_free(schedule, kind, starts_at),
    )


def to_resource(s: FoundSlot) -> dict:
    return slot_resource(
        SlotData(
            id=s.id,
            schedule_id=s.schedule.id,
            # In UTC: the same slot reads the same (and has the same version) whether it
            # came from a search (office time) or from its id.
            start=s.starts_at.astimezone(UTC),
            end=s.ends_at.astimezone(UTC),
            free=s.free,
            appointment_type_id=str(s.appointment_type.public_id),
            appointment_type_name=s.appointment_type.name,
        ),
        ref=rest_ref,
    )


def _window(values: list[str], ctx) -> tuple[datetime | None, datetime | None]:
    after = before = None
    for value in values:
        prefix, text = split_prefix(value)
        low, high = date_bounds(text, ctx.zone)
        if prefix in ("eq", "ap"):
            after, before = low, high
        elif prefix == "ge":
            after = low
        elif prefix in ("gt", "sa"):
            after = high
        elif prefix in ("lt", "eb"):
            before = low
        elif prefix == "le":
            before = high
        else:
            raise FhirError(400, "not-supported", f"start={value}: ne is not supported on Slot.")
    return after, before


def search(user, query, ctx):
    schedules = schedules_for_user(user)
    types = AppointmentType.objects.filter(practice_id=ctx.practice_id, is_active=True)
    after = before = None
    free_wanted = True
    for name, _modifier, raw in query.params:
        values = values_of(raw)
        if name == "schedule":
            ids = {reference_id(v, "Schedule") for v in values}
            schedules = [s for s in schedules if s.id in ids]
        elif name == "service-type":
            codes = []
            for value in values:
                system, code = split_token(value)
                if system in (None, "", APPOINTMENT_TYPE_SYSTEM) and valid_uuid(code):
                    codes.append(code)
            types = types.filter(public_id__in=codes)
        elif name == "status":
            free_wanted = "free" in values
        elif name == "start":
            low, high = _window(values, ctx)
            after = max(after, low) if after and low else (low or after)
            before = min(before, high) if before and high else (high or before)
    if not free_wanted or not schedules:
        return [], 0, False
    wanted = query.offset + query.count + 1
    places = {(s.provider.pk, s.location.pk): s for s in schedules}
    prefs = Preferences(
        provider_ids=tuple(sorted({s.provider.pk for s in schedules})),
        location_ids=tuple(sorted({s.location.pk for s in schedules})),
    )
    days = None
    if before is not None:
        days = max(0, (before - timezone.now()).days + 1)
    found: list[FoundSlot] = []
    for kind in types.order_by("name", "pk")[:MAX_TYPES]:
        for slot in find_slots(
            appointment_type=kind, after=after, limit=wanted, prefs=prefs, days=days
        ):
            schedule = places.get((slot.provider_id, slot.location_id))
            if schedule is None or (before is not None and slot.starts_at >= before):
                continue
            found.append(FoundSlot(schedule, kind, slot.starts_at, slot.ends_at))
    found.sort(key=lambda s: (s.starts_at, s.schedule.id, s.appointment_type.pk))
    page = found[query.offset : query.offset + query.count]
    return page, None, len(found) > query.offset + query.count


def _schedules(user, slots) -> list:
    return list({s.schedule.id: s.schedule for s in slots}.values())


def _in_finder(name: str, kind: str, documentation: str) -> SearchParam:
    # Answered by the finder in `search` above, so the Q filter is never used.
    return SearchParam(name, kind, lambda values, modifier, ctx: None, documentation)


register(
    ResourceType(
        name="Slot",
        permissions={READ: "scheduling.add_appointment"},
        get=get,
        to_resource=to_resource,
        search=search,
        search_params=(
            _in_finder("schedule", "reference", "Schedule/<id>"),
            _in_finder("start", "date", "Start time; prefixes eq, ge, gt, le, lt, sa, eb"),
            _in_finder("status", "token", "free (open times); busy gives none"),
            _in_finder(
                "service-type", "token", f"Appointment type: {APPOINTMENT_TYPE_SYSTEM}|<id>"
            ),
        ),
        last_updated=lambda row: None,
        includes={"Slot:schedule": Include("Schedule", _schedules)},
        documentation=(
            "Open times from the scheduling finder, first first; no total (the calendar "
            "runs on); at most 20 appointment types per search without service-type."
        ),
    )
)
