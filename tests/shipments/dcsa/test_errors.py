"""Every refusal of the DCSA endpoints answers DCSA's error object, as the bundled OpenAPI schemas define it.

Track & Trace 2.2: ``{httpMethod, requestUri, statusCode, statusCodeText, errorDateTime, errors: [{reason,
message}]}``; 3.0: ``{feedbackElements: [{severity, message, propertyPath?}]}``. Whoever refuses (the
permission, the parser, the URL resolver, the body-size middleware), the shape is the standard's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

V2, V3 = "/api/v1/dcsa/v2/events", "/api/v1/dcsa/v3/events"
V2_KEYS = {"httpMethod", "requestUri", "statusCode", "statusCodeText", "errorDateTime", "errors"}


def assert_v2_error(response: Any, status: int, method: str, path: str, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == V2_KEYS, body
    assert (body["httpMethod"], body["requestUri"], body["statusCode"]) == (method, path, status)
    assert body["statusCodeText"]
    assert datetime.fromisoformat(body["errorDateTime"]).tzinfo is not None
    (error,) = body["errors"]
    assert error["reason"] == reason
    assert error["message"]
    return body


def assert_v3_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"feedbackElements"}, body
    (element,) = body["feedbackElements"]
    assert element["severity"] == "ERROR"
    assert element["message"]
    # A refusal of the whole request points at no property of the body.
    assert "propertyPath" not in element
    return body


def test_no_credentials_is_401():
    api = APIClient()
    body = assert_v2_error(api.post(V2, [], format="json"), 401, "POST", V2, "notAuthenticated")
    assert body["statusCodeText"] == "Unauthorized"
    assert_v3_error(api.post(V3, {"events": []}, format="json"), 401)


def test_a_viewer_posting_is_403(client_for, bob):
    api = client_for(bob)
    body = assert_v2_error(api.post(V2, [], format="json"), 403, "POST", V2, "permissionDenied")
    assert body["errors"][0]["message"] == "This needs the operator role for alpha; you act as viewer."
    assert_v3_error(api.post(V3, {"events": []}, format="json"), 403)


def test_an_unknown_dcsa_path_is_404(client_for, charlie):
    api = client_for(charlie)
    assert_v2_error(api.get("/api/v1/dcsa/v2/shipments"), 404, "GET", "/api/v1/dcsa/v2/shipments", "notFound")
    assert_v3_error(api.get("/api/v1/dcsa/v3/shipments"), 404)


def test_a_body_over_the_limit_is_413(client_for, charlie, settings):
    settings.CORRIDOR_BODY_LIMITS = {"/api/v1/dcsa/": 10}
    api = client_for(charlie)
    body = assert_v2_error(api.post(V2, ["x" * 20], format="json"), 413, "POST", V2, "payloadTooLarge")
    assert "at most 10 bytes" in body["errors"][0]["message"]
    assert_v3_error(api.post(V3, {"events": ["x" * 20]}, format="json"), 413)


def test_a_body_that_is_not_json_is_415(client_for, charlie):
    api = client_for(charlie)
    response = api.post(V2, data="<events/>", content_type="application/xml")
    assert_v2_error(response, 415, "POST", V2, "unsupportedMediaType")
    assert_v3_error(api.post(V3, data="<events/>", content_type="application/xml"), 415)


def test_other_api_paths_stay_rfc_9457(client_for, charlie):
    response = client_for(charlie).get("/api/v1/dcsa/v9/events")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
