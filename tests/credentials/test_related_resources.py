"""``relatedResource`` on /credentials/issue and /credentials/verify (VC Data Model 2.0 §5.3).

The digests here are computed from the definitions (SRI: algorithm, ``-``, base64; ``digestMultibase``:
multibase of a multihash), independently of the code under test. olga is alpha's operator.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.credentials import dataintegrity, multikey
from apps.credentials.jsonld import CREDENTIALS_V2
from apps.credentials.models import Credential
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

RESOURCE = "https://www.w3.org/ns/credentials/v2"
SRI = "sha384-" + base64.b64encode(hashlib.sha384(b"some resource").digest()).decode()
MULTIBASE = "u" + base64.urlsafe_b64encode(b"\x12\x20" + hashlib.sha256(b"some resource").digest()).decode().rstrip("=")


def sri(data: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def multihash_sha256(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(b"\x12\x20" + hashlib.sha256(data).digest()).decode().rstrip("=")


def credential(**changes: Any) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"},
        **changes,
    }


@pytest.fixture
def api(client_for, olga):
    return client_for(olga)


def issue(api: Any, document: dict[str, Any]) -> Any:
    return api.post("/credentials/issue", {"credential": document}, format="json")


def verify(client: Any, document: dict[str, Any]) -> Any:
    return client.post(
        "/credentials/verify", json.dumps({"verifiableCredential": document}), content_type="application/json"
    )


@pytest.mark.parametrize(
    "related",
    [
        {"id": RESOURCE, "digestSRI": SRI},
        {"id": RESOURCE, "digestMultibase": MULTIBASE},
        [{"id": RESOURCE, "mediaType": "application/ld+json", "digestSRI": SRI}],
        [{"id": RESOURCE, "digestSRI": f"{SRI} {sri(b'some resource', 'sha512')}", "digestMultibase": MULTIBASE}],
        [{"id": RESOURCE, "digestSRI": SRI}, {"id": "https://example.org/other", "digestMultibase": [MULTIBASE]}],
    ],
    ids=["sri", "multibase", "media-type", "both-digests", "two-resources"],
)
def test_well_formed_related_resources_are_issued(api, related):
    response = issue(api, credential(relatedResource=related))
    assert response.status_code == 201, response.content
    assert response.json()["verifiableCredential"]["relatedResource"] == related


@pytest.mark.parametrize(
    ("related", "field"),
    [
        ([RESOURCE], "credential.relatedResource[0]"),
        (RESOURCE, "credential.relatedResource"),
        ([], "credential.relatedResource"),
        ([{"digestMultibase": MULTIBASE}], "credential.relatedResource[0].id"),
        ([{"id": "not a url", "digestSRI": SRI}], "credential.relatedResource[0].id"),
        (
            [{"id": RESOURCE, "digestSRI": SRI}, {"id": RESOURCE, "digestMultibase": MULTIBASE}],
            "credential.relatedResource[1].id",
        ),
        ([{"id": RESOURCE}], "credential.relatedResource[0]"),
        ([{"id": RESOURCE, "mediaType": "application/ld+json"}], "credential.relatedResource[0]"),
        (
            [{"id": RESOURCE, "digestSRI": "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P"}],
            "credential.relatedResource[0].digestSRI",
        ),
        (
            [{"id": RESOURCE, "digestSRI": "md5-" + base64.b64encode(b"0" * 16).decode()}],
            "credential.relatedResource[0].digestSRI",
        ),
        (
            [{"id": RESOURCE, "digestSRI": "sha384-" + base64.b64encode(b"short").decode()}],
            "credential.relatedResource[0].digestSRI",
        ),
        ([{"id": RESOURCE, "digestSRI": ""}], "credential.relatedResource[0].digestSRI"),
        ([{"id": RESOURCE, "digestMultibase": "not multibase"}], "credential.relatedResource[0].digestMultibase"),
        ([{"id": RESOURCE, "digestMultibase": 42}], "credential.relatedResource[0].digestMultibase"),
        ([{"id": RESOURCE, "digestMultibase": []}], "credential.relatedResource[0].digestMultibase"),
        ([{"id": RESOURCE, "digestSRI": SRI, "mediaType": 7}], "credential.relatedResource[0].mediaType"),
    ],
    ids=[
        "strings",
        "a-string",
        "empty",
        "no-id",
        "id-not-a-url",
        "duplicate-id",
        "no-digest",
        "media-type-but-no-digest",
        "sri-base64url",
        "sri-unknown-algorithm",
        "sri-wrong-length",
        "sri-empty",
        "multibase-unknown-base",
        "multibase-number",
        "multibase-empty-list",
        "media-type-number",
    ],
)
def test_a_malformed_related_resource_is_400_naming_the_field(api, related, field):
    assert_problem(issue(api, credential(relatedResource=related)), 400, field=field)
    assert not Credential.objects.exists()


def _held(api: Any) -> tuple[str, bytes]:
    """A credential this deployment holds: its URL and its bytes as served."""
    response = issue(api, credential())
    assert response.status_code == 201, response.content
    row = Credential.objects.get()
    return response.json()["verifiableCredential"]["id"], bytes(row.document)


@pytest.mark.parametrize(
    "digests",
    [
        lambda data: {"digestMultibase": multihash_sha256(data)},
        lambda data: {"digestSRI": sri(data)},
        lambda data: {"digestSRI": f"{sri(data, 'sha256')} {sri(data, 'sha512')}"},
        lambda data: {"digestSRI": sri(data), "digestMultibase": [multihash_sha256(data)]},
    ],
    ids=["multibase", "sri", "sri-strongest-of-two", "both"],
)
def test_the_digest_of_a_credential_held_here_is_checked_on_issue_and_verify(client, api, digests):
    url, data = _held(api)
    response = issue(api, credential(relatedResource=[{"id": url, **digests(data)}]))
    assert response.status_code == 201, response.content
    answer = verify(client, response.json()["verifiableCredential"])
    assert answer.status_code == 200, answer.content
    assert "chain digests" in answer.json()["checks"]


@pytest.mark.parametrize(
    ("digests", "field"),
    [
        (lambda data: {"digestMultibase": multihash_sha256(data + b" ")}, "digestMultibase"),
        (lambda data: {"digestSRI": sri(data + b" ")}, "digestSRI"),
        (lambda data: {"digestSRI": f"{sri(data, 'sha256')} {sri(data + b' ', 'sha512')}"}, "digestSRI"),
        (lambda data: {"digestSRI": sri(data), "digestMultibase": multihash_sha256(data + b" ")}, "digestMultibase"),
        (lambda data: {"digestMultibase": "z" + "1" * 40}, "digestMultibase"),
    ],
    ids=["multibase", "sri", "sri-strongest-differs", "one-of-two", "not-a-known-multihash"],
)
def test_a_wrong_digest_of_a_credential_held_here_is_400(api, digests, field):
    url, data = _held(api)
    body = assert_problem(
        issue(api, credential(relatedResource=[{"id": url, **digests(data)}])),
        400,
        field=f"credential.relatedResource[0].{field}",
    )
    assert url in body["detail"]
    assert Credential.objects.count() == 1


def test_a_local_credential_url_that_names_nothing_is_400(api):
    url, _ = _held(api)
    missing = url[: -len("0" * 12)] + "0" * 12
    assert_problem(
        issue(api, credential(relatedResource=[{"id": missing, "digestSRI": SRI}])),
        400,
        field="credential.relatedResource[0].id",
    )


def test_a_signed_credential_with_a_malformed_related_resource_fails_the_chain_digests_check(client):
    key = Ed25519PrivateKey.generate()
    did = multikey.did_key(key.public_key())
    signed = dataintegrity.sign(
        credential(issuer=did, relatedResource=[{"id": RESOURCE}]),
        private_key=key,
        verification_method=multikey.did_key_verification_method(key.public_key()),
        created="2026-03-01T00:00:00Z",
    )
    response = verify(client, signed)
    assert response.status_code == 400
    assert [error["check"] for error in response.json()["errors"]] == ["chain digests"]
    assert "digestSRI or a digestMultibase" in response.json()["errors"][0]["detail"]
