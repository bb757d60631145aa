"""EPCIS 2.0 errors: the standard's own problem types (``epcisException:…``) inside RFC 9457 bodies.

``EPCIS_DIALECT`` words every refusal under ``/epcis/`` (core's dispatcher picks it by path, for the
views, Django's error handlers and the body-size middleware alike); ``invalid_event`` and
``capture_refused`` are the entries of a capture job's ``errors``, as the EPCIS 2.0 OpenAPI describes them.
Their ``detail`` is a :class:`~apps.core.words.Text`: English in the job's ``errors`` (what the API answers),
and kept as template and arguments in its ``error_words``, so the job's page says it in the reader's language.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop

from apps.core.errors import PROBLEM_CONTENT_TYPE, ErrorDialect, Problem, problem_body
from apps.core.words import Text
from apps.shipments.epcis.validate import DOCUMENT_INDEX
from apps.shipments.ingest.types import FieldProblem

EXCEPTION = "epcisException:"

# The exception (and title) the EPCIS 2.0 OpenAPI gives each status; a view raising a more precise
# one (QueryParameterException) names it in the error's code.
EXCEPTIONS: dict[int, tuple[str, str]] = {
    400: ("ValidationException", "Invalid request"),
    401: ("SecurityException", "Unauthorised request"),
    403: ("SecurityException", "Access to resource forbidden"),
    404: ("NoSuchResourceException", "Resource not found"),
    406: ("NotAcceptableException", "Conflicting request and response headers"),
    413: ("CaptureLimitExceededException", "Capture payload too large"),
    414: ("URITooLongException", "URI too long"),
    415: ("UnsupportedMediaTypeException", "Unsupported media type"),
    500: ("ImplementationException", "A server-side error occurred"),
    501: ("ImplementationException", "Functionality not supported by server"),
}


def epcis_problem_body(problem: Problem, request: HttpRequest) -> dict[str, Any]:
    """An RFC 9457 body typed ``epcisException:…``; a status EPCIS names no exception for keeps Corridor's type."""
    if problem.code.startswith(EXCEPTION) or problem.status not in EXCEPTIONS:
        return problem_body(problem, request)
    name, title = EXCEPTIONS[problem.status]
    return {**problem_body(replace(problem, code=EXCEPTION + name), request), "title": title}


EPCIS_DIALECT = ErrorDialect(prefix="/epcis/", render=epcis_problem_body, content_type=PROBLEM_CONTENT_TYPE)


def invalid_event(problem: FieldProblem) -> dict[str, Any]:
    """One invalid event (or the document itself) of a capture."""
    return {
        "type": "epcisException:ValidationException",
        "title": "Invalid event",
        "status": 400,
        "detail": (
            Text(gettext_noop("document: %(field)s: %(detail)s"), field=problem.field, detail=problem.detail)
            if problem.index == DOCUMENT_INDEX
            else Text(
                gettext_noop("event %(index)s: %(field)s: %(detail)s"),
                index=problem.index,
                field=problem.field,
                detail=problem.detail,
            )
        ),
        "eventIndex": problem.index,
        "eventID": problem.event_id,
        "pointer": problem.field,
    }


def capture_refused(exc: Exception) -> dict[str, Any]:
    """Valid events the ingest service refused to record (a conflicting event id, a permission)."""
    status = getattr(exc, "status", 400)
    return {
        "type": "epcisException:CaptureConflictException" if status == 409 else "epcisException:ValidationException",
        "title": "Capture refused",
        "status": status,
        "detail": getattr(exc, "detail", str(exc)),
    }
