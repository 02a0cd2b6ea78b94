"""FHIR R4 resources for the office's places and calendars: Location, PractitionerRole,
Schedule and Slot. Plain dataclasses in, resource dicts out (no Django).

A Schedule is one provider's calendar at one location; a Slot is an open time the
scheduling finder offers for an appointment type (slots are computed, never stored).
"""

from dataclasses import dataclass
from datetime import datetime

from medoffice.formats.fhir.bundle import (
    APPOINTMENT_TYPE_SYSTEM,
    NPI_SYSTEM,
    Ref,
    _instant,
    urn_ref,
)

NUCC_TAXONOMY_SYSTEM = "http://nucc.org/provider-taxonomy"
CMS_POS_SYSTEM = (
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
)
LOCATION_PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"


@dataclass(frozen=True)
class LocationData:
    id: str
    name: str
    organization_id: str
    address_lines: tuple[str, ...]
    city: str
    state: str
    postal_code: str
    phone: str = ""  # E.164
    place_of_service: str = ""  # CMS place-of-service code, e.g. 11 office
    time_zone: str = ""


@dataclass(frozen=True)
class PractitionerRoleData:
    id: str
    practitioner_id: str
    organization_id: str
    npi: str
    specialty: str = ""
    taxonomy_code: str = ""
    location_ids: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class ScheduleData:
    id: str
    practitioner_id: str
    location_id: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class SlotData:
    id: str
    schedule_id: str
    start: datetime
    end: datetime
    free: bool
    appointment_type_id: str = ""
    appointment_type_name: str = ""


def location_resource(loc: LocationData, *, ref: Ref = urn_ref) -> dict:
    address: dict = {"use": "work", "line": list(loc.address_lines), "country": "US"}
    for key, value in (("city", loc.city), ("state", loc.state), ("postalCode", loc.postal_code)):
        if value:
            address[key] = value
    resource: dict = {
        "resourceType": "Location",
        "id": loc.id,
        "status": "active",
        "name": loc.name,
        "mode": "instance",
        "address": address,
        "physicalType": {"coding": [{"system": LOCATION_PHYSICAL_TYPE, "code": "bu"}]},
        "managingOrganization": ref("Organization", loc.organization_id),
    }
    if loc.phone:
        resource["telecom"] = [{"system": "phone", "value": loc.phone, "use": "work"}]
    if loc.place_of_service:
        resource["type"] = [{"coding": [{"system": CMS_POS_SYSTEM, "code": loc.place_of_service}]}]
    if loc.time_zone:
        resource["extension"] = [
            {"url": "http://hl7.org/fhir/StructureDefinition/timezone", "valueCode": loc.time_zone}
        ]
    return resource


def practitioner_role_resource(role: PractitionerRoleData, *, ref: Ref = urn_ref) -> dict:
    resource: dict = {
        "resourceType": "PractitionerRole",
        "id": role.id,
        "identifier": [{"system": NPI_SYSTEM, "value": role.npi}],
        "active": role.active,
        "practitioner": ref("Practitioner", role.practitioner_id),
        "organization": ref("Organization", role.organization_id),
    }
    if role.taxonomy_code or role.specialty:
        specialty: dict = {}
        if role.taxonomy_code:
            specialty["coding"] = [{"system": NUCC_TAXONOMY_SYSTEM, "code": role.taxonomy_code}]
        if role.specialty:
            specialty["text"] = role.specialty
        resource["specialty"] = [specialty]
    if role.location_ids:
        resource["location"] = [ref("Location", lid) for lid in role.location_ids]
    return resource


def schedule_resource(s: ScheduleData, *, ref: Ref = urn_ref) -> dict:
    return {
        "resourceType": "Schedule",
        "id": s.id,
        "active": s.active,
        "actor": [ref("Practitioner", s.practitioner_id), ref("Location", s.location_id)],
        "comment": s.name,
    }


def slot_resource(s: SlotData, *, ref: Ref = urn_ref) -> dict:
    resource: dict = {
        "resourceType": "Slot",
        "id": s.id,
        "schedule": ref("Schedule", s.schedule_id),
        "status": "free" if s.free else "busy",
        "start": _instant(s.start),
        "end": _instant(s.end),
    }
    if s.appointment_type_id:
        resource["serviceType"] = [
            {
                "coding": [{"system": APPOINTMENT_TYPE_SYSTEM, "code": s.appointment_type_id}],
                "text": s.appointment_type_name,
            }
        ]
    return resource
