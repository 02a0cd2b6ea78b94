"""The FHIR REST interactions over the registry: read, vread, search, create, update.

Every answer is `application/fhir+json`; every refusal an OperationOutcome (never an
HTML page, never a 500 for bad input). The views check the type's permission for the
method (declared on each view as `medoffice_policy`, read by the route tests), then
call the type's functions, which reach rows through the access helpers.
"""

import json
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from medoffice.core.access import practice_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import AUTHENTICATED, PUBLIC, audit_denied, has_permission
from medoffice.formats.fhir.writer import dumps
from medoffice.interop.fhir import binary, paging, registry
from medoffice.interop.fhir.auth import (
    allows,
    confine_search,
    fhir_principal,
    in_context,
    is_confined,
    require_in_context,
)
from medoffice.interop.fhir.errors import (
    FhirError,
    from_validation_error,
    issue,
    operation_outcome,
)
from medoffice.interop.fhir.registry import CREATE, READ, SEARCH, UPDATE, VREAD, ResourceType
from medoffice.interop.fhir.search import (
    SearchContext,
    id_param,
    parse_query,
    search_total,
    values_of,
)

FHIR_JSON = "application/fhir+json"
JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON, "application/json+fhir"})
ACCEPTABLE = frozenset({FHIR_JSON, "application/json", "application/json+fhir", "*/*",
                        "application/*"})  # fmt: skip
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", ""})
MAX_BODY = 1_000_000  # bytes: a resource, not a bundle upload


