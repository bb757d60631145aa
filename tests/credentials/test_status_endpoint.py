"""GET /credentials/status/{id}: an issuer's signed Bitstring Status List, public for any verifier.

The list is decoded here from the spec (multibase 'u', base64url, GZIP; index 0 is the first byte's
left-most bit), independently of the code under test.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from django.utils import timezone

from apps.credentials.models import DidMethod, IssuerSettings, StatusList
from apps.credentials.services.keys import partner_key_ensure, partner_key_revoke, partner_key_rotate
from apps.credentials.verification import credential_verify
from tests.credentials.issuing import actor_for, credential_of, document_of, make_consignment, record, step_event

pytestmark = pytest.mark.django_db


def decode_bits(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_indexes(bits: bytes) -> list[int]:
    return [i * 8 + j for i, byte in enumerate(bits) if byte for j in range(8) if byte & (0x80 >> j)]


@pytest.fixture
def credentials(alpha, bravo):
    consignment = make_consignment(alpha)
    events = [record(alpha, step_event(f"evt-{i}", consignments=(consignment,), hours=i))[0] for i in range(3)]
    return [credential_of(event) for event in events]


def _entry(credential, purpose: str) -> dict[str, Any]:
    (entry,) = [e for e in document_of(credential)["credentialStatus"] if e["statusPurpose"] == purpose]
    return entry


def _get(client, url: str) -> Any:
    return client.get(url.removeprefix("http://127.0.0.1:8000"))


def _list(client, url: str) -> dict[str, Any]:
    response = _get(client, url)
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_list_is_public_signed_and_verifiable(client, credentials):
    url = _entry(credentials[0], "revocation")["statusListCredential"]
    response = _get(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc"
    assert "max-age" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["id"] == url
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == "did:web:localhost%3A8000:partners:alpha"
    subject = document["credentialSubject"]
    assert (subject["id"], subject["type"], subject["statusPurpose"]) == (
        f"{url}#list",
        "BitstringStatusList",
        "revocation",
    )
    outcome = credential_verify(document)
    assert outcome.verified, outcome.errors
    assert (
        client.post(
            "/credentials/verify", {"verifiableCredential": document}, content_type="application/json"
        ).status_code
        == 200
    )


def test_all_of_an_issuers_credentials_share_its_two_lists_at_distinct_random_indexes(credentials):
    for purpose in ("revocation", "suspension"):
        entries = [_entry(credential, purpose) for credential in credentials]
        assert len({entry["statusListCredential"] for entry in entries}) == 1
        assert len({entry["statusListIndex"] for entry in entries}) == 3
    assert StatusList.objects.filter(issuer__slug="alpha").count() == 2


def test_the_encoded_list_has_the_revoked_credentials_bit_and_no_other(client, client_for, olga, credentials):
    revoked, suspended, untouched = credentials
    api = client_for(olga)
    assert api.post(f"/api/v1/credentials/{revoked.pk}/revoke/").status_code == 200
    assert api.post(f"/api/v1/credentials/{suspended.pk}/suspend/").status_code == 200

    revocations = _list(client, _entry(revoked, "revocation")["statusListCredential"])
    bits = decode_bits(revocations["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131_072
    assert set_indexes(bits) == [int(_entry(revoked, "revocation")["statusListIndex"])]

    suspensions = _list(client, _entry(suspended, "suspension")["statusListCredential"])
    bits = decode_bits(suspensions["credentialSubject"]["encodedList"])
    assert set_indexes(bits) == [int(_entry(suspended, "suspension")["statusListIndex"])]
    assert not bit(bits, int(_entry(untouched, "suspension")["statusListIndex"]))

    assert credential_verify(revocations).verified  # re-signed as the bits change
    assert credential_verify(suspensions).verified
    assert [c["check"] for c in credential_verify(document_of(revoked)).errors] == ["status"]
    assert [c["check"] for c in credential_verify(document_of(suspended)).errors] == ["status"]
    assert credential_verify(document_of(untouched)).verified


def test_unsuspending_clears_the_bit(client, client_for, olga, credentials):
    credential = credentials[0]
    api = client_for(olga)
    api.post(f"/api/v1/credentials/{credential.pk}/suspend/")
    api.post(f"/api/v1/credentials/{credential.pk}/unsuspend/")
    document = _list(client, _entry(credential, "suspension")["statusListCredential"])
    assert set_indexes(decode_bits(document["credentialSubject"]["encodedList"])) == []


def test_a_did_key_issuers_list_is_issued_and_signed_by_that_did_key(client, alpha, bravo):
    IssuerSettings.objects.create(partner=alpha, did_method=DidMethod.KEY)
    key = partner_key_ensure(partner=alpha)
    consignment = make_consignment(alpha)
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    credential = document_of(credential_of(event))
    did_key = f"did:key:{key.public_key_multibase}"
    assert credential["issuer"] == did_key
    assert credential_verify(credential).verified
    status = _list(client, credential["credentialStatus"][0]["statusListCredential"])
    assert status["issuer"] == did_key
    assert status["proof"]["verificationMethod"].startswith(f"{did_key}#")
    assert credential_verify(status).verified


def _issued_as(api: Any, issuer: str) -> dict[str, Any]:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject"},
    }
    response = api.post("/credentials/issue", {"credential": credential}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def _lists_of(client, credential: dict[str, Any]) -> list[dict[str, Any]]:
    return [_list(client, entry["statusListCredential"]) for entry in credential["credentialStatus"]]


def test_each_issuing_did_has_its_own_lists_named_and_signed_by_it(client, client_for, olga, alpha):
    """A verifier may require a status list's issuer to be the credential's (Digital Bazaar's does)."""
    api = client_for(olga)
    key = partner_key_ensure(partner=alpha)
    did_key, did_web = f"did:key:{key.public_key_multibase}", "did:web:localhost%3A8000:partners:alpha"
    as_key, as_web = _issued_as(api, did_key), _issued_as(api, did_web)
    for credential, did in ((as_key, did_key), (as_web, did_web)):
        for status in _lists_of(client, credential):
            assert status["issuer"] == did
            assert status["proof"]["verificationMethod"].startswith(f"{did}#")
            assert credential_verify(status).verified
        assert credential_verify(credential).verified
    urls = {entry["statusListCredential"] for entry in as_key["credentialStatus"] + as_web["credentialStatus"]}
    assert len(urls) == 4


def test_after_rotation_an_old_did_keys_lists_stay_its_own_and_its_credentials_verify(client, client_for, olga, alpha):
    api = client_for(olga)
    old = partner_key_ensure(partner=alpha)
    old_did = f"did:key:{old.public_key_multibase}"
    before = _issued_as(api, old_did)
    new = partner_key_rotate(actor=actor_for(alpha), partner=alpha)
    new_did = f"did:key:{new.public_key_multibase}"
    for status in _lists_of(client, before):
        assert status["issuer"] == old_did
        assert status["proof"]["verificationMethod"] == f"{old_did}#{old.public_key_multibase}"
        assert credential_verify(status).verified
    assert credential_verify(before).verified
    after = _issued_as(api, new_did)
    assert {status["issuer"] for status in _lists_of(client, after)} == {new_did}
    assert not {e["statusListCredential"] for e in after["credentialStatus"]} & {
        e["statusListCredential"] for e in before["credentialStatus"]
    }


def test_the_lists_of_a_revoked_did_key_are_gone(client, client_for, olga, alpha):
    api = client_for(olga)
    key = partner_key_ensure(partner=alpha)
    credential = _issued_as(api, f"did:key:{key.public_key_multibase}")
    partner_key_revoke(actor=actor_for(alpha), key=key, reason="compromised")
    for entry in credential["credentialStatus"]:
        assert _get(client, entry["statusListCredential"]).status_code == 410


def test_an_unknown_list_is_404(client, credentials):
    assert client.get("/credentials/status/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/credentials/status/not-a-uuid").status_code == 404


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/ld+json, application/json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/vc, application/json;q=0.5", "application/vc"),
        ("*/*", "application/vc"),
    ],
)
def test_the_list_is_served_as_the_json_type_a_verifiers_loader_asks_for(
    client, credentials, accept, media_type, monkeypatch
):
    # The list is signed afresh per request with the time of day; one instant makes the bytes comparable.
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    url = _entry(credentials[0], "revocation")["statusListCredential"]
    plain = _get(client, url)
    response = client.get(url.removeprefix("http://127.0.0.1:8000"), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert "Accept" in response["Vary"]
    assert response.content == plain.content
