"""The OpenAPI schema and the code agree (issue 17: schemathesis found undocumented status codes, a null
where the schema said string, and accepted requests that break the schema). Regression tests for each."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.credentials.api.serializers import CredentialSerializer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_credential_event_is_nullable_in_the_schema_and_null_for_an_aeo_credential(schema):
    assert schema["components"]["schemas"]["Credential"]["properties"]["event"].get("nullable") is True

    class NoEvent:
        pk = "00000000-0000-4000-8000-000000000000"
        id = pk
        kind = "aeo"
        issuer = None
        event_id = None
        issued_at = None
        digest_multibase = ""
        revoked_at = None
        suspended = False

    assert CredentialSerializer(NoEvent()).data["event"] is None


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/v1/consignments/", {"400", "401", "403", "404", "409", "413", "415", "503"}),
        ("post", "/credentials/status", {"400", "401", "403", "404", "409", "413", "415", "503"}),
        ("patch", "/api/v1/consignments/{id}/", {"400", "401", "403", "404", "409", "413", "415", "503"}),
        ("get", "/api/v1/consignments/{id}/", {"401", "403", "404", "503"}),
        ("get", "/api/v1/events/", {"400", "401", "403", "503"}),
        ("post", "/credentials/verify", {"400", "413", "415", "503"}),
        ("post", "/epcis/capture", {"400", "401", "403", "409", "413", "415", "503"}),
    ],
)
def test_refusals_are_documented_where_they_happen(schema, method, path, statuses):
    responses = schema["paths"][path][method]["responses"]
    assert set(responses) >= statuses
    assert "429" not in responses  # no throttling is configured: never answered
    for status in statuses:
        assert responses[status]["content"], (path, status)


def test_the_vc_api_documents_its_problem_bodies_beside_its_own_400(schema):
    content = schema["paths"]["/presentations/verify"]["post"]["responses"]["400"]["content"]
    assert {"application/json", "application/problem+json"} <= set(content)


def test_epcis_events_are_documented_as_json_ld(schema):
    assert "application/ld+json" in schema["paths"]["/epcis/events"]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("until=", "until"),
        ("has_open_alerts=null", "has_open_alerts"),
        ("event_time_after=0490-09-26T07%3A37%3A14-18%3A03", "event_time_after"),
    ],
)
def test_api_filters_refuse_empty_and_unknown_boolean_values(client_for, alice, query, field):
    # event_time_after: an offset PostgreSQL cannot store answered 500 there (schemathesis, PostgreSQL pass).
    path = {"until": "/api/v1/alerts/", "event_time_after": "/api/v1/events/"}.get(field, "/api/v1/consignments/")
    response = client_for(alice).get(f"{path}?{query}")
    assert response.status_code == 400, response.content
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("body", ["[null, null]", '"text"', "1"])
@pytest.mark.parametrize("path", ["/credentials/status", "/credentials/issue"])
def test_vc_api_bodies_that_are_not_objects_are_400(alpha, token_for, bearer, path, body):
    response = bearer(token_for(alpha)).post(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == "The request body must be a JSON object."


@pytest.mark.parametrize("path", ["/credentials/null,null", "/credentials/status/null/publish", "/presentations/x"])
def test_unknown_vc_api_addresses_answer_a_problem_not_a_page(client, path):
    response = client.get(path)
    assert response.status_code in (404, 405)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("body", ["[null, null]", '"text"', "[]"])
def test_an_epcis_capture_that_is_not_an_object_is_refused_at_once(alpha, token_for, bearer, body):
    from apps.shipments.models import CaptureJob  # noqa: PLC0415

    response = bearer(token_for(alpha)).post("/epcis/capture", data=body, content_type="application/ld+json")
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "epcisException:ValidationException"
    assert not CaptureJob.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/v1/webhooks/0.5/deliveries/0/redeliver/", "/credentials/status/null/publish", "/api/v1/nowhere/"]
)
def test_a_post_with_a_session_cookie_to_no_resource_answers_a_problem(path):
    """Schemathesis sent a session cookie with these: the CSRF check answered Django's HTML page."""
    from django.test import Client  # noqa: PLC0415

    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "not-a-session"
    response = client.post(path, "{}", content_type="application/json")
    assert response.status_code in (403, 404)
    assert response["Content-Type"] == "application/problem+json"


def test_a_session_write_without_its_csrf_token_is_a_403_problem(client, alice):
    from django.test import Client  # noqa: PLC0415

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/v1/consignments/", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
