"""Organization: the practice itself (type prov, group NPI) and the payers it bills (type
pay, X12 payer id). Neither is patient data: every staff member may read them."""

from django.http import Http404

from medoffice.core.access import practice_for
from medoffice.core.models import Practice
from medoffice.core.policy import AUTHENTICATED
from medoffice.formats.fhir.bundle import NPI_SYSTEM, PAYER_ID_SYSTEM, organization_resource
from medoffice.interop.fhir.registry import READ, ResourceType, register
from medoffice.interop.fhir.resources._common import uuid_or_404
from medoffice.interop.fhir.search import SearchParam, split_token, values_of
from medoffice.patients.models import Payer
from medoffice.records.fhir_export import payer_data, practice_data

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"


def get(user, resource_id, *, permission: str, audit: bool):
    wanted = uuid_or_404(resource_id)
    practice = practice_for(user)
    if practice.public_id == wanted:
        return practice
    payer = Payer.objects.filter(public_id=wanted).first()
    if payer is None:
        raise Http404
    return payer


def to_resource(row) -> dict:
    if isinstance(row, Practice):
        resource = organization_resource(practice_data(row))
        kind = "prov"
    else:
        resource = organization_resource(payer_data(row))
        resource["active"] = row.is_active
        kind = "pay"
    resource["type"] = [{"coding": [{"system": ORGANIZATION_TYPE, "code": kind}]}]
    return resource


def _matches(row, name: str, values: list[str]) -> bool:
    is_practice = isinstance(row, Practice)
    if name == "name":
        return any(row.name.lower().startswith(v.lower()) for v in values)
    if name == "type":
        return ("prov" if is_practice else "pay") in values
    if name == "_id":
        return str(row.public_id) in values
    if name == "identifier":
        for value in values:
            system, code = split_token(value)
            if is_practice and system in (None, "", NPI_SYSTEM) and code == row.group_npi:
                return True
            if not is_practice and system in (None, "", PAYER_ID_SYSTEM) and code == row.payer_id:
                return True
        return False
    return True


def search(user, query, ctx):
    """The practice and the payers, filtered in memory: a few dozen rows at most."""
    rows: list = [practice_for(user), *Payer.objects.order_by("name", "pk")]
    for name, _modifier, raw in query.params:
        rows = [row for row in rows if _matches(row, name, values_of(raw))]
    page = rows[query.offset : query.offset + query.count]
    return page, len(rows), query.offset + query.count < len(rows)


def _in_memory(name: str, kind: str, documentation: str) -> SearchParam:
    # Matched by `search` above (in memory), so the Q filter is never used.
    return SearchParam(name, kind, lambda values, modifier, ctx: None, documentation)


register(
    ResourceType(
        name="Organization",
        permissions={READ: AUTHENTICATED},
        get=get,
        to_resource=to_resource,
        search=search,
        search_params=(
            _in_memory("_id", "token", "Logical id"),
            _in_memory("name", "string", "Name starts with"),
            _in_memory("identifier", "token", "Group NPI of the practice, or a payer id"),
            _in_memory("type", "token", "prov (the practice) or pay (a payer)"),
        ),
        profile=PROFILE,
        documentation="The practice (type prov) and its payers (type pay).",
    )
)
