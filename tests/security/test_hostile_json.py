"""Hostile JSON bodies: nested far deeper than any document Corridor takes, on every endpoint that parses
JSON. Each answers 400 with a problem body in its path's dialect, never a RecursionError, a 500 or an HTML
page, and nothing is stored (issue 17: ~950 levels answered 500 everywhere)."""

from __future__ import annotations

import json

import pytest

from apps.core.json_input import JsonInputError, json_depth_exceeds, json_loads
from apps.credentials import verification
from apps.shipments.models import Consignment, Event

pytestmark = pytest.mark.django_db

DEPTHS = [101, 950, 50_000]


def deep_array(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def wrapped(levels: int, key: str) -> str:
    """A plausible body whose one member nests ``levels`` deep."""
    return '{"' + key + '":' + deep_object(levels) + "}"


# (path, body maker) for every endpoint that reads a JSON body (the VC API ones whatever their auth).
ENDPOINTS = [
    ("/api/v1/events/", deep_array),
    ("/api/v1/consignments/", lambda n: wrapped(n, "parties")),
    ("/api/v1/dcsa/v2/events", deep_array),
    ("/api/v1/dcsa/v3/events", deep_array),
    ("/credentials/verify", lambda n: wrapped(n, "verifiableCredential")),
    ("/presentations/verify", lambda n: wrapped(n, "verifiablePresentation")),
    ("/credentials/issue", lambda n: wrapped(n, "credential")),
    ("/credentials/status", lambda n: wrapped(n, "credentialStatus")),
]


@pytest.mark.parametrize("levels", DEPTHS)
@pytest.mark.parametrize(("path", "make"), ENDPOINTS, ids=[path for path, _ in ENDPOINTS])
def test_deep_json_is_400_malformed_on_every_json_endpoint(alpha, token_for, bearer, path, make, levels):
    api = bearer(token_for(alpha))
    response = api.post(path, data=make(levels), content_type="application/json")
    assert response.status_code == 400, (path, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(("application/problem+json", "application/json"))
    body = response.json()
    text = json.dumps(body)
    assert "deeper than 100 levels" in text, body
    assert Event.objects.count() == 0
    assert Consignment.objects.count() == 0


def test_depth_at_the_limit_is_parsed_and_one_beyond_refused(settings):
    settings.CORRIDOR_JSON_MAX_DEPTH = 100
    assert json_loads(deep_array(100)) == json.loads(deep_array(100))
    with pytest.raises(JsonInputError, match="deeper than 100"):
        json_loads(deep_array(101))


def test_the_limit_is_a_setting(settings):
    settings.CORRIDOR_JSON_MAX_DEPTH = 5
    json_loads(deep_object(5))
    with pytest.raises(JsonInputError, match="deeper than 5"):
        json_loads(deep_object(6))


def test_broken_and_non_finite_json_are_input_errors():
    for text in ["{", '{"a": NaN}', "[Infinity]", b"\xff\xfe"]:
        with pytest.raises(JsonInputError):
            json_loads(text)


def test_depth_check_is_iterative_and_counts_mixed_nesting():
    value = {"a": [{"b": [[{"c": 1}]]}]}
    assert not json_depth_exceeds(value, 6)
    assert json_depth_exceeds(value, 5)
    assert not json_depth_exceeds(1, 0 + 1)


@pytest.mark.parametrize("levels", DEPTHS)
def test_verify_page_and_command_take_deep_json_as_not_json(client, levels):
    assert verification.parse_json(deep_array(levels)) is None
    response = client.post("/verify/", {"credential": deep_array(levels)})
    assert response.status_code in (200, 400)
    assert b"not JSON" in response.content


@pytest.mark.parametrize("levels", [950, 50_000])
def test_dcsa_file_upload_page_refuses_deep_json(client, alice, levels):
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    client.force_login(alice)
    upload = SimpleUploadedFile("events.json", deep_array(levels).encode(), content_type="application/json")
    response = client.post("/events/upload/", {"format": "dcsa-2.2", "file": upload})
    assert response.status_code == 400
    assert b"deeper than 100 levels" in response.content
