"""Errors: what services raise, and one dispatcher that words every refusal in the dialect of its address.

Services raise ``ApplicationError`` (or ``NotFoundError``, ``PermissionDeniedError``,
``ConflictError``); DRF's exception handler, Django's 403/404/500 handlers and the middleware turn
it, like any other refusal, into a ``Problem`` and hand it to ``error_response``/``problem_render``,
which pick the dialect by the request's path:

- everything by default: RFC 9457 problem details (``application/problem+json``)::

    {"type": "/problems/validation-error", "title": "Invalid input", "status": 400,
     "detail": "2 fields are invalid.", "instance": "/api/v1/partners/",
     "request_id": "…", "errors": [{"field": "lei", "pointer": "#/lei", "detail": "…"}]}

  ``errors`` lists each invalid field, with its dotted path and a JSON pointer into the body;
- a standard interface's own error shape, for the paths under the prefix it registers in
  ``error_dialects`` (EPCIS's ``epcisException:*`` types under ``/epcis/``, DCSA's error object
  under its endpoints): the standard's apps register them, so core never imports them.

A database that blinks (a dropped connection, a failover, an unreachable server) is not an error of
the request: ``DATABASE_UNAVAILABLE`` answers 503 with ``Retry-After`` in the path's dialect, from
DRF's handler, from ``DatabaseUnavailableMiddleware`` for Django's own views (pages get a "briefly
unavailable" page), and from the 500 handler for what fails before any view runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_noop
from rest_framework import exceptions as drf_exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from apps.core.context import current_request_id
from apps.core.extensions import ExtensionPoint

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# The database is unreachable or dropped the connection: the same request succeeds once it is back.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Long enough for a reconnection or a failover, short enough that a client's retry finds it back.
RETRY_AFTER_SECONDS = 5

# Problem types Corridor defines; each is documented at /problems/<code>.
# Marked with gettext_noop: the API answers in English, the problem type pages translate them.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation-error": (
        gettext_noop("Invalid input"),
        gettext_noop("One or more fields of the request are invalid; `errors` names each."),
    ),
    "malformed-request": (
        gettext_noop("Malformed request"),
        gettext_noop("The request body could not be parsed (for example, broken JSON)."),
    ),
    "not-authenticated": (
        gettext_noop("Not authenticated"),
        gettext_noop("No valid credentials: log in or send `Authorization: Bearer`."),
    ),
    "invalid-token": (gettext_noop("Invalid token"), gettext_noop("The API token is unknown, expired or revoked.")),
    "permission-denied": (
        gettext_noop("Permission denied"),
        gettext_noop("Your role or token scope does not allow this action."),
    ),
    "not-found": (gettext_noop("Not found"), gettext_noop("There is no such resource, or it is not visible to you.")),
    "method-not-allowed": (
        gettext_noop("Method not allowed"),
        gettext_noop("The resource does not support this HTTP method."),
    ),
    "conflict": (
        gettext_noop("Conflict"),
        gettext_noop("The request conflicts with the current state of the resource."),
    ),
    "payload-too-large": (
        gettext_noop("Payload too large"),
        gettext_noop("The request body is larger than this endpoint accepts."),
    ),
    "unsupported-media-type": (
        gettext_noop("Unsupported media type"),
        gettext_noop("Send `Content-Type: application/json`."),
    ),
    "not-acceptable": (gettext_noop("Not acceptable"), gettext_noop("The requested representation is not available.")),
    "throttled": (
        gettext_noop("Too many requests"),
        gettext_noop("Slow down and retry after the time given in `Retry-After`."),
    ),
    "server-error": (
        gettext_noop("Internal server error"),
        gettext_noop("Something went wrong on our side; quote the request id."),
    ),
    "service-unavailable": (
        gettext_noop("Service unavailable"),
        gettext_noop(
            "A service Corridor depends on (its database) is briefly unreachable; retry after `Retry-After` seconds."
        ),
    ),
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
    503: "service-unavailable",
}

NOT_VISIBLE = "Not found, or not visible to you."


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


class NotFoundError(ApplicationError, Http404):
    """No such object, or another partner's (its existence is not revealed): 404.

    Also Django's ``Http404``, so a page that lets it through answers with the 404 page.
    """

    status = 404
    code = "not-found"


class PermissionDeniedError(ApplicationError, PermissionDenied):
    """The object is visible, or the action closed to the actor whatever the object, and the role,
    kind, scope or ownership does not allow it: 403.

    Also Django's ``PermissionDenied``, so a page that lets it through answers with the 403 page.
    """

    status = 403
    code = "permission-denied"


@dataclass(frozen=True)
class Problem:
    """One refusal in Corridor's terms, before a dialect words it.

    ``code`` is a key of ``PROBLEM_TYPES`` (empty: the one for ``status``) or a standard's own type
    (``epcisException:…``), which the standard's dialect keeps and RFC 9457 carries as it is.
    """

    status: int
    detail: str
    code: str = ""
    errors: tuple[dict[str, str], ...] = ()

    @property
    def type_code(self) -> str:
        if self.code:
            return self.code
        return _STATUS_TO_TYPE.get(self.status, "server-error" if self.status >= 500 else "validation-error")

    @property
    def title(self) -> str:
        return PROBLEM_TYPES.get(self.type_code, (HTTPStatus(self.status).phrase, ""))[0]


@dataclass(frozen=True)
class ErrorDialect:
    """How the interfaces under ``prefix`` word a problem: ``render`` gives the body, sent as ``content_type``."""

    prefix: str
    render: Callable[[Problem, HttpRequest], Any]
    content_type: str = "application/json"


# Standard interfaces register their dialects here (in their AppConfig.ready); the longest matching
# prefix wins, and a path no dialect claims answers RFC 9457.
error_dialects: ExtensionPoint[ErrorDialect] = ExtensionPoint("core.error_dialects")


def problem_body(problem: Problem, request: HttpRequest | None = None) -> dict[str, Any]:
    """The RFC 9457 body of ``problem``."""
    code = problem.type_code
    body: dict[str, Any] = {
        # Standard interfaces keep their own problem types (EPCIS: "epcisException:…").
        "type": code if ":" in code else f"/problems/{code}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if request is not None:
        body["instance"] = request.path
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if problem.errors:
        body["errors"] = list(problem.errors)
    return body


RFC9457 = ErrorDialect(prefix="", render=problem_body, content_type=PROBLEM_CONTENT_TYPE)


def dialect_for(path: str) -> ErrorDialect | None:
    """The registered dialect of the standard interface ``path`` belongs to, or None (RFC 9457)."""
    claims = [dialect for dialect in error_dialects if path.startswith(dialect.prefix)]
    return max(claims, key=lambda dialect: len(dialect.prefix)) if claims else None


def problem_render(problem: Problem, request: HttpRequest) -> tuple[Any, str]:
    """The body and content type that answer ``problem`` on ``request``'s path."""
    dialect = dialect_for(request.path) or RFC9457
    return dialect.render(problem, request), dialect.content_type


