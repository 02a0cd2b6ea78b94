"""ServiceRequest: referrals, out (we refer the patient to a specialist) and in (someone
referred the patient to us), read and searched through the records access helpers."""

from django.db.models import Q

from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.clinical import REFERRAL_STATUS
from medoffice.formats.fhir.clinical import service_request as map_referral
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    patient_params,
    token_param,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import date_param
from medoffice.records import access
from medoffice.records.fhir_export import referral_data

CATEGORY = "referrals"


def get(user, resource_id, *, permission: str, audit: bool):
    return access.referral_get_for_user(
        user, uuid_or_404(resource_id), permission=permission, audit=audit
    )


def queryset(user):
    return access.referral_rows_for_user(user)


def to_resource(referral) -> dict:
    return map_referral(referral_data(referral), str(referral.patient.public_id), ref=rest_ref)


def _status(values, modifier, ctx) -> Q:
    codes = set(codes_of(values))
    return Q(status__in=[ours for ours, theirs in REFERRAL_STATUS.items() if theirs in codes])


def _priority(values, modifier, ctx) -> Q:
    return Q(urgency__in=codes_of(values))


SEARCH_PARAMS = (
    *patient_params(),
    token_param("status", _status, "draft, active, completed or revoked"),
    token_param("priority", _priority, "routine, urgent or stat"),
    date_param("authored", "created_at", "When the referral was made or received"),
)


register(
    ResourceType(
        name="ServiceRequest",
        permissions={READ: "records.view_referral"},
        get=get,
        to_resource=to_resource,
        queryset=queryset,
        search_params=SEARCH_PARAMS,
        sorts={"authored": "created_at", "_lastUpdated": "updated_at"},
        default_order=("-created_at", "pk"),
        includes={"ServiceRequest:patient": PATIENT_INCLUDE},
        audit_category=CATEGORY,
        documentation="Referrals out and in (category: patient referral); read and search.",
    )
)
