"""Claim, ClaimResponse and ExplanationOfBenefit: our claims and what the payer answered
(the 835 postings), read and searched through the billing access helpers. Only roles that
read claims (billers) see them; the chart's roles do not.

One claim answers on all three types with the same id (ids are unique per type): the
Claim always, its ClaimResponse once the payer has answered (adjudicated, rejected or
denied), its ExplanationOfBenefit once adjudicated.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from medoffice.billing import access
from medoffice.billing.models import Adjudication
from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.financial import (
    CLAIM_STATUS,
    claim,
    claim_response,
    explanation_of_benefit,
)
from medoffice.interop.fhir.registry import READ, Include, ResourceType, register
from medoffice.interop.fhir.resources._chart import (
    PATIENT_INCLUDE,
    codes_of,
    patient_params,
    token_param,
)
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import date_param, reference_param
from medoffice.records.fhir_export import claim_data, claim_rows

CATEGORY = access.CATEGORY
ADJUDICATED = Exists(Adjudication.objects.filter(claim=OuterRef("pk"), superseded=False))
ANSWERED = ADJUDICATED | Q(status__in=("rejected", "denied"))


def _getter(condition):
    def get(user, resource_id, *, permission: str, audit: bool):
        found = access.claim_get_for_user(
            user, uuid_or_404(resource_id), permission=permission, audit=audit,
            detail="fhir read",
        )  # fmt: skip
        # Read with what the resources need; a claim the payer has not answered has no
        # ClaimResponse or ExplanationOfBenefit (404).
        row = claim_rows().filter(pk=found.pk).filter(condition).first()
        if row is None:
            raise Http404
        return row

    return get


def _queryset(condition):
    def queryset(user):
        return access.claim_rows_for_user(user, claim_rows()).filter(condition)

    return queryset


def _claim_status(values, modifier, ctx) -> Q:
    codes = set(codes_of(values))
    out = Q(pk__in=[])
    if "draft" in codes:
        out |= Q(status__in=list(CLAIM_STATUS))
    if "cancelled" in codes:
        out |= Q(frequency="8")
    if "active" in codes:
        out |= ~Q(status__in=list(CLAIM_STATUS)) & ~Q(frequency="8")
    return out


def _outcome(values, modifier, ctx) -> Q:
    codes = set(codes_of(values))
    out = Q(pk__in=[])
    if "complete" in codes:
        out |= ADJUDICATED | Q(status="denied")
    if "error" in codes:
        out |= Q(status="rejected") & ~ADJUDICATED
    return out


COMMON = (
    *patient_params(),
    date_param("created", "created_at", "When the claim was made; prefixes eq, lt, gt ..."),
    reference_param("provider", "Practitioner", "provider__public_id", "The rendering provider"),
    token_param("identifier", lambda values, m, ctx: Q(patient_control_number__in=codes_of(values)),
                "Our claim number (837 CLM01)"),
)  # fmt: skip
SORTS = {"created": "created_at", "_lastUpdated": "updated_at"}


def _claims_of(user, rows) -> list:
    return rows  # the same rows: ids are shared with the Claim


def _register(name, condition, mapper, params, documentation, includes=None) -> None:
    register(
        ResourceType(
            name=name,
            permissions={READ: access.CLAIM_VIEW},
            get=_getter(condition),
            to_resource=lambda row: mapper(claim_data(row)),
            queryset=_queryset(condition),
            search_params=params,
            sorts=SORTS,
            default_order=("-created_at", "pk"),
            includes={f"{name}:patient": PATIENT_INCLUDE, **(includes or {})},
            audit_category=CATEGORY,
            documentation=documentation,
        )
    )


_register(
    "Claim", Q(), lambda c: claim(c, ref=rest_ref),
    (*COMMON, token_param("status", _claim_status, "draft, active or cancelled"),
     token_param("use", lambda values, m, ctx: Q() if "claim" in codes_of(values) else Q(pk__in=[]),
                 "claim (the only use here)")),
    "Our professional claims: ICD-10-CM, CPT/HCPCS with modifiers, amounts in USD.",
)  # fmt: skip
_register(
    "ClaimResponse", ANSWERED, lambda c: claim_response(c, ref=rest_ref, same_ids=True),
    (*COMMON, token_param("outcome", _outcome, "complete or error"),
     reference_param("request", "Claim", "public_id", "The claim answered")),
    "What the payer answered (835 and rejections): adjudication by CAS group and CARC.",
)  # fmt: skip
_register(
    "ExplanationOfBenefit", ADJUDICATED,
    lambda c: explanation_of_benefit(c, ref=rest_ref, same_ids=True),
    (*COMMON, token_param("status", _claim_status, "active or cancelled"),
     reference_param("claim", "Claim", "public_id", "The claim explained")),
    "The claim with its adjudication and payment, once the payer has adjudicated it.",
    includes={"ExplanationOfBenefit:claim": Include("Claim", _claims_of)},
)  # fmt: skip