def error_response(request: HttpRequest, problem: Problem) -> JsonResponse:
    """A plain Django response for ``problem`` (middleware, URL-level and Django's error handlers)."""
    body, content_type = problem_render(problem, request)
    return JsonResponse(body, status=problem.status, content_type=content_type, safe=False)


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with ``Retry-After`` for a request the database could not serve; the cause goes to the log only."""
    logger.warning("database unavailable for %s %s: %s", request.method, request.path, type(exc).__name__, exc_info=exc)
    problem = Problem(status=503, detail="The database is briefly unavailable; send the request again shortly.")
    response = error_response(request, problem)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
            return [field_error(path, str(item)) for item in data]
        flat = []
        for index, item in enumerate(data):
            if item in ({}, [], None):
                continue
            flat.extend(flatten_errors(item, (*path, str(index))))
        return flat
    return [field_error(path, str(data))]


def field_error(path: tuple[str, ...], detail: str) -> dict[str, str]:
    """One entry of a problem's ``errors``: the field's dotted path, a JSON pointer to it, what is wrong."""
    pointer = "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path) if path else "#"
    return {"field": ".".join(path) if path else "", "pointer": pointer, "detail": detail}


def _error_summary(errors: list[dict[str, str]]) -> str:
    fields = sorted({e["field"] for e in errors if e["field"]})
    if not fields:
        return errors[0]["detail"] if errors else "The request is invalid."
    if len(fields) == 1:
        return f"Field '{fields[0]}' is invalid: {next(e['detail'] for e in errors if e['field'] == fields[0])}"
    return f"{len(fields)} fields are invalid: {', '.join(fields)}."


def application_problem(exc: ApplicationError) -> Problem:
    errors = (field_error(tuple(exc.field.split(".")), exc.detail),) if exc.field else ()
    return Problem(status=exc.status, detail=exc.detail, code=exc.code, errors=errors)


def _drf_problem(exc: drf_exceptions.APIException, status: int) -> Problem:
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        return Problem(status=status, detail=_error_summary(errors), errors=tuple(errors))
    if isinstance(exc, drf_exceptions.ParseError):
        return Problem(status=status, detail=str(exc.detail), code="malformed-request")
    if isinstance(exc, drf_exceptions.AuthenticationFailed):
        code = "invalid-token" if getattr(exc, "invalid_token", False) else "not-authenticated"
        return Problem(status=status, detail=str(exc.detail), code=code)
    return Problem(status=status, detail=str(getattr(exc, "detail", "")) or HTTPStatus(status).phrase)


def _render_errors_as_json(request: Any) -> None:
    """An error is a problem document even when a browser negotiated the browsable API (DEBUG): a
    client reading the body must not get an HTML page because it sent ``Accept: text/html``."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or renderer.media_type.startswith("text/html"):
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler: every error as a problem, in the dialect of the request's path."""
    # Imported here: rest_framework.views loads the authentication classes, which import the
    # services, which import this module (the admin imports it first).
    from rest_framework.views import exception_handler as drf_exception_handler  # noqa: PLC0415

    request = context["request"]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable_response(request, exc)
    _render_errors_as_json(request)
    if isinstance(exc, ApplicationError):
        problem = application_problem(exc)
        body, content_type = problem_render(problem, request)
        return Response(body, status=problem.status, content_type=content_type)

    if isinstance(exc, RequestDataTooBig):
        exc = drf_exceptions.APIException("The request body is larger than this endpoint accepts.")
        exc.status_code = 413
    elif isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(NOT_VISIBLE)
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    # DRF's handler sets the status and the headers (WWW-Authenticate, Allow, Retry-After); the body is ours.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data, response.content_type = problem_render(_drf_problem(exc, response.status_code), request)
    return response
