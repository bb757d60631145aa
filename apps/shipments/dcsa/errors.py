"""DCSA's error objects, as the bundled OpenAPI schemas define them, for every refusal of its endpoints.

Track & Trace 2.2 answers its ``error`` object (``httpMethod``, ``requestUri``, ``statusCode``,
``statusCodeText``, ``errorDateTime``, ``errors: [{reason, message}]``); 3.0 a list of
``feedbackElements`` (``severity``, ``message``, ``propertyPath``: a JSONPath into the request).
Core's dispatcher picks them by path, for the views, Django's error handlers and the body-size
middleware alike (DESIGN §10: standard endpoints answer in the standard's shape).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from apps.core.errors import ErrorDialect, Problem


def _located(problem: Problem) -> list[tuple[int | None, str, str]]:
    """Each error as (event index, property within the event, detail); a refusal of the whole request has none."""
    if not problem.errors:
        return [(None, "", problem.detail)]
    located = []
    for error in problem.errors:
        first, _, rest = error["field"].partition(".")
        if first.isdigit():
            located.append((int(first), rest, error["detail"]))
        else:
            located.append((None, error["field"], error["detail"]))
    return located


def _message(index: int | None, prop: str, detail: str) -> str:
    where = ": ".join(part for part in (f"event {index}" if index is not None else "", prop) if part)
    return f"{where}: {detail}" if where else detail


def _reason(problem: Problem) -> str:
    """DCSA's reason words: ``invalidInput`` for bad input, else Corridor's problem type in camelCase."""
    if problem.status == HTTPStatus.BAD_REQUEST:
        return "invalidInput"
    first, *rest = problem.type_code.split("-")
    return first + "".join(word.capitalize() for word in rest)


def dcsa_v2_error(problem: Problem, request: HttpRequest) -> dict[str, Any]:
    """Track & Trace 2.2's ``error`` object."""
    errors = []
    for index, prop, detail in _located(problem):
        error: dict[str, Any] = {"reason": _reason(problem), "message": _message(index, prop, detail)}
        if prop:
            error["property"] = prop
        if index is not None:
            error["index"] = index
        errors.append(error)
    return {
        "httpMethod": request.method,
        "requestUri": request.path,
        "statusCode": problem.status,
        "statusCodeText": HTTPStatus(problem.status).phrase,
        "errorDateTime": timezone.now().isoformat(),
        "errors": errors,
    }


def dcsa_v3_error(problem: Problem, request: HttpRequest) -> dict[str, Any]:
    """Track & Trace 3.0's ``feedbackElements``, each with its JSONPath when the error lies in the request body."""
    elements = []
    for index, prop, detail in _located(problem):
        element = {"severity": "ERROR", "message": _message(index, prop, detail)}
        if problem.errors:
            path = "$" if index is None else f"$.events[{index}]"
            element["propertyPath"] = f"{path}.{prop}" if prop else path
        elements.append(element)
    return {"feedbackElements": elements}


# The paths corridor/urls.py gives the DCSA endpoints (api/v1/dcsa/ + dcsa/urls.py).
DCSA_V2_DIALECT = ErrorDialect(prefix="/api/v1/dcsa/v2/", render=dcsa_v2_error)
DCSA_V3_DIALECT = ErrorDialect(prefix="/api/v1/dcsa/v3/", render=dcsa_v3_error)
