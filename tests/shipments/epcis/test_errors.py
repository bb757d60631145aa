"""Every refusal under /epcis/ answers EPCIS 2.0's problem details: RFC 9457 typed ``epcisException:*``.

Whoever refuses (the permission, a view, the URL resolver, the body-size middleware), the body has the
EPCIS 2.0 OpenAPI's exception type and title for its status.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EPCIS_PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_epcis_problem(response: Any, status: int, exception: str, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= EPCIS_PROBLEM_KEYS, body
    assert (body["type"], body["title"], body["status"]) == (f"epcisException:{exception}", title, status)
    assert body["detail"]
    return body


def test_no_credentials_is_401_security_exception():
    response = APIClient().get("/epcis/events")
    body = assert_epcis_problem(response, 401, "SecurityException", "Unauthorised request")
    assert body["instance"] == "/epcis/events"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_viewer_capturing_is_403_security_exception(client_for, bob):
    response = client_for(bob).post("/epcis/capture", data="{}", content_type="application/ld+json")
    body = assert_epcis_problem(response, 403, "SecurityException", "Access to resource forbidden")
    assert body["detail"] == "This needs the operator role for alpha; you act as viewer."


def test_staff_acting_for_no_partner_are_told_to_choose_one(client_for, staff):
    response = client_for(staff).post("/epcis/capture", data="{}", content_type="application/ld+json")
    body = assert_epcis_problem(response, 403, "SecurityException", "Access to resource forbidden")
    assert "X-Corridor-Partner" in body["detail"]


@pytest.mark.parametrize("path", [f"/epcis/capture/{uuid.uuid4()}", "/epcis/no-such-resource"])
def test_an_unknown_or_invisible_resource_is_404_no_such_resource(client_for, alice, path):
    assert_epcis_problem(client_for(alice).get(path), 404, "NoSuchResourceException", "Resource not found")


def test_a_body_over_the_limit_is_413_capture_limit_exceeded(client_for, alice, settings):
    settings.CORRIDOR_BODY_LIMITS = {"/epcis/capture": 100}
    response = client_for(alice).post("/epcis/capture", data="x" * 200, content_type="application/ld+json")
    body = assert_epcis_problem(response, 413, "CaptureLimitExceededException", "Capture payload too large")
    assert "at most 100 bytes" in body["detail"]


def test_a_body_that_is_not_json_ld_is_415_unsupported_media_type(client_for, alice):
    response = client_for(alice).post("/epcis/capture", data="<EPCISDocument/>", content_type="application/xml")
    assert_epcis_problem(response, 415, "UnsupportedMediaTypeException", "Unsupported media type")


def test_a_query_parameter_error_keeps_its_own_exception(client_for, alice):
    response = client_for(alice).get("/epcis/events", {"perPage": "many"})
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:QueryParameterException"


def test_bad_input_is_a_validation_exception(client_for, alice):
    response = client_for(alice).post(
        "/epcis/capture", data="{}", content_type="application/ld+json", headers={"GS1-Capture-Error-Behaviour": "x"}
    )
    assert_epcis_problem(response, 400, "ValidationException", "Invalid request")
