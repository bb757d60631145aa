"""RFC 9457 problem details for every API error.

One body shape everywhere::

    {"type": "/problems/validation-error", "title": "Invalid input", "status": 400,
     "detail": "2 fields are invalid.", "instance": "/api/v1/partners/",
     "request_id": "…", "errors": [{"field": "lei", "pointer": "#/lei", "detail": "…"}]}

``errors`` lists each invalid field, with its dotted path and a JSON pointer into the body.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from apps.core.context import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Problem types Corridor defines; each is documented at /problems/<code>.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation-error": ("Invalid input", "One or more fields of the request are invalid; `errors` names each."),
    "malformed-request": ("Malformed request", "The request body could not be parsed (for example, broken JSON)."),
    "not-authenticated": ("Not authenticated", "No valid credentials: log in or send `Authorization: Bearer`."),
    "invalid-token": ("Invalid token", "The API token is unknown, expired or revoked."),
    "permission-denied": ("Permission denied", "Your role or token scope does not allow this action."),
    "not-found": ("Not found", "There is no such resource, or it is not visible to you."),
    "method-not-allowed": ("Method not allowed", "The resource does not support this HTTP method."),
    "conflict": ("Conflict", "The request conflicts with the current state of the resource."),
    "payload-too-large": ("Payload too large", "The request body is larger than this endpoint accepts."),
    "unsupported-media-type": ("Unsupported media type", "Send `Content-Type: application/json`."),
    "not-acceptable": ("Not acceptable", "The requested representation is not available."),
    "throttled": ("Too many requests", "Slow down and retry after the time given in `Retry-After`."),
    "server-error": ("Internal server error", "Something went wrong on our side; quote the request id."),
}

_STATUS_TO_TYPE = {
    400: "validation-error",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "throttled",
    500: "server-error",
}


class ApplicationError(Exception):
    """A business rule refused the request; services raise it, the handler renders it."""

    status = 400
    code = "validation-error"

    def __init__(self, detail: str, *, field: str | None = None, status: int | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class ConflictError(ApplicationError):
    status = 409
    code = "conflict"


def problem_body(
    *,
    status: int,
    detail: str,
    code: str | None = None,
    instance: str = "",
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    code = code or _STATUS_TO_TYPE.get(status, "server-error" if status >= 500 else "validation-error")
    title = PROBLEM_TYPES.get(code, (HTTPStatus(status).phrase, ""))[0]
    body: dict[str, Any] = {
        # Standard interfaces keep their own problem types (EPCIS: "epcisException:…").
        "type": code if ":" in code else f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *, status: int, detail: str, request: HttpRequest | None = None, code: str | None = None
) -> JsonResponse:
    """A plain Django response carrying problem details (for middleware and URL-level errors)."""
    body = problem_body(status=status, detail=detail, code=code, instance=request.path if request else "")
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def flatten_errors(data: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Turn DRF's nested error structure into one entry per invalid field, with a JSON pointer."""
    if isinstance(data, dict):
        flat: list[dict[str, str]] = []
        for key, value in data.items():
            sub = path if key in ("non_field_errors", "__all__") else (*path, str(key))
            flat.extend(flatten_errors(value, sub))
        return flat
    if isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            return [_field_error(path, str(item)) for item in data]
        flat = []
        for index, item in enumerate(data):
            if item in ({}, [], None):
                continue
            flat.extend(flatten_errors(item, (*path, str(index))))
        return flat
    return [_field_error(path, str(data))]


def _field_error(path: tuple[str, ...], detail: str) -> dict[str, str]:
    pointer = "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path) if path else "#"
    return {"field": ".".join(path) if path else "", "pointer": pointer, "detail": detail}


def _error_summary(errors: list[dict[str, str]]) -> str:
    fields = sorted({e["field"] for e in errors if e["field"]})
    if not fields:
        return errors[0]["detail"] if errors else "The request is invalid."
    if len(fields) == 1:
        return f"Field '{fields[0]}' is invalid: {next(e['detail'] for e in errors if e['field'] == fields[0])}"
    return f"{len(fields)} fields are invalid: {', '.join(fields)}."


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering every error as ``application/problem+json``."""
    # Imported here: rest_framework.views loads the authentication classes, which import the
    # services, which import this module (the admin imports it first).
    from rest_framework.views import exception_handler as drf_exception_handler

    request = context.get("request")
    instance = request.path if request is not None else ""

    if isinstance(exc, RequestDataTooBig):
        exc = drf_exceptions.APIException("The request body is larger than this endpoint accepts.")
        exc.status_code = 413
    elif isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound("Not found, or not visible to you.")
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        errors = [_field_error(tuple(exc.field.split(".")), exc.detail)] if exc.field else None
        body = problem_body(status=exc.status, detail=exc.detail, code=exc.code, instance=instance, errors=errors)
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    status = response.status_code
    code = None
    errors = None
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = _error_summary(errors)
    elif isinstance(exc, drf_exceptions.ParseError):
        code = "malformed-request"
        detail = str(exc.detail)
    elif isinstance(exc, drf_exceptions.AuthenticationFailed):
        code = "invalid-token" if getattr(exc, "invalid_token", False) else "not-authenticated"
        detail = str(exc.detail)
    else:
        detail = str(getattr(exc, "detail", "")) or HTTPStatus(status).phrase

    body = problem_body(status=status, detail=detail, code=code, instance=instance, errors=errors)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def api_handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(status=404, detail="There is no resource at this address.", request=request)


def api_handler500(request: HttpRequest) -> JsonResponse:
    return problem_response(status=500, detail="Internal server error; quote the request id.", request=request)
