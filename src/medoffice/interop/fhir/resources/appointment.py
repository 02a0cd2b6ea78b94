"""Appointment: read and search; booking by POST (the $book style: a Slot, or a start,
practitioner, location and appointment type) and cancel, status moves and rescheduling
by PUT, all through the scheduling services the booking screen uses, so the database's
no-double-booking guarantee holds: a time just taken is a 409."""

from datetime import datetime

from django.db.models import Q

from medoffice.core.access import location_scope, practice_id_for
from medoffice.core.models import Location, Provider
from medoffice.formats.fhir.bundle import APPOINTMENT_TYPE_SYSTEM, appointment_resource, rest_ref
from medoffice.interop.fhir import registry
from medoffice.interop.fhir.errors import FhirError
from medoffice.interop.fhir.registry import CREATE, READ, UPDATE, Include, ResourceType, register
from medoffice.interop.fhir.resources._common import referenced_id, uuid_or_404
from medoffice.interop.fhir.resources.slot import parse_slot_id
from medoffice.interop.fhir.search import (
    SearchParam,
    date_param,
    reference_id,
    reference_param,
    split_token,
)
from medoffice.patients import access as patient_access
from medoffice.patients.models import Patient
from medoffice.records.fhir_export import appointment_data
from medoffice.scheduling import access, services
from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.models import Appointment, AppointmentType
from medoffice.scheduling.states import AppointmentStatus

# FHIR appointment status -> ours (the booking screen's check-in is "arrived").
STATUS_IN = {
    "booked": AppointmentStatus.BOOKED,
    "arrived": AppointmentStatus.ARRIVED,
    "checked-in": AppointmentStatus.ARRIVED,
    "fulfilled": AppointmentStatus.FULFILLED,
    "cancelled": AppointmentStatus.CANCELLED,
    "noshow": AppointmentStatus.NOSHOW,
    "entered-in-error": AppointmentStatus.ENTERED_IN_ERROR,
}


def get(user, resource_id, *, permission: str, audit: bool) -> Appointment:
    return access.appointment_get_for_user(
        user, uuid_or_404(resource_id), permission=permission, audit=audit
    )


def queryset(user):
    patient_access.require_permission(user, "scheduling.view_appointment", category="scheduling")
    in_scope = Q(location__practice_id=practice_id_for(user)) & location_scope(user, "patient")
    return Appointment.objects.filter(in_scope).select_related(
        "patient", "appointment_type", "provider", "location"
    )


def to_resource(appointment: Appointment) -> dict:
    return appointment_resource(
        appointment_data(appointment), str(appointment.patient.public_id), ref=rest_ref
    )


def _status(values, modifier, ctx) -> Q:
    return Q(status__in=[STATUS_IN[v] for v in values if v in STATUS_IN])


def _service_type(values, modifier, ctx) -> Q:
    codes = []
    for value in values:
        system, code = split_token(value)
        if system in (None, "", APPOINTMENT_TYPE_SYSTEM):
            codes.append(code)
    from medoffice.interop.fhir.search import valid_uuid

    return Q(appointment_type__public_id__in=[c for c in codes if valid_uuid(c)])


def _actor(values, modifier, ctx) -> Q:
    conditions = Q(pk__in=[])
    for value in values:
        for kind, column in (
            ("Patient", "patient__public_id"),
            ("Practitioner", "provider__public_id"),
            ("Location", "location__public_id"),
        ):
            found = reference_id(value, kind)
            if found and "/" in value:
                conditions |= Q(**{column: uuid_or_none(found)})
    return conditions


def uuid_or_none(text: str):
    from medoffice.interop.fhir.search import valid_uuid

    return text if valid_uuid(text) else None


SEARCH_PARAMS = (
    date_param("date", "starts_at", "Start; prefixes eq, ne, lt, gt, le, ge, sa, eb"),
    reference_param("patient", "Patient", "patient__public_id", "The patient"),
    reference_param("practitioner", "Practitioner", "provider__public_id", "The provider"),
    reference_param("location", "Location", "location__public_id", "The office"),
    SearchParam("actor", "reference", _actor, "Patient/, Practitioner/ or Location/<id>"),
    SearchParam("status", "token", _status, "booked, arrived, fulfilled, cancelled, noshow..."),
    SearchParam("service-type", "token", _service_type, f"{APPOINTMENT_TYPE_SYSTEM}|<type id>"),
)


def _patients(user, appointments) -> list:
    ids = {a.patient_id for a in appointments}
    return list(
        Patient.objects.filter(pk__in=ids).select_related("practice", "primary_care_provider")
    )


def _practitioners(user, appointments) -> list:
    return list({a.provider_id: a.provider for a in appointments}.values())


def _locations(user, appointments) -> list:
    ids = {a.location_id for a in appointments}
    return list(Location.objects.filter(pk__in=ids).select_related("practice"))


def _appointments_of(user, patients) -> list:
    return list(
        Appointment.objects.filter(patient__in=[p.pk for p in patients])
        .select_related("patient", "appointment_type", "provider", "location")
        .order_by("starts_at", "pk")
    )


# --- booking ---


def _actors(resource: dict) -> dict[str, str]:
    """The participants' ids by type (one each of Patient, Practitioner, Location)."""
    found: dict[str, str] = {}
    for participant in resource.get("participant") or []:
        text = (participant.get("actor") or {}).get("reference", "")
        kind = text.split("/")[-2] if text.count("/") >= 1 else ""
        if kind in ("Patient", "Practitioner", "Location") and kind not in found:
            found[kind] = reference_id(text, kind)
    return found


