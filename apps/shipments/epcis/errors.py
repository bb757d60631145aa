"""EPCIS 2.0 errors: the standard's own problem types (``epcisException:…``) inside RFC 9457 bodies.

``epcis_problem`` answers a request; ``invalid_event`` and ``capture_refused`` are the entries of a
capture job's ``errors``, as the EPCIS 2.0 OpenAPI describes them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from apps.core.errors import PROBLEM_CONTENT_TYPE, problem_body
from apps.shipments.epcis.validate import DOCUMENT_INDEX
from apps.shipments.ingest.types import FieldProblem


def epcis_problem(status: int, exception: str, detail: str, request: HttpRequest) -> JsonResponse:
    body = problem_body(status=status, detail=detail, code=f"epcisException:{exception}", instance=request.path)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def invalid_event(problem: FieldProblem) -> dict[str, Any]:
    """One invalid event (or the document itself) of a capture."""
    return {
        "type": "epcisException:ValidationException",
        "title": "Invalid event",
        "status": 400,
        "detail": (
            f"document: {problem.field}: {problem.detail}"
            if problem.index == DOCUMENT_INDEX
            else f"event {problem.index}: {problem.field}: {problem.detail}"
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
