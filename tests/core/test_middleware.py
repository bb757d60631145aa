"""Request ids and body-size limits, applied before any view runs."""

import json
import uuid

import pytest

from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/login/")
    second = client.get("/login/")
    assert uuid.UUID(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_caller_request_id_is_echoed_back(client):
    response = client.get("/login/", headers={"X-Request-ID": "edi-batch-2024.06:0001"})
    assert response["X-Request-ID"] == "edi-batch-2024.06:0001"


@pytest.mark.parametrize("candidate", ["short", "has spaces in it", "x" * 129, "semi;colon-123"])
def test_unsafe_caller_request_id_is_replaced(client, candidate):
    response = client.get("/login/", headers={"X-Request-ID": candidate})
    assert response["X-Request-ID"] != candidate
    assert uuid.UUID(response["X-Request-ID"])


def test_problem_body_quotes_the_request_id(client):
    response = client.get("/api/v1/partners/", headers={"X-Request-ID": "trace-abcdef12"})
    assert assert_problem(response, 401)["request_id"] == "trace-abcdef12"


def test_body_over_the_limit_is_413_before_authentication(client, settings):
    settings.CORRIDOR_MAX_BODY_BYTES = 100
    body = json.dumps({"name": "x" * 200})
    response = client.post("/api/v1/partners/", data=body, content_type="application/json")
    problem = assert_problem(response, 413, problem="payload-too-large")
    assert "at most 100 bytes" in problem["detail"]


def test_body_at_the_limit_passes_through(client_for, alice, settings):
    body = json.dumps({"name": "x"})
    settings.CORRIDOR_MAX_BODY_BYTES = len(body)
    response = client_for(alice).post("/api/v1/partners/", data=body, content_type="application/json")
    # Past the size check: refused for its content (alice is not staff), not for its size.
    assert response.status_code != 413


def test_default_limit_is_one_mebibyte(client_for, staff):
    body = json.dumps({"name": "x" * (1024 * 1024)})
    response = client_for(staff).post("/api/v1/partners/", data=body, content_type="application/json")
    assert_problem(response, 413)


def test_longest_matching_prefix_sets_the_limit(client_for, alice, settings):
    settings.CORRIDOR_MAX_BODY_BYTES = 10
    settings.CORRIDOR_BODY_LIMITS = {"/api/": 20, "/api/v1/partners/": 10_000}
    body = json.dumps({"name": "y" * 100})
    api = client_for(alice)
    assert api.post("/api/v1/partners/", data=body, content_type="application/json").status_code != 413
    assert_problem(api.post("/api/v1/memberships/", data=body, content_type="application/json"), 413)


def test_non_numeric_content_length_is_400(client):
    response = client.post("/api/v1/partners/", data="{}", content_type="application/json", CONTENT_LENGTH="ten")
    assert_problem(response, 400)
