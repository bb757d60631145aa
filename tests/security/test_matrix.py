"""The security matrix: every route of the OpenAPI schema (drf-spectacular's own generator) and every
standard endpoint (EPCIS, DCSA, the VC API) x an outsider partner's read token, its write token, an expired
token and a revoked token, in a world made by the demo corridor.

What must hold (issue 17), counted over every request:
- a bad token (expired, revoked) answers 401 wherever a token is read (public endpoints ignore it);
- the outsider never reads another partner's object: a route with a path parameter answers the same status
  and the same problem for a real object it may not see as for a random id (403 for a role or scope it
  lacks, 404 otherwise); a list or a public answer holds none of the owners' object ids;
- a read token never writes (no 2xx for POST, PATCH, DELETE outside the public verify endpoints);
- nothing answers 5xx.

Every route with a path parameter needs an entry in ``world.ROUTE_OBJECTS``; a new route without one fails
``test_every_route_has_a_world_fixture``, so new routes are covered, not skipped.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.partners import services as partner_services
from apps.partners.access import system_actor
from apps.partners.choices import TokenScope
from apps.partners.models import Partner
from tests.security import world

# Standard endpoints that must be in the matrix whatever the schema says (method, path template).
STANDARD = {
    ("post", "/epcis/capture"),
    ("get", "/epcis/capture/{capture_id}"),
    ("get", "/epcis/events"),
    ("post", "/api/v1/dcsa/v2/events"),
    ("post", "/api/v1/dcsa/v3/events"),
    ("post", "/credentials/issue"),
    ("post", "/credentials/status"),
    ("post", "/credentials/verify"),
    ("post", "/presentations/verify"),
    ("post", "/credentials/status/{list_id}/publish"),
    ("get", "/credentials/{credential_id}"),
}
WRITES = {"post", "patch", "put", "delete"}
# Bodies that carry the volatile parts of an answer; everything else must match between real and random ids.
VOLATILE = {"request_id", "instance"}


def operations() -> list[tuple[str, str, bool]]:
    """(method, path template, public) for every operation of the schema and every standard endpoint;
    public: the operation takes no credentials (security ``[{}]``)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {
        (method, path): op.get("security") == [{}]
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    }
    for key in STANDARD:
        found.setdefault(key, False)
    return sorted((method, path, public) for (method, path), public in found.items())


def test_every_route_has_a_world_fixture():
    missing = sorted({path for _, path, _ in operations() if "{" in path and path not in world.ROUTE_OBJECTS})
    assert not missing, f"routes with no world fixture in tests/security/world.py: {missing}"
    stale = sorted(set(world.ROUTE_OBJECTS) - {path for _, path, _ in operations()})
    assert not stale, f"world fixtures for routes that are gone: {stale}"


def test_every_standard_endpoint_is_in_the_schema():
    schema_ops = {(method, path) for method, path, _ in operations()}
    assert schema_ops >= STANDARD


def _client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _send(client: APIClient, method: str, url: str) -> Any:
    if method in WRITES and method != "delete":
        return getattr(client, method)(url, data="{}", content_type="application/json")
    return getattr(client, method)(url)


def _stable(response: Any) -> Any:
    """The part of an answer that must not tell a real id from a random one."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = response.content.decode(errors="replace")
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if key not in VOLATILE}
    return response.status_code, body


def _tokens(outsider: Partner) -> dict[str, str]:
    tests = system_actor("tests")

    def make(scope: str) -> tuple[Any, str]:
        return partner_services.api_token_create(actor=tests, partner=outsider, name=f"matrix {scope}", scope=scope)

    _, read = make(TokenScope.READ)
    _, write = make(TokenScope.WRITE)
    expired_row, expired = make(TokenScope.WRITE)
    expired_row.expires_at = timezone.now() - timedelta(days=1)
    expired_row.save(update_fields=["expires_at"])
    revoked_row, revoked = make(TokenScope.WRITE)
    partner_services.api_token_revoke(actor=tests, token=revoked_row)
    return {"read": read, "write": write, "expired": expired, "revoked": revoked}


@pytest.mark.django_db
def test_security_matrix(capsys, django_capture_on_commit_callbacks):
    # The demo's background work (step credentials, trust, ETAs) runs as its transactions commit.
    with django_capture_on_commit_callbacks(execute=True):
        outsider = world.world_build()
    tokens = _tokens(outsider)
    ops = operations()
    # Every id of a row the outsider may not see: none may appear in anything it is answered.
    secrets: set[str] = set()
    plans = []
    for method, path, public in ops:
        real, random, public_rows = world.route_kwargs(path, outsider) if "{" in path else ({}, {}, False)
        if not public_rows:
            secrets.update(value for value in real.values() if len(value) == 36)
        plans.append((method, path, public, public_rows, real, random))
    failures: list[str] = []
    requests = 0
    for kind, raw in tokens.items():
        client = _client(raw)
        for method, path, public, public_rows, real, random in plans:
            url = world.fill(path, real)
            response = _send(client, method, url)
            requests += 1
            where = f"{kind} {method.upper()} {url}"
            status = response.status_code
            if status >= 500:
                failures.append(f"{where}: {status}")
                continue
            if kind in ("expired", "revoked"):
                if not public and status != 401:
                    failures.append(f"{where}: {status}, not 401 for a bad token")
                continue
            # The problem's ``instance`` echoes the path asked for: that is the caller's own id, not a leak.
            text = response.content.decode(errors="replace").replace(url, "")
            leaked = sorted(secret for secret in secrets if secret in text)
            if leaked:
                failures.append(f"{where}: {status} names another partner's objects {leaked[:3]}")
            if kind == "read" and method in WRITES and not public and 200 <= status < 300:
                failures.append(f"{where}: {status}, a read token wrote")
            if real and not public_rows:
                if status not in (403, 404):
                    failures.append(f"{where}: {status} for another partner's object (403 or 404 expected)")
                other = _send(client, method, world.fill(path, random))
                requests += 1
                if _stable(other) != _stable(response):
                    failures.append(f"{where}: tells a real id ({status}) from a random one ({other.status_code})")
    with capsys.disabled():
        print(f"\nsecurity matrix: {len(ops)} operations x {len(tokens)} tokens, {requests} requests")  # noqa: T201
    assert not failures, "\n".join(failures)
