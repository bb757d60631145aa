"""Corridor's credentials against an independent implementation: Digital Bazaar's JavaScript libraries.

``verify.mjs`` verifies with ``@digitalbazaar/vc`` + ``eddsa-rdfc-2022`` (and Digital Bazaar's Bitstring
Status List checker), loading only Corridor's bundled contexts and the documents handed to it: the
issuer's DID document and status list credentials exactly as Corridor serves them. ``sign.mjs`` issues
with the same libraries as a did:key issuer, and Corridor must verify what it signed.

alpha (alice) is the consignor of PO-1001 and records its steps; bravo is the carrier.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db.models import F
from rest_framework.test import APIClient

from apps.credentials import dataintegrity, multikey
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2
from apps.credentials.models import Credential, DidMethod, IssuerSettings
from apps.credentials.services.identifiers import credential_url
from apps.credentials.services.issuance import step_credential_issue
from apps.credentials.services.keys import partner_key_revoke, partner_key_rotate
from apps.credentials.services.status import credential_status_set
from apps.credentials.verification import credential_verify
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.shipments.dcsa.parse import parse_dcsa_events
from apps.shipments.epcis.parse import parse_document
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Event
from apps.shipments.services import consignment_create
from tests.shipments.conftest import CONTAINER, consignment_data
from tests.vectors import VECTORS

# GS1's examples that Corridor's EPCIS ingest accepts (this one redefines a protected term and is refused).
EPCIS_REFUSED = {"transformation_event_all_possible_fields.jsonld"}
DCSA_SAMPLES = {
    "tnt-220-response.json": "2.2",
    "tnt-300-response.json": "3.0",
    "tnt-300-request-equipment.json": "3.0",
    "tnt-300-request-iot.json": "3.0",
    "tnt-300-request-reefer.json": "3.0",
    "tnt-300-request-shipment.json": "3.0",
    "tnt-300-request-transport.json": "3.0",
}

pytestmark = [pytest.mark.interop, pytest.mark.django_db]

# A fixed test seed (never a real key): JS and Corridor sign with it to compare proofs byte for byte.
SEED = bytes(range(32))


def _epcis_document() -> dict[str, Any]:
    """Two of alpha's EPCIS steps for PO-1001 (linked by its B/L), with what makes canonicalization hard:
    a vendor namespace, ILMD, sensor readings with decimals, non-ASCII text and control characters,
    which end up in the subject's ``extensions`` JSON literal."""
    return {
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"ex": "https://ns.example.com/"},
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-03T00:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventID": "urn:uuid:0e1c9a52-6a3b-4f7e-9c1d-000000000001",
                    "eventTime": "2026-03-01T09:30:00.123+08:00",
                    "eventTimeZoneOffset": "+08:00",
                    "epcList": ["urn:epc:id:sgtin:0614141.107346.2017", f"urn:epc:id:bic:{CONTAINER}"],
                    "action": "ADD",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
                    "bizLocation": {"id": "urn:epc:id:sgln:0614141.07346.0"},
                    "bizTransactionList": [
                        {"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:4712345000009:BL-KHH-0001"},
                        {"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"},
                    ],
                    "ilmd": {"ex:lot": "L-2026-03 高雄", "ex:bestBefore": "2027-03-01"},
                    "ex:note": 'Kaohsiung 高雄 ✓ "quoted" \\ tab\t bell\u0007 line\u2028sep',
                },
                {
                    "type": "ObjectEvent",
                    "eventID": "urn:uuid:0e1c9a52-6a3b-4f7e-9c1d-000000000002",
                    "eventTime": "2026-03-02T10:00:00+08:00",
                    "eventTimeZoneOffset": "+08:00",
                    "epcList": [f"urn:epc:id:bic:{CONTAINER}"],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
                    "bizTransactionList": [
                        {"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:4712345000009:BL-KHH-0001"}
                    ],
                    "sensorElementList": [
                        {
                            "sensorMetadata": {"time": "2026-03-02T09:59:00+08:00"},
                            "sensorReport": [
                                {"type": "Temperature", "value": 4.5, "uom": "CEL"},
                                {"type": "RelativeHumidity", "value": 61.25, "uom": "P1"},
                                {"type": "Temperature", "value": -0.125, "uom": "CEL"},
                            ],
                        }
                    ],
                },
            ]
        },
    }


@pytest.fixture
def operator(alpha, olga) -> Actor:
    return Actor(partner=alpha, role=MemberRole.OPERATOR, user=olga)


@pytest.fixture
def carrier_operator(bravo, charlie) -> Actor:
    return Actor(partner=bravo, role=MemberRole.OPERATOR, user=charlie)