def fhir_json(data: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        dumps(data),  # exact decimals (Money) as JSON numbers
        status=status,
        content_type=f"{FHIR_JSON}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome_response(exc: FhirError) -> HttpResponse:
    issues = [issue(exc.code, exc.diagnostics, expression=exc.expression), *exc.more_issues]
    return fhir_json(operation_outcome(issues), exc.status, exc.headers)


def _check_format(request) -> None:
    """`_format` wins over Accept; only JSON is spoken (406 otherwise)."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        if wanted.split(";")[0].strip() not in JSON_FORMATS:
            raise FhirError(406, "not-supported", f"_format={wanted}: only JSON is offered.")
        return
    accept = request.headers.get("Accept", "")
    if not accept:
        return
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if not kinds & ACCEPTABLE:
        raise FhirError(406, "not-supported", f"Accept: {accept}: only {FHIR_JSON} is offered.")


def _permission_for(policy: dict[str, str], method: str) -> str | None:
    return policy.get("GET" if method == "HEAD" else method, policy.get("*"))


def fhir_view(policy: dict[str, str], *, any_accept: bool = False):
    """Wrap a FHIR view: format, credential, the method's permission, errors as outcomes.

    `policy` maps HTTP methods to the permission each needs (PUBLIC for metadata).
    `any_accept`: the view answers other media types too (Binary), so Accept is its own
    business, not a 406 here.
    """

    def decorate(view: Callable) -> Callable:
        @csrf_exempt  # sessions are checked for CSRF in fhir_principal; tokens need none
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if not any_accept:
                    _check_format(request)
                needed = _permission_for(policy, request.method)
                if needed is None:
                    allowed = ", ".join(sorted(m for m in policy if m != "*"))
                    raise FhirError(
                        405,
                        "not-supported",
                        f"{request.method} is not supported here.",
                        headers={"Allow": allowed},
                    )
                if needed == PUBLIC:
                    return view(request, None, *args, **kwargs)
                principal = fhir_principal(request)
                if principal is None:
                    raise FhirError(
                        401,
                        "login",
                        "Sign in, or send an API token as 'Authorization: Bearer ...'.",
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                request.user = principal.user  # the audit trail names the caller
                if not has_permission(principal.user, needed):
                    audit_denied(request, needed, **kwargs)
                    raise FhirError(403, "forbidden", "Your role does not allow this.")
                return view(request, principal, *args, **kwargs)
            except FhirError as exc:
                return outcome_response(exc)
            except Http404:
                return outcome_response(FhirError(404, "not-found", "Not found."))
            except PermissionDenied:
                return outcome_response(
                    FhirError(403, "forbidden", "Your role does not allow this.")
                )
            except ValidationError as exc:
                return outcome_response(from_validation_error(exc))

        wrapper.medoffice_policy = dict(policy)
        return wrapper

    return decorate


# --- helpers ---


def _base_url(request) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


def with_meta(rt: ResourceType, row) -> tuple[dict, str]:
    resource = rt.to_resource(row)
    version = rt.version_of(row, resource)
    meta: dict = {"versionId": version}
    updated = rt.last_updated(row)
    if updated is not None:
        meta["lastUpdated"] = updated.isoformat()
    if rt.profile:
        meta["profile"] = [rt.profile]
    resource["meta"] = meta
    return resource, version


def _resource_headers(rt: ResourceType, row, version: str, request, resource_id: str) -> dict:
    headers = {"ETag": f'W/"{version}"'}
    updated = rt.last_updated(row)
    if updated is not None:
        headers["Last-Modified"] = http_date(updated.timestamp())
    headers["Content-Location"] = f"{_base_url(request)}/{rt.name}/{resource_id}/_history/{version}"
    return headers


def _refuse_credential(principal, rt: ResourceType, interaction: str) -> None:
    if not allows(principal, rt.name, interaction):
        raise FhirError(
            403, "forbidden", f"The credential does not cover {interaction} of {rt.name}."
        )


def _body(request, rt: ResourceType, resource_id: str | None = None) -> dict:
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json", "application/json+fhir"):
        raise FhirError(415, "not-supported", f"Send {FHIR_JSON}, not {content_type or 'nothing'}.")
    if len(request.body) > MAX_BODY:
        raise FhirError(413, "too-costly", "The resource is too large.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirError(400, "invalid", f"Not valid JSON: {exc}.") from exc
    if not isinstance(data, dict) or data.get("resourceType") != rt.name:
        raise FhirError(
            400, "invalid", f"The body must be a {rt.name} resource.", ("resourceType",)
        )
    if resource_id is not None and data.get("id") != resource_id:
        raise FhirError(400, "invalid", "The resource's id must be the id in the URL.", ("id",))
    validate_resource(data)
    return data


def validate_resource(data: dict) -> None:
    """400 unless the resource parses in fhir.resources' R4B model of its type."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError as ModelError

    try:
        get_fhir_model_class(data["resourceType"]).model_validate(data)
    except ModelError as exc:
        issues = [
            issue(
                "structure",
                str(error.get("msg")),
                expression=(".".join(str(p) for p in error.get("loc", ())),),
            )
            for error in exc.errors()[:20]
        ]
        first = issues[0]
        raise FhirError(
            400, "structure", f"Not a valid {data['resourceType']}: {first['diagnostics']}",
            tuple(first.get("expression", ())), more_issues=issues[1:],
        ) from exc  # fmt: skip


# --- interactions ---


def read(request, principal, rt: ResourceType, resource_id: str, version: str | None = None):
    _refuse_credential(principal, rt, VREAD if version else READ)
    confined = is_confined(principal, rt.name, VREAD if version else READ)
    row = rt.get(principal.user, resource_id, permission=rt.permissions[READ], audit=not confined)
    resource, current = with_meta(rt, row)
    if confined:
        # A patient/ token: the row is audited as read only once it is the token's patient's.
        require_in_context(principal, rt, resource, READ)
        row = rt.get(principal.user, resource_id, permission=rt.permissions[READ], audit=True)
    if version is not None and version != current:
        raise FhirError(
            404, "not-found", f"Version {version} is not kept; the current one is {current}."
        )
    headers = _resource_headers(rt, row, current, request, resource_id)
    etag = request.headers.get("If-None-Match")
    if etag and etag.strip() == headers["ETag"]:
        response = HttpResponse(status=304)
        for name, value in headers.items():
            response[name] = value
        return response
    return fhir_json(resource, 200, headers)


def _search_pairs(request) -> list[tuple[str, str]]:
    pairs = [(k, v) for k in request.GET for v in request.GET.getlist(k)]
    if request.method == "POST":
        if request.content_type not in FORM_TYPES:
            raise FhirError(415, "not-supported", "POST _search takes form-encoded parameters.")
        pairs += [(k, v) for k in request.POST for v in request.POST.getlist(k)]
    return [(k, v) for k, v in pairs if k != "_format"]


def search(request, principal, rt: ResourceType):
    _refuse_credential(principal, rt, SEARCH)
    strict = "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")
    known = {p.name: p for p in rt.search_params}
    if rt.queryset is not None:
        known.setdefault("_id", id_param())
    # A page link names its search by token (paging.py): the kept parameters come back.
    pairs = paging.resume(principal, rt.name, _search_pairs(request))
    query = parse_query(
        [(k, v) for k, v in pairs if k != paging.PAGE_PARAM],
        known,
        sorts=frozenset(rt.sorts),
        includes=frozenset(rt.includes),
        revincludes=frozenset(rt.all_revincludes),
        strict=strict,
    )
    user = principal.user
    practice = practice_for(user)
    ctx = SearchContext(
        user=user,
        practice_id=practice.id,
        zone=practice.zone,
        names=frozenset(name for name, _, _ in query.params),
    )
    if rt.search is not None:
        if is_confined(principal, rt.name, SEARCH) and rt.audit_category:
            raise FhirError(403, "forbidden", f"patient/ scopes cannot search {rt.name}.")
        rows, total, has_next = rt.search(user, query, ctx)
        rows = list(rows)
    else:
        rows_qs = confine_search(principal, rt, rt.queryset(user))
        for name, modifier, raw in query.params:
            rows_qs = rows_qs.filter(known[name].filter(values_of(raw), modifier, ctx))
        rows_qs = rows_qs.order_by(*rt.order_by(query.sort))
        end = query.offset + query.count
        # One row more than the page tells whether there is a next page without a count.
        rows = list(rows_qs[query.offset : end + 1]) if query.count else []
        has_next = len(rows) > query.count
        rows = rows[: query.count]
        total = search_total(query, rows, has_next, rows_qs.count)
    entries = []
    base = _base_url(request)
    for row in rows:
        resource, _version = with_meta(rt, row)
        entries.append(
            {
                "fullUrl": f"{base}/{rt.name}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )
    entries += _included(principal, rt, rows, query, base)
    _audit_search(rt, len(rows), query)
    if query.ignored:
        entries.append(
            {
                "resource": operation_outcome(
                    [
                        issue(
                            "not-supported",
                            f"Ignored: {name} (unknown or unsupported here).",
                            severity="warning",
                        )
                        for name in query.ignored
                    ]
                ),
                "search": {"mode": "outcome"},
            }
        )
    bundle: dict = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": paging.page_links(base, principal, rt.name, pairs, query, has_next),
        "entry": entries,
    }
    if total is not None:
        bundle["total"] = total
    return fhir_json(bundle)


def _included(principal, rt: ResourceType, rows, query, base: str) -> list[dict]:
    entries: list[dict] = []
    seen: set[tuple[str, str]] = set()
    revincludes = rt.all_revincludes
    wanted = [rt.includes[n] for n in query.include] + [revincludes[n] for n in query.revinclude]
    for include in wanted:
        target = registry.get(include.target)
        if target is None:
            continue
        needed = target.permissions[READ]
        if not has_permission(principal.user, needed) or not allows(principal, target.name, READ):
            raise FhirError(403, "forbidden", f"Your role does not allow reading {target.name}.")
        found = include.fetch(principal.user, rows) if rows else []
        for row in found:
            resource, _version = with_meta(target, row)
            key = (target.name, resource["id"])
            if key in seen or not in_context(principal, target, resource):
                continue
            seen.add(key)
            entries.append(
                {
                    "fullUrl": f"{base}/{target.name}/{resource['id']}",
                    "resource": resource,
                    "search": {"mode": "include"},
                }
            )
        if found and target.audit_category:
            audit_record(
                action=AuditAction.QUERY,
                object_type=f"fhir.{target.name}",
                category=target.audit_category,
                detail=f"fhir include of {target.name}: {len(found)} rows",
            )
    return entries


def _audit_search(rt: ResourceType, count: int, query) -> None:
    if not rt.audit_category:
        return
    names = ",".join(sorted({name for name, _m, _v in query.params})) or "none"
    audit_record(
        action=AuditAction.QUERY,
        object_type=f"fhir.{rt.name}",
        category=rt.audit_category,
        detail=f"fhir search {rt.name} by {names}: {count} results",
    )


def create(request, principal, rt: ResourceType):
    _refuse_credential(principal, rt, CREATE)
    data = _body(request, rt)
    require_in_context(principal, rt, data, CREATE)
    with transaction.atomic():
        row = rt.create(principal.user, data)
    resource, version = with_meta(rt, row)
    headers = _resource_headers(rt, row, version, request, resource["id"])
    headers["Location"] = headers["Content-Location"]
    return fhir_json(resource, 201, headers)


def _if_match(request) -> str | None:
    value = request.headers.get("If-Match")
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def update(request, principal, rt: ResourceType, resource_id: str):
    _refuse_credential(principal, rt, UPDATE)
    permission = rt.permissions[UPDATE]
    row = rt.get(principal.user, resource_id, permission=permission, audit=False)
    require_in_context(principal, rt, with_meta(rt, row)[0], UPDATE)
    data = _body(request, rt, resource_id)
    require_in_context(principal, rt, data, UPDATE)
    expected = _if_match(request)
    with transaction.atomic():
        # Lock the row, then compare versions: two clients holding the same ETag cannot
        # both write (the second sees the first one's version and gets 412).
        type(row).objects.select_for_update().filter(pk=row.pk).exists()
        row.refresh_from_db()
        _resource, current = with_meta(rt, row)
        if expected is not None and expected != current:
            raise FhirError(
                412,
                "conflict",
                f"Version {expected} is not the current one ({current}): read it again.",
            )
        row = rt.update(principal.user, row, data)
    resource, version = with_meta(rt, row)
    return fhir_json(resource, 200, _resource_headers(rt, row, version, request, resource_id))


# --- the views the URLconf routes to (urls.py builds one set per registered type) ---


def type_view(rt: ResourceType):
    policy = {"GET": rt.permissions[READ]}
    if rt.create is not None:
        policy["POST"] = rt.permissions[CREATE]

    @fhir_view(policy)
    def view(request, principal):
        if request.method == "POST":
            return create(request, principal, rt)
        return search(request, principal, rt)

    return view


def search_post_view(rt: ResourceType):
    @fhir_view({"POST": rt.permissions[READ]})
    def view(request, principal):
        return search(request, principal, rt)

    return view


def instance_view(rt: ResourceType):
    policy = {"GET": rt.permissions[READ]}
    if rt.update is not None:
        policy["PUT"] = rt.permissions[UPDATE]

    @fhir_view(policy)
    def view(request, principal, public_id):
        if request.method == "PUT":
            return update(request, principal, rt, public_id)
        return read(request, principal, rt, public_id)

    return view


def vread_view(rt: ResourceType):
    @fhir_view({"GET": rt.permissions[READ]})
    def view(request, principal, public_id, version):
        return read(request, principal, rt, public_id, version)

    return view


@fhir_view({"GET": binary.PERMISSION}, any_accept=True)
def binary_view(request, principal, public_id):
    return binary.read(request, principal, public_id)


@fhir_view({"*": AUTHENTICATED})
def unknown_type(request, principal, resource_type: str, rest: str = ""):
    raise FhirError(
        404,
        "not-supported",
        f"Resource type {resource_type} is not served here; see /fhir/metadata.",
    )


@fhir_view({"GET": PUBLIC})
def metadata(request, principal):
    from medoffice.interop.fhir.capability import capability_statement

    return fhir_json(capability_statement(base_url=_base_url(request)))
