"""CORRIDOR_DID_HOST must be a domain name (did:web forbids IP addresses): refused at start-up, never a 500.

The system check runs with ``manage.py check``, ``migrate`` and ``runserver``; a server started without
checks (gunicorn) must still answer every request without a server error.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.credentials import dataintegrity, multikey
from apps.credentials.jsonld import CREDENTIALS_V2

pytestmark = pytest.mark.django_db

IP_HOSTS = ["127.0.0.1%3A8000", "127.0.0.1", "[::1]%3A8000", "10.0.0.7%3A8443"]


def _did_host_errors() -> list[checks.CheckMessage]:
    return [message for message in checks.run_checks() if "CORRIDOR_DID_HOST" in message.msg]


@pytest.mark.parametrize("host", IP_HOSTS)
def test_an_ip_address_as_did_host_is_a_system_check_error_naming_the_variable(settings, host):
    settings.CORRIDOR_DID_HOST = host
    (error,) = _did_host_errors()
    assert error.level == checks.ERROR
    assert error.id == "credentials.E001"
    assert host in error.msg
    with pytest.raises(SystemCheckError, match="CORRIDOR_DID_HOST"):
        call_command("check")


@pytest.mark.parametrize("host", ["localhost%3A8000", "corridor.example.org", "corridor.example.org%3A8443"])
def test_a_domain_name_as_did_host_passes_the_check(settings, host):
    settings.CORRIDOR_DID_HOST = host
    assert _did_host_errors() == []


@pytest.mark.parametrize("host", ["corridor.example.org:8443", "Corridor.example.org", "corridor example"])
def test_a_host_did_web_would_write_otherwise_is_a_system_check_error(settings, host):
    settings.CORRIDOR_DID_HOST = host
    (error,) = _did_host_errors()
    assert error.id == "credentials.E001"


def _signed(issuer_key: Ed25519PrivateKey, issuer: str, method: str) -> dict:
    return dataintegrity.sign(
        {
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "credentialSubject": {"id": "did:example:subject"},
        },
        private_key=issuer_key,
        verification_method=method,
        created=datetime(2026, 3, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("host", IP_HOSTS)
def test_with_an_ip_address_as_did_host_no_request_answers_500(client, client_for, olga, alpha, settings, host):
    settings.CORRIDOR_DID_HOST = host
    key = Ed25519PrivateKey.generate()
    did_key = multikey.did_key(key.public_key())
    by_did_key = _signed(key, did_key, multikey.did_key_verification_method(key.public_key()))
    by_did_web = _signed(key, f"did:web:{host}:partners:alpha", f"did:web:{host}:partners:alpha#key-1")

    def verify(credential: dict) -> int:
        body = json.dumps({"verifiableCredential": credential})
        return client.post("/credentials/verify", body, content_type="application/json").status_code

    assert verify(by_did_key) == 200
    assert verify(by_did_web) == 400
    presentation = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [by_did_key],
    }
    body = json.dumps({"verifiablePresentation": presentation, "options": {"unsignedPresentation": True}})
    assert client.post("/presentations/verify", body, content_type="application/json").status_code == 200
    assert client.post("/verify/", {"credential": json.dumps(by_did_web)}).status_code == 200
    issued = client_for(olga).post(
        "/credentials/issue",
        {
            "credential": {
                "@context": [CREDENTIALS_V2],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:s"},
            }
        },
        format="json",
    )
    assert issued.status_code < 500
    assert client.get("/partners/alpha/did.json").status_code == 404