def _in_practice(model, practice_id: int, resource_id: str, element: str):
    row = model.objects.filter(practice_id=practice_id, public_id=uuid_or_none(resource_id)).first()
    if row is None:
        raise FhirError(
            422, "business-rule", f"{element} is not one of this practice's.", (element,)
        )
    return row


def _when(resource: dict) -> datetime | None:
    if not resource.get("start"):
        return None
    start = datetime.fromisoformat(resource["start"].replace("Z", "+00:00"))
    if start.tzinfo is None:
        raise FhirError(422, "business-rule", "start needs a time zone.", ("Appointment.start",))
    return start


def create(user, resource: dict) -> Appointment:
    if resource.get("status") not in ("booked", "proposed", "pending"):
        raise FhirError(
            422, "business-rule", "A new appointment is booked: status booked (or proposed, "
            "pending).", ("Appointment.status",),
        )  # fmt: skip
    practice_id = practice_id_for(user)
    actors = _actors(resource)
    if "Patient" not in actors:
        raise FhirError(
            422, "business-rule", "Name the patient as a participant.", ("Appointment.participant",)
        )
    patient = patient_access.patient_get_for_user(
        user, uuid_or_404(actors["Patient"]), audit=False, related=False
    )
    slots = resource.get("slot") or []
    if slots:
        schedule, kind, starts_at = parse_slot_id(
            user, referenced_id(slots[0], "Slot", "Appointment.slot")
        )
        provider, location = schedule.provider, schedule.location
    else:
        starts_at = _when(resource)
        if starts_at is None or "Practitioner" not in actors or "Location" not in actors:
            raise FhirError(
                422, "business-rule", "Give a slot, or a start with a Practitioner and a "
                "Location participant and the appointment type (serviceType).",
                ("Appointment.slot",),
            )  # fmt: skip
        provider = _in_practice(Provider, practice_id, actors["Practitioner"], "Practitioner")
        location = _in_practice(Location, practice_id, actors["Location"], "Location")
        codes = [
            coding.get("code", "")
            for concept in resource.get("serviceType") or []
            for coding in concept.get("coding") or []
            if coding.get("system") in (None, APPOINTMENT_TYPE_SYSTEM)
        ]
        if not codes:
            raise FhirError(
                422, "business-rule", f"serviceType names the appointment type "
                f"({APPOINTMENT_TYPE_SYSTEM}).", ("Appointment.serviceType",),
            )  # fmt: skip
        kind = _in_practice(AppointmentType, practice_id, codes[0], "serviceType")
    reason = " ".join(c.get("text", "") for c in resource.get("reasonCode") or [])[:200]
    try:
        appointment = services.appointment_book(
            patient=patient,
            appointment_type=kind,
            provider=provider,
            location=location,
            starts_at=starts_at,
            reason=reason,
            booked_by=user,
        )
    except SlotTakenError as exc:
        raise FhirError(409, "conflict", str(exc)) from exc
    return access.appointment_get_for_user(user, appointment.public_id, audit=False)


def update(user, appointment: Appointment, resource: dict) -> Appointment:
    wanted = resource.get("status")
    if wanted not in STATUS_IN:
        raise FhirError(
            422, "business-rule", f"Status {wanted} is not one the office uses.",
            ("Appointment.status",),
        )  # fmt: skip
    status = STATUS_IN[wanted]
    starts_at = _when(resource)
    try:
        if starts_at is not None and starts_at != appointment.starts_at:
            actors = _actors(resource)
            provider = None
            if actors.get("Practitioner") and actors["Practitioner"] != str(
                appointment.provider.public_id
            ):
                provider = _in_practice(
                    Provider, appointment.location.practice_id, actors["Practitioner"],
                    "Practitioner",
                )  # fmt: skip
            services.appointment_reschedule(
                appointment=appointment, starts_at=starts_at, provider=provider
            )
        if status != appointment.status:
            if status == AppointmentStatus.CANCELLED:
                reason = (resource.get("cancelationReason") or {}).get("text") or "cancelled"
                services.appointment_cancel(appointment=appointment, reason=reason[:200])
            else:
                services.appointment_set_status(appointment=appointment, status=status)
    except SlotTakenError as exc:
        raise FhirError(409, "conflict", str(exc)) from exc
    except StatusMoveError as exc:
        raise FhirError(422, "business-rule", str(exc), ("Appointment.status",)) from exc
    return access.appointment_get_for_user(user, appointment.public_id, audit=False)


register(
    ResourceType(
        name="Appointment",
        permissions={
            READ: "scheduling.view_appointment",
            CREATE: "scheduling.add_appointment",
            UPDATE: "scheduling.change_appointment",
        },
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"date": "starts_at", "status": "status"},
        default_order=("starts_at", "pk"),
        create=create,
        update=update,
        includes={
            "Appointment:patient": Include("Patient", _patients),
            "Appointment:practitioner": Include("Practitioner", _practitioners),
            "Appointment:location": Include("Location", _locations),
        },
        audit_category="scheduling",
        documentation=(
            "POST books (a slot, or start + Practitioner + Location + serviceType): 409 when "
            "the time was just taken. PUT cancels (status cancelled, cancelationReason), "
            "moves the status or reschedules (a new start)."
        ),
    )
)
registry.add_revinclude("Patient", "Appointment:patient", Include("Appointment", _appointments_of))
