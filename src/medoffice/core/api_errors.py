"""API errors as RFC 9457 problem details; never a 500 for bad input."""

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def date_param(params, name: str) -> date | None:
    """A YYYY-MM-DD query parameter, None when absent; a bad one is a 400 naming it."""
    if not params.get(name):
        return None
    try:
        return date.fromisoformat(params[name])
    except ValueError as exc:
        raise DjangoValidationError({name: ["A date, YYYY-MM-DD."]}) from exc


def problem(status_code: int, title: str, detail: str = "", **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status=status_code, content_type="application/problem+json")


def problem_response(status_code: int, title: str, detail: str = "", **extra) -> JsonResponse:
    """The same problem document from a plain Django view (webhooks outside the REST API)."""
    body = {"type": "about:blank", "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status_code, content_type="application/problem+json")


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            k: _field_errors(v)
            if isinstance(v, dict)
            else [str(m) for m in v]
            if isinstance(v, list)
            else [str(v)]
            for k, v in detail.items()
        }
    return (
        {"non_field_errors": [str(m) for m in detail]}
        if isinstance(detail, list)
        else {"non_field_errors": [str(detail)]}
    )


def _audit_refusal(context) -> None:
    from medoffice.core.policy import HasRequiredPermission, audit_denied

    request, view = context.get("request"), context.get("view")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return
    audit_denied(
        request._request,
        HasRequiredPermission.needed_for(request, view) or "a declared permission",
        **(context.get("kwargs") or {}),
    )


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return problem(400, "Invalid input", "Correct the fields named in errors.", errors=errors)
    if isinstance(exc, Http404):
        return problem(404, "Not found")
    if isinstance(exc, DjangoPermissionDenied):
        return problem(403, "Forbidden", "Your role does not allow this.")
    if isinstance(exc, exceptions.PermissionDenied):
        # Raised by the view's permission check (access.py audits its own refusals,
        # which arrive as Django's PermissionDenied above).
        _audit_refusal(context)
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            400,
            "Invalid input",
            "Correct the fields named in errors.",
            errors=_field_errors(exc.detail),
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    title = {
        status.HTTP_401_UNAUTHORIZED: "Not authenticated",
        status.HTTP_403_FORBIDDEN: "Forbidden",
        status.HTTP_404_NOT_FOUND: "Not found",
        status.HTTP_405_METHOD_NOT_ALLOWED: "Method not allowed",
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
    }.get(response.status_code, "Request refused")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
    out = problem(response.status_code, title, str(detail))
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            out[header] = response[header]
    return out


# Every refusal the API can give, documented on every operation of the OpenAPI schema, so a
# client (and the schema fuzz, tests/core/test_api_fuzz.py) knows a 4xx is a problem document.
PROBLEM_STATUSES = {
    "400": "Invalid input: the fields at fault are named in `errors`.",
    "401": "Not authenticated: no valid token or signed-in session (with its second factor).",
    "403": "Forbidden: the caller's role does not allow this.",
    "404": "Not found, or outside the caller's practice (the two are not told apart).",
    "405": "Method not allowed.",
    "409": "Conflict with the record's current state (e.g. already posted, slot taken).",
    "415": "Unsupported media type.",
    "422": "Refused by a business rule: the reason is in `detail` and `errors`.",
    "429": "Too many requests.",
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}


def document_problems(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the problem answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in PROBLEM_STATUSES.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": problem_ref}},
                    },
                )
    return result