@pytest.fixture
def step_credentials(alpha, alice, bravo, operator) -> list[Credential]:
    """alpha's three steps of PO-1001 (two EPCIS, one native), issued in event order: a chain of three."""
    consignment_create(actor=Actor(partner=alpha, role=MemberRole.ADMIN, user=alice), data=consignment_data())
    event_batch_record(actor=operator, events=parse_document(_epcis_document()), channel="epcis")
    response = _client(alice).post(
        "/api/v1/events/",
        {
            "event_id": "evt-gate-out",
            "type": "EQUIPMENT",
            "event_code": "GTOT",
            "event_time": "2026-03-02T18:45:00+08:00",
            "location": "TWKHH",
            "transport_document_number": "BL-KHH-0001",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    issued = [
        step_credential_issue(event_pk=pk) for pk in Event.objects.order_by("event_time").values_list("pk", flat=True)
    ]
    assert all(credential is not None for credential in issued)
    return issued


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _path(url: str) -> str:
    assert url.startswith(settings.CORRIDOR_BASE_URL), url
    return url.removeprefix(settings.CORRIDOR_BASE_URL)


def _served_credential(client: APIClient, credential: Credential) -> dict[str, Any]:
    response = client.get(_path(credential_url(credential.pk)))
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _documents_for(credential: dict[str, Any]) -> dict[str, Any]:
    """What a verifier elsewhere would fetch, as Corridor serves it: the issuer's DID document (did:web)
    and every status list credential the credential names."""
    anonymous = APIClient()
    documents: dict[str, Any] = {}
    issuer = credential["issuer"]
    if issuer.startswith("did:web:"):
        slug = issuer.rsplit(":", 1)[1]
        response = anonymous.get(f"/partners/{slug}/did.json")
        assert response.status_code == 200, response.content
        documents[issuer] = json.loads(response.content)
    for entry in credential.get("credentialStatus", []):
        url = entry["statusListCredential"]
        response = anonymous.get(_path(url))
        assert response.status_code == 200, response.content
        documents[url] = json.loads(response.content)
    return documents


def _js_verify(node: Any, tmp_path: Path, credential: Any, documents: dict[str, Any], *options: str) -> dict[str, Any]:
    credential_file = tmp_path / "credential.json"
    documents_file = tmp_path / "documents.json"
    credential_file.write_text(json.dumps(credential, ensure_ascii=False), encoding="utf-8")
    documents_file.write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    result = node("verify.mjs", credential_file, documents_file, *options)
    assert result.returncode in (0, 1), result.stderr
    body = result.json()
    assert (result.returncode == 0) == body["verified"], body
    return body


def _js_sign(node: Any, *args: str | Path) -> dict[str, Any]:
    result = node("sign.mjs", *args)
    assert result.returncode == 0, result.stderr
    return result.json()


# --- Corridor issues, Digital Bazaar verifies -----------------------------------------------------------------


def test_step_credentials_verify_in_digital_bazaars_libraries(node, tmp_path, alice, step_credentials):
    client = _client(alice)
    served = [_served_credential(client, credential) for credential in step_credentials]
    assert [len(document.get("relatedResource", [])) for document in served] == [0, 1, 1]
    assert "extensions" in served[0]["credentialSubject"]  # the JSON literal with the awkward characters
    for document in served:
        result = _js_verify(node, tmp_path, document, _documents_for(document))
        assert result == {
            "verified": True,
            "error": None,
            "statusResult": {
                "verified": True,
                "entries": [
                    {
                        "statusPurpose": entry["statusPurpose"],
                        "statusListIndex": entry["statusListIndex"],
                        "status": False,
                    }
                    for entry in document["credentialStatus"]
                ],
            },
        }


def _vector_json(*parts: str) -> Any:
    return json.loads(VECTORS.joinpath(*parts).read_text(encoding="utf-8"))


def test_step_credentials_of_every_gs1_and_dcsa_sample_verify_in_js(node, tmp_path, operator, carrier_operator):
    """Every event of GS1's EPCIS examples (recorded by alpha) and of DCSA's samples (recorded by bravo)
    gets a step credential (unlinked, so after the grace period) that Digital Bazaar verifies."""
    epcis_files = sorted(path.name for path in (VECTORS / "epcis").glob("*.jsonld"))
    for name in epcis_files:
        if name in EPCIS_REFUSED or name == "epcis-context.jsonld":
            continue
        events = parse_document(_vector_json("epcis", name))
        event_batch_record(actor=operator, events=events, channel="epcis")
    for name, version in DCSA_SAMPLES.items():
        events = parse_dcsa_events(_vector_json("dcsa", "messages", name), version=version)
        event_batch_record(actor=carrier_operator, events=events, channel="dcsa")
    Event.objects.update(
        record_time=F("record_time") - timedelta(seconds=settings.CORRIDOR_LINK_GRACE_SECONDS, minutes=1)
    )
    credentials = [step_credential_issue(event_pk=pk) for pk in Event.objects.values_list("pk", flat=True)]
    assert len(credentials) >= 25
    assert all(credential is not None for credential in credentials)
    assert {credential.issuer.slug for credential in credentials} == {"alpha", "bravo"}
    documents: dict[str, Any] = {}
    served = []
    for credential in credentials:
        document = json.loads(bytes(credential.document))
        served.append(document)
        if not documents.keys() >= {
            document["issuer"],
            *(e["statusListCredential"] for e in document["credentialStatus"]),
        }:
            documents.update(_documents_for(document))
    result = _js_verify(node, tmp_path, served, documents)
    failures = [
        (document["credentialSubject"]["eventID"], answer["error"])
        for document, answer in zip(served, result["results"], strict=True)
        if not answer["verified"]
    ]
    assert failures == []
    assert result["verified"] is True


def _tamper_subject(document: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["consignment"][0]["consignmentReference"] = "PO-1002"
    return tampered


def _tamper_extension(document: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    extensions = tampered["credentialSubject"]["extensions"]
    extensions["ex:note"] = extensions["ex:note"].replace("✓", "✗")
    return tampered


def _tamper_valid_from(document: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    return tampered


def _tamper_status_index(document: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    entry = tampered["credentialStatus"][0]
    index = str((int(entry["statusListIndex"]) + 1) % 131072)
    entry["statusListIndex"] = index
    entry["id"] = f"{entry['statusListCredential']}#{index}"
    return tampered


def _tamper_proof_created(document: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    tampered["proof"]["created"] = "2020-01-01T00:00:00Z"
    return tampered


@pytest.mark.parametrize(
    "tamper", [_tamper_subject, _tamper_extension, _tamper_valid_from, _tamper_status_index, _tamper_proof_created]
)
def test_a_tampered_step_credential_does_not_verify_in_js(node, tmp_path, alice, step_credentials, tamper):
    document = _served_credential(_client(alice), step_credentials[0])
    tampered = tamper(document)
    assert tampered != document
    result = _js_verify(node, tmp_path, tampered, _documents_for(document))
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


def test_a_revoked_or_suspended_step_credential_fails_the_js_status_check(
    node, tmp_path, alice, olga, step_credentials
):
    document = _served_credential(_client(alice), step_credentials[1])
    actor = Actor(partner=step_credentials[1].issuer, role=MemberRole.OPERATOR, user=olga)
    credential_status_set(actor=actor, credential=step_credentials[1], purpose="suspension", value=True)
    suspended = _js_verify(node, tmp_path, document, _documents_for(document))
    assert suspended["verified"] is False
    assert "status bit set: suspension" in suspended["error"]
    credential_status_set(actor=actor, credential=step_credentials[1], purpose="suspension", value=False)
    assert _js_verify(node, tmp_path, document, _documents_for(document))["verified"] is True
    credential_status_set(actor=actor, credential=step_credentials[1], purpose="revocation", value=True)
    revoked = _js_verify(node, tmp_path, document, _documents_for(document))
    assert revoked["verified"] is False
    assert "status bit set: revocation" in revoked["error"]
    # the other step credentials of the same lists are untouched
    other = _served_credential(_client(alice), step_credentials[2])
    assert _js_verify(node, tmp_path, other, _documents_for(other))["verified"] is True


def test_js_loads_nothing_it_was_not_given(node, tmp_path, alice, step_credentials):
    """No network: without the DID document, or a status list, the JS side cannot verify."""
    document = _served_credential(_client(alice), step_credentials[0])
    documents = _documents_for(document)
    without_did = {url: doc for url, doc in documents.items() if not url.startswith("did:")}
    result = _js_verify(node, tmp_path, document, without_did)
    assert result["verified"] is False
    assert "never uses the network" in result["error"]
    without_status = {url: doc for url, doc in documents.items() if url.startswith("did:")}
    result = _js_verify(node, tmp_path, document, without_status)
    assert result["verified"] is False
    assert "never uses the network" in result["error"]


def test_a_credential_signed_by_a_rotated_key_still_verifies_in_js(node, tmp_path, alice, alpha, step_credentials):
    document = _served_credential(_client(alice), step_credentials[0])
    partner_key_rotate(actor=Actor(partner=alpha, role=MemberRole.ADMIN, user=alice), partner=alpha)
    assert _js_verify(node, tmp_path, document, _documents_for(document))["verified"] is True


def test_a_credential_signed_by_a_revoked_key_fails_in_js(node, tmp_path, alice, alpha, step_credentials):
    document = _served_credential(_client(alice), step_credentials[0])
    partner_key_revoke(
        actor=Actor(partner=alpha, role=MemberRole.ADMIN, user=alice), key=step_credentials[0].signed_by, reason="leak"
    )
    result = _js_verify(node, tmp_path, document, _documents_for(document))
    assert result["verified"] is False
    assert "is not a verification method of" in result["error"]


@pytest.mark.usefixtures("bravo")
def test_a_did_key_issuer_step_credential_verifies_in_js(node, tmp_path, alice, operator):
    IssuerSettings.objects.create(partner=operator.partner, did_method=DidMethod.KEY)
    consignment_create(
        actor=Actor(partner=operator.partner, role=MemberRole.ADMIN, user=alice), data=consignment_data()
    )
    (event,) = event_batch_record(actor=operator, events=parse_document(_epcis_document())[:1], channel="epcis").events
    credential = step_credential_issue(event_pk=event.pk)
    document = _served_credential(_client(alice), credential)
    assert document["issuer"].startswith("did:key:z6Mk")
    result = _js_verify(node, tmp_path, document, _documents_for(document))
    assert result["verified"] is True, result


def test_an_api_issued_credential_verifies_in_js(node, tmp_path, alpha, token_for, bearer):
    api = bearer(token_for(alpha))
    unsigned = {
        "@context": [CREDENTIALS_V2, CORRIDOR_V1],
        "type": ["VerifiableCredential", "AeoCredential"],
        "credentialSubject": {
            "id": "did:web:customs.example:aeo:TW-AEO-0001",
            "type": "AeoCertificate",
            "certificateNumber": "TWAEO0001",
            "aeoType": "AEOF",
            "countryCode": "TW",
            "certificateValidFrom": "2025-01-01",
        },
    }
    response = api.post("/credentials/issue", {"credential": unsigned}, format="json")
    assert response.status_code == 201, response.content
    document = response.json()["verifiableCredential"]
    assert len(document["credentialStatus"]) == 2
    assert _js_verify(node, tmp_path, document, _documents_for(document))["verified"] is True
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["aeoType"] = "AEOS"
    result = _js_verify(node, tmp_path, tampered, _documents_for(document))
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


def _api_issue(api: APIClient, unsigned: dict[str, Any]) -> Any:
    # As raw JSON: the test client's encoder would turn large integers into the same text anyway, but
    # this way the server sees exactly what a partner system sends.
    return api.post("/credentials/issue", json.dumps({"credential": unsigned}), content_type="application/json")


def _numbers_credential(amount: int) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2, CORRIDOR_V1],
        "type": ["VerifiableCredential", "StepCredential"],
        "credentialSubject": {"type": "ObjectEvent", "eventVersion": amount, "extensions": {"weight": 4.5, "n": 100.0}},
    }


def test_integers_javascript_reads_exactly_verify_and_larger_ones_are_refused(node, tmp_path, alpha, token_for, bearer):
    """JSON numbers are doubles in JavaScript: 2^53 + 1 would arrive as 2^53 and the signature would fail
    there, so Corridor refuses to sign it (I-JSON) instead of issuing what others cannot verify."""
    api = bearer(token_for(alpha))
    largest = 2**53 - 1
    response = _api_issue(api, _numbers_credential(largest))
    assert response.status_code == 201, response.content
    document = response.json()["verifiableCredential"]
    assert document["credentialSubject"]["eventVersion"] == largest
    assert _js_verify(node, tmp_path, document, _documents_for(document))["verified"] is True
    response = _api_issue(api, _numbers_credential(largest + 2))
    assert response.status_code == 400, response.content
    assert "credential.credentialSubject.eventVersion" in response.content.decode()


def _with_direction() -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "name": {"@value": "شهادة المشغل الاقتصادي المعتمد", "@language": "ar", "@direction": "rtl"},
        "credentialSubject": {"id": "https://example.org/subjects/1"},
    }


def test_a_credential_with_a_base_direction_verifies_in_js(node, tmp_path, alpha, token_for, bearer):
    response = _api_issue(bearer(token_for(alpha)), _with_direction())
    assert response.status_code == 201, response.content
    document = response.json()["verifiableCredential"]
    assert _js_verify(node, tmp_path, document, _documents_for(document))["verified"] is True


def test_a_changed_base_direction_fails_in_corridor_as_in_js(node, tmp_path, alpha, token_for, bearer):
    response = _api_issue(bearer(token_for(alpha)), _with_direction())
    assert response.status_code == 201, response.content
    tampered = copy.deepcopy(response.json()["verifiableCredential"])
    tampered["name"]["@direction"] = "ltr"
    assert _js_verify(node, tmp_path, tampered, _documents_for(tampered))["verified"] is False
    assert not credential_verify(tampered).verified


# --- Digital Bazaar issues, Corridor verifies -----------------------------------------------------------------


def test_a_js_signed_credential_verifies_in_corridor(node):
    document = _js_sign(node)
    assert document["issuer"].startswith("did:key:z6Mk")
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    outcome = credential_verify(document)
    assert outcome.verified, outcome.checks
    assert {check["check"] for check in outcome.checks} == {
        "structure",
        "contexts",
        "issuer key",
        "proof",
        "validity period",
    }


def test_a_js_signed_credential_verifies_through_the_vc_api(node):
    response = APIClient().post("/credentials/verify", {"verifiableCredential": _js_sign(node)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["verified"] is True


def _change_subject(document: dict[str, Any]) -> None:
    document["credentialSubject"]["consignment"][0]["consignmentReference"] = "PO-1002"


def _change_extension(document: dict[str, Any]) -> None:
    document["credentialSubject"]["extensions"]["temperature"] = 4.6


def _change_proof_value(document: dict[str, Any]) -> None:
    value = document["proof"]["proofValue"]
    document["proof"]["proofValue"] = value[:-1] + ("2" if value[-1] != "2" else "3")


def _change_issuer_key(document: dict[str, Any]) -> None:
    other = multikey.did_key(Ed25519PrivateKey.generate().public_key())
    document["proof"]["verificationMethod"] = f"{other}#{other.removeprefix('did:key:')}"
    document["issuer"] = other


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        (_change_subject, "proof"),
        (_change_extension, "proof"),
        (_change_proof_value, "proof"),
        (_change_issuer_key, "proof"),
    ],
)
def test_a_tampered_js_signed_credential_fails_in_corridor_naming_the_proof(node, change, failing):
    document = _js_sign(node)
    change(document)
    outcome = credential_verify(document)
    assert not outcome.verified
    assert [check["check"] for check in outcome.errors] == [failing]
    assert "signature" in outcome.errors[0]["detail"]


def test_a_corridor_step_credential_re_signed_in_js_verifies_in_corridor(node, tmp_path, alice, step_credentials):
    """Digital Bazaar's signer over Corridor's own step credential (its EPCIS subject and JSON literal)."""
    document = _served_credential(_client(alice), step_credentials[1])
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    resigned = _js_sign(node, "--credential", unsigned)
    outcome = credential_verify(resigned)
    passed = {check["check"] for check in outcome.checks if check["passed"]}
    assert passed >= {"structure", "contexts", "proof", "issuer key", "chain digests"}, outcome.checks
    # The JS issuer is not the partner whose status lists the entries name: a status list vouches only for
    # its own issuer's credentials, so Corridor refuses to read someone else's list for it.
    assert [check["check"] for check in outcome.errors] == ["status"]
    assert "another issuer" in outcome.errors[0]["detail"]


# --- Byte for byte: one key, one proof ------------------------------------------------------------------------


def test_corridor_and_js_make_the_same_proof_with_the_same_key(node, tmp_path, alice, step_credentials):
    """Ed25519 is deterministic: the same key over the same canonical data gives the same proofValue,
    so any difference in canonicalization, hashing or proof configuration would show here."""
    created = "2026-03-04T05:06:07Z"
    private_key = Ed25519PrivateKey.from_private_bytes(SEED)
    did = multikey.did_key(private_key.public_key())
    for credential in step_credentials:
        document = _served_credential(_client(alice), credential)
        unsigned = {key: value for key, value in document.items() if key != "proof"}
        unsigned["issuer"] = did
        ours = dataintegrity.sign(
            unsigned,
            private_key=private_key,
            verification_method=f"{did}#{did.removeprefix('did:key:')}",
            created=created,
        )
        unsigned_file = tmp_path / "unsigned.json"
        unsigned_file.write_text(json.dumps(unsigned, ensure_ascii=False), encoding="utf-8")
        theirs = _js_sign(node, "--seed", SEED.hex(), "--credential", unsigned_file, "--created", created)
        assert theirs == ours
