"""The OpenAPI schema's error answers: every operation documents the refusals it can give, as problems.

drf-spectacular documents what a view says it answers (its 2xx and the odd 400); the refusals that come from
the layers around every view — the parser, authentication, ``RolePermission``, the scoped lookup, the
body-size middleware, a database that blinks — are the same everywhere, so this postprocessing hook
(``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) adds them where they can happen:

=====  ===========================================================================================
400    a body (malformed, too deep, invalid fields), query parameters (filters, cursors), or a write
401    any operation that takes credentials (missing, unknown, expired, revoked token)
403    any operation that takes credentials (role, scope, partner kind)
404    any operation with a path parameter, and writes (an object named in the body: no such object, or
       another partner's)
409    writes (a conflicting state: a duplicate reference, an event id sent with other content)
413    operations with a body (the per-path body limit)
415    operations with a body (only JSON is parsed)
503    every operation (the database briefly unreachable; with ``Retry-After``)
=====  ===========================================================================================

No throttling is configured, so 429 is documented nowhere. Bodies are RFC 9457 problems
(``application/problem+json``); the standard endpoints word them in their own dialect (EPCIS problem types
under ``/epcis/``, DCSA's error object, ``application/json``, under ``/api/v1/dcsa/``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details (`errors` names each invalid field).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
DCSA_ERROR_SCHEMA: dict[str, Any] = {"type": "object", "description": "DCSA's error object."}
WRITES = {"post", "put", "patch", "delete"}


def _content(path: str) -> dict[str, Any]:
    if path.startswith("/api/v1/dcsa/"):
        return {"application/json": {"schema": {"$ref": "#/components/schemas/DcsaError"}}}
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The refusals ``operation`` can answer (the table above)."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses = {503}
    if has_body or method in WRITES or any(p.get("in") == "query" for p in parameters):
        statuses.add(400)
    if operation.get("security") != [{}]:  # takes credentials
        statuses.update((401, 403))
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if method in WRITES:
        statuses.update((404, 409))
    if has_body or method in WRITES:
        statuses.update((413, 415))
    return sorted(statuses)


def problem_responses_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: add each operation's refusals (``error_statuses``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", PROBLEM_SCHEMA)
    schemas.setdefault("DcsaError", DCSA_ERROR_SCHEMA)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in error_statuses(method, operation):
                responses.setdefault(str(status), {"description": HTTPStatus(status).phrase, "content": _content(path)})
            # A view's own error answer (the VC API's 400 with ``verified: false``) is one body; a refusal from
            # the layers around it (a malformed body) is a problem: both are documented.
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and "content" in response:
                    for media_type, content in _content(path).items():
                        response["content"].setdefault(media_type, content)
    return result
