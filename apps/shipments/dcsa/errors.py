"""DCSA's error objects: Track & Trace 2.2's ErrorResponse, 3.0's feedbackElements."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response


def dcsa_error(
    request: Request, problems: list[dict[str, Any]], status_code: int, reason: str, *, version: str = "2.2"
) -> Response:
    """DCSA's own error object (DESIGN §10: standard endpoints answer in the standard's shape).

    Track & Trace 2.2 uses the ErrorResponse object; 3.0 a list of ``feedbackElements`` whose
    ``propertyPath`` is a JSONPath into the request.
    """

    def message(p: dict[str, Any]) -> str:
        return f"event {p.get('index')} ({p.get('event_id') or 'no id'}): {p.get('field')}: {p.get('detail')}"

    if version == "3.0":
        elements = []
        for p in problems:
            path = "$" if p.get("index") in (None, -1) else f"$.events[{p['index']}]"
            if p.get("field"):
                path += "." + str(p["field"])
            elements.append({"severity": "ERROR", "message": message(p), "propertyPath": path})
        return Response({"feedbackElements": elements}, status=status_code)
    body = {
        "httpMethod": request.method,
        "requestUri": request.path,
        "statusCode": status_code,
        "statusCodeText": reason,
        "errorDateTime": timezone.now().isoformat(),
        "errors": [
            {"reason": "invalidInput", "message": message(p), "property": p.get("field"), "index": p.get("index")}
            for p in problems
        ],
    }
    return Response(body, status=status_code)
