"""The OpenAPI schema generates without warnings; Swagger UI is served from local static files."""

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/v1/partners/",
    "/api/v1/partners/{slug}/",
    "/api/v1/memberships/",
    "/api/v1/memberships/{id}/",
    "/api/v1/api-tokens/",
    "/api/v1/api-tokens/{id}/",
    "/api/v1/api-tokens/{id}/revoke/",
    "/api/v1/audit-events/",
    "/api/v1/audit-events/{id}/",
    "/api/v1/me/",
]


def test_schema_generates_with_no_warnings_or_errors(tmp_path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn raises when drf-spectacular reported any warning or error while generating.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert set(API_PATHS) <= set(schema["paths"])


def test_schema_endpoint_describes_bearer_tokens(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Corridor API"
    assert schema["components"]["securitySchemes"]["partnerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["partnerToken"]["description"],
    }


def test_token_creation_response_documents_the_one_time_secret(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    created = schema["paths"]["/api/v1/api-tokens/"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "token" in schema["components"]["schemas"][ref]["properties"]
    listed = schema["components"]["schemas"]["ApiToken"]["properties"]
    assert "token" not in listed
    assert "secret_hash" not in listed


def test_list_endpoints_document_cursor_and_limit(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/audit-events/"]["get"]["parameters"]}
    assert {"cursor", "limit"} <= params


def test_swagger_ui_uses_only_local_static_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(url.startswith("/static/") for url in assets), assets
    assert not re.search(r"https?://", html), re.findall(r"https?://\S+", html)


def test_swagger_ui_static_assets_are_served(client):
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"""src\s*=\s*["'](/static/[^"']+\.js)["']""", html)
    assert scripts
    for script in scripts:
        response = client.get(script)
        assert response.status_code == 200, script
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 1000, script
