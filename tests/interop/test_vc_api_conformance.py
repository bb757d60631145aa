"""The VC API driven over real HTTP, request by request, the way the W3C conformance suites drive it.

The suites (VC Data Model 2.0, Data Integrity eddsa-rdfc-2022, Bitstring Status List) issue through
``/credentials/issue`` with a partner's API token, check the proof's fields, set status through
``/credentials/status``, verify through ``/credentials/verify`` and ``/presentations/verify``, and
expect 4xx with ``verified: false`` for every damaged input. Corridor's output is verified in Digital
Bazaar's JavaScript libraries, and a VC 1.1 credential those libraries sign is verified in Corridor.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from apps.credentials import dataintegrity, multikey
from apps.credentials.jsonld import CREDENTIALS_V1, CREDENTIALS_V2, DATA_INTEGRITY_V2
from apps.credentials.models import DidMethod, IssuerSettings

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
BASE58 = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]+$")
DATE_TIME_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Http:
    """A VC API client over urllib: JSON in, (status, JSON) out, with an optional bearer token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base, self.token = base, token

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, json.dumps(body).encode(), headers, method="POST")
        return self._send(request)

    def get(self, url: str) -> tuple[int, Any]:
        path = url.removeprefix(settings.CORRIDOR_BASE_URL)
        return self._send(urllib.request.Request(self.base + path, headers={"Accept": "application/json"}))

    @staticmethod
    def _send(request: urllib.request.Request) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None


@pytest.fixture
def partner(alpha) -> Any:
    """The partner the suites are configured with; it issues as did:key (their resolver knows only that)."""
    IssuerSettings.objects.create(partner=alpha, did_method=DidMethod.KEY)
    return alpha


@pytest.fixture
def issuer(live_server, partner, token_for) -> Http:
    return Http(live_server.url, token_for(partner))


@pytest.fixture
def verifier(live_server) -> Http:
    return Http(live_server.url)


def v2_credential(**changes: Any) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2, EXAMPLES_V2],
        "id": "urn:uuid:2b9f4b7e-5b8a-4a6e-9d0b-4f6c2a1d9e01",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "Example University"},
        **changes,
    }


def v1_credential(**changes: Any) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V1],
        "id": "urn:uuid:7c1d0e3a-2f4b-4c5d-8e6f-9a0b1c2d3e4f",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
        **changes,
    }


# VCALM: a VC 1.1 credential gets status entries only when the options ask; a 2.0 one gets both anyway.
WITH_STATUS = {"credentialStatus": {"type": "BitstringStatusListEntry"}}


def issue(issuer: Http, credential: dict[str, Any], options: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body = issuer.post("/credentials/issue", {"credential": credential, "options": options or {}})
    assert status == 201, body
    assert set(body) == {"verifiableCredential"}
    return body["verifiableCredential"]


def verified(verifier: Http, credential: Any, **options: Any) -> dict[str, Any]:
    status, body = verifier.post("/credentials/verify", {"verifiableCredential": credential, "options": options})
    assert status == 200, body
    assert body["verified"] is True
    return body


def refused(verifier: Http, credential: Any, **options: Any) -> dict[str, Any]:
    """The suites' negative answer: 400 or 422, ``verified: false`` and one problem per failed check."""
    status, body = verifier.post("/credentials/verify", {"verifiableCredential": credential, "options": options})
    assert status in (400, 422), body
    assert body["verified"] is False
    assert body["problemDetails"]
    assert [problem["title"] for problem in body["problemDetails"]] == [f"{e['check']} failed" for e in body["errors"]]
    return body


def failed_checks(body: dict[str, Any]) -> list[str]:
    return [error["check"] for error in body["errors"]]


def details(body: dict[str, Any]) -> str:
    return "; ".join(problem["detail"] for problem in body["problemDetails"])


# --- Issuing, both data models ---------------------------------------------------------------------------


@pytest.mark.parametrize("explicit_status", [False, True], ids=["corridor-status", "with-own-status"])
def test_a_vc_2_0_credential_is_issued_as_the_suites_check_it(issuer, verifier, partner, explicit_status):
    own = {"id": "https://status.example/lists/3#94567", "type": "ExampleStatusEntry"}
    credential = issue(issuer, v2_credential(**({"credentialStatus": own} if explicit_status else {})))
    assert credential["@context"][:2] == [CREDENTIALS_V2, EXAMPLES_V2]
    assert credential["id"] == "urn:uuid:2b9f4b7e-5b8a-4a6e-9d0b-4f6c2a1d9e01"
    assert credential["issuer"].startswith("did:key:z6Mk")
    assert DATE_TIME_STAMP.match(credential["validFrom"])
    proof = credential["proof"]
    assert set(proof) == {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"}
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "assertionMethod",
    )
    assert DATE_TIME_STAMP.match(proof["created"])
    assert BASE58.match(proof["proofValue"])
    assert len(multikey.decode_multibase(proof["proofValue"])) == 64
    # The verification method is the did:key's Multikey, 0xed01 + 32 bytes = 34 bytes.
    did = credential["issuer"]
    assert proof["verificationMethod"] == f"{did}#{did.removeprefix('did:key:')}"
    assert len(multikey.decode_multibase(did.removeprefix("did:key:"))) == 34
    statuses = credential["credentialStatus"]
    assert statuses[: int(explicit_status)] == ([own] if explicit_status else [])
    ours = statuses[int(explicit_status) :]
    assert [(s["type"], s["statusPurpose"]) for s in ours] == [
        ("BitstringStatusListEntry", "revocation"),
        ("BitstringStatusListEntry", "suspension"),
    ]
    for entry in ours:
        assert str(int(entry["statusListIndex"])) == entry["statusListIndex"]
        status, list_credential = issuer.get(entry["statusListCredential"])
        assert status == 200
        assert "BitstringStatusListCredential" in list_credential["type"]
        assert list_credential["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
        assert list_credential["credentialSubject"]["encodedList"].startswith("u")
        assert DATE_TIME_STAMP.match(list_credential["validFrom"])
        assert list_credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert verified(verifier, credential)["checks"] == [
        "structure",
        "contexts",
        "issuer key",
        "proof",
        "validity period",
        "status",
    ]


def test_a_vc_1_1_credential_is_issued_and_verified_as_vc_1_1(issuer, verifier):
    credential = issue(issuer, v1_credential(expirationDate="2999-01-01T00:00:00Z"))
    assert credential["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2]
    assert "credentialStatus" not in credential
    assert DATE_TIME_STAMP.match(credential["issuanceDate"])
    assert "validFrom" not in credential
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    verified(verifier, credential)


@pytest.mark.parametrize(
    "credential",
    [
        "not a credential",
        {k: v for k, v in v2_credential().items() if k != "@context"},
        {k: v for k, v in v2_credential().items() if k != "type"},
        v2_credential(issuer="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        v2_credential(issuer=None),
        v2_credential(credentialSubject="did:example:1234"),
        v2_credential(**{"@context": [CREDENTIALS_V2, "https://contexts.example/unknown/v1"]}),
        v2_credential(**{"@context": [CREDENTIALS_V2]}),  # alumniOf is then an undefined term
        v1_credential(issuanceDate="yesterday"),
    ],
    ids=[
        "not-an-object",
        "no-context",
        "no-type",
        "issuer-not-the-caller",
        "issuer-null",
        "subject-not-object",
        "unknown-context",
        "undefined-term",
        "v1-bad-issuance-date",
    ],
)
def test_what_is_not_a_credential_is_refused_with_problem_details(issuer, credential):
    status, body = issuer.post("/credentials/issue", {"credential": credential, "options": {}})
    assert status in (400, 422), body
    assert body["status"] == status
    assert body["errors"][0]["pointer"].startswith("#/credential")


def test_a_request_without_a_credential_member_is_refused(issuer):
    status, body = issuer.post("/credentials/issue", {"verifiableCredential": v2_credential()})
    assert status == 400
    assert body["errors"][0]["field"] == "credential"


# --- Verifying: each check the Data Integrity suite damages ----------------------------------------------


def _without(credential: dict[str, Any], member: str) -> dict[str, Any]:
    damaged = copy.deepcopy(credential)
    del damaged["proof"][member]
    return damaged


def _with(credential: dict[str, Any], member: str, value: Any) -> dict[str, Any]:
    damaged = copy.deepcopy(credential)
    damaged["proof"][member] = value
    return damaged


@pytest.mark.parametrize("model", ["2.0", "1.1"])
def test_each_damaged_proof_field_is_refused_naming_it(issuer, verifier, model):
    credential = issue(issuer, v2_credential() if model == "2.0" else v1_credential())
    verified(verifier, credential)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    assert "signature" in details(refused(verifier, tampered))
    cases = {
        "no proof": ({k: v for k, v in credential.items() if k != "proof"}, "no proof"),
        "null proof": ({**credential, "proof": None}, "no proof"),
        "no type": (_without(credential, "type"), "proof type must be DataIntegrityProof"),
        "wrong type": (_with(credential, "type", "UnknownProofType"), "proof type must be DataIntegrityProof"),
        "no cryptosuite": (_without(credential, "cryptosuite"), "cryptosuite must be eddsa-rdfc-2022"),
        "wrong cryptosuite": (_with(credential, "cryptosuite", "UnknownCryptosuite"), "cryptosuite must be"),
        "no proofPurpose": (_without(credential, "proofPurpose"), "proofPurpose is missing"),
        "wrong proofPurpose": (_with(credential, "proofPurpose", "invalidPurpose"), "proofPurpose is 'invalidPurpose'"),
        "no created": (_without(credential, "created"), "signature"),
        "bad created": (_with(credential, "created", "invalidDate"), "created 'invalidDate' is not"),
        "no verificationMethod": (_without(credential, "verificationMethod"), "verificationMethod is missing"),
        "bad verificationMethod": (_with(credential, "verificationMethod", "did:key:invalidVm"), "did:key:invalidVm"),
        "no proofValue": (_without(credential, "proofValue"), "proofValue is missing"),
        "null proofValue": (_with(credential, "proofValue", None), "proofValue is missing"),
        "proofValue not multibase": (
            _with(credential, "proofValue", credential["proof"]["proofValue"][1:]),
            "malformed proofValue",
        ),
    }
    for name, (damaged, expected) in cases.items():
        assert expected in details(refused(verifier, damaged)), name
    body = refused(verifier, credential, expectedProofPurpose="authentication")
    assert "proofPurpose is 'assertionMethod', not 'authentication'" in details(body)


def _did_key_signer() -> tuple[Ed25519PrivateKey, str, str]:
    key = Ed25519PrivateKey.generate()
    return key, multikey.did_key(key.public_key()), multikey.did_key_verification_method(key.public_key())


def test_proof_sets_and_chains_verify_only_whole(verifier):
    key, did, method = _did_key_signer()
    other, _, other_method = _did_key_signer()
    document = v2_credential(issuer=did, validFrom="2024-01-01T00:00:00Z")
    first = dataintegrity.sign(
        document, private_key=key, verification_method=method, created="2024-01-01T00:00:00Z", proof_id="urn:uuid:p1"
    )
    proof_set = dataintegrity.sign(first, private_key=key, verification_method=method, created="2024-01-02T00:00:00Z")
    assert len(proof_set["proof"]) == 2
    verified(verifier, proof_set)
    one_bad = copy.deepcopy(proof_set)
    one_bad["proof"][1]["proofValue"] = first["proof"]["proofValue"]
    assert "signature" in details(refused(verifier, one_bad))
    chain = dataintegrity.sign(
        first, private_key=key, verification_method=method, created="2024-01-02T00:00:00Z", previous_proof="urn:uuid:p1"
    )
    verified(verifier, chain)
    broken = copy.deepcopy(chain)
    broken["proof"][1]["previousProof"] = "urn:uuid:missing"
    assert "previousProof names proofs the document does not have" in details(refused(verifier, broken))
    swapped = copy.deepcopy(chain)
    swapped["proof"][0] = dataintegrity.sign(
        document,
        private_key=other,
        verification_method=other_method,
        created="2024-01-01T00:00:00Z",
        proof_id="urn:uuid:p1",
    )["proof"]
    assert failed_checks(refused(verifier, swapped))[0] in {"issuer key", "proof"}


def test_an_expired_credential_is_refused_in_both_data_models(issuer, verifier):
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    older = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for credential in (
        issue(issuer, v2_credential(validFrom=older, validUntil=past)),
        issue(issuer, v1_credential(issuanceDate=older, expirationDate=past)),
    ):
        body = refused(verifier, credential)
        assert failed_checks(body) == ["validity period"]
        assert f"expired at {past}" in details(body)


# --- Status, as the Bitstring Status List suite drives it ------------------------------------------------


@pytest.mark.parametrize("model", ["2.0", "1.1"])
def test_revocation_and_suspension_set_through_the_status_endpoint_fail_verification(issuer, verifier, model):
    credential = issue(issuer, v2_credential() if model == "2.0" else v1_credential(), WITH_STATUS)
    verified(verifier, credential)
    for purpose, word in (("suspension", "suspended"), ("revocation", "revoked")):
        body = {
            "credentialId": credential["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        }
        status, answer = issuer.post("/credentials/status", body)
        assert status == 200, answer
        entry = next(e for e in credential["credentialStatus"] if e.get("statusPurpose") == purpose)
        publish = entry["statusListCredential"].removeprefix(settings.CORRIDOR_BASE_URL) + "/publish"
        assert issuer.post(publish, {})[0] == 204
        _, list_credential = issuer.get(entry["statusListCredential"])
        bits = multikey_bits(list_credential["credentialSubject"]["encodedList"])
        assert bits[int(entry["statusListIndex"])] == 1
        refusal = refused(verifier, credential)
        assert failed_checks(refusal) == ["status"]
        assert word in details(refusal)
        if purpose == "suspension":
            status, _ = issuer.post("/credentials/status", {**body, "status": False})
            assert status == 200
            verified(verifier, credential)


def multikey_bits(encoded: str) -> list[int]:
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    return [(byte >> (7 - bit)) & 1 for byte in raw for bit in range(8)]


# --- Presentations -----------------------------------------------------------------------------------------


def test_a_holder_signed_presentation_verifies_only_for_its_challenge_and_domain(issuer, verifier):
    credential = issue(issuer, v2_credential())
    key, holder, method = _did_key_signer()
    presentation = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [credential],
    }
    signed = dataintegrity.sign(
        presentation,
        private_key=key,
        verification_method=method,
        created=datetime.now(UTC),
        proof_purpose="authentication",
        challenge="c-4711",
        domain="customs.example",
    )
    options = {"challenge": "c-4711", "domain": "customs.example"}
    status, body = verifier.post("/presentations/verify", {"verifiablePresentation": signed, "options": options})
    assert (status, body["verified"]) == (200, True), body
    assert "credential 0: status" in body["checks"]
    for wrong in ({**options, "challenge": "c-0000"}, {**options, "domain": "elsewhere.example"}):
        status, body = verifier.post("/presentations/verify", {"verifiablePresentation": signed, "options": wrong})
        assert (status, body["verified"]) == (400, False), body
        assert [e["check"] for e in body["errors"]] == ["proof"]
    tampered = copy.deepcopy(signed)
    tampered["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "Another University"
    status, body = verifier.post("/presentations/verify", {"verifiablePresentation": tampered, "options": options})
    assert status == 400
    assert "credential 0: proof" in [e["check"] for e in body["errors"]]


def test_an_unsigned_presentation_is_accepted_only_when_the_options_allow_it(issuer, verifier):
    presentation = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [issue(issuer, v2_credential())],
    }
    status, body = verifier.post("/presentations/verify", {"verifiablePresentation": presentation, "options": {}})
    assert (status, [e["check"] for e in body["errors"]]) == (400, ["proof"])
    allowed = {"unsignedPresentation": True}
    status, body = verifier.post("/presentations/verify", {"verifiablePresentation": presentation, "options": allowed})
    assert (status, body["verified"]) == (200, True), body
    with_challenge = {**allowed, "challenge": "c-1"}
    status, _ = verifier.post(
        "/presentations/verify", {"verifiablePresentation": presentation, "options": with_challenge}
    )
    assert status == 400


# --- Digital Bazaar's libraries, both ways ------------------------------------------------------------------


def _js(node: Any, tmp_path: Path, script: str, *args: Any) -> Any:
    result = node(script, *args)
    assert result.returncode in (0, 1), result.stderr
    return result.json()


@pytest.mark.parametrize("model", ["2.0", "1.1"])
def test_corridors_credentials_verify_in_digital_bazaars_libraries(node, tmp_path, issuer, model):
    credential = issue(issuer, v2_credential() if model == "2.0" else v1_credential(), WITH_STATUS)
    documents = {}
    for entry in credential["credentialStatus"]:
        documents[entry["statusListCredential"]] = issuer.get(entry["statusListCredential"])[1]
    (tmp_path / "credential.json").write_text(json.dumps(credential), encoding="utf-8")
    (tmp_path / "documents.json").write_text(json.dumps(documents), encoding="utf-8")
    result = _js(node, tmp_path, "verify.mjs", tmp_path / "credential.json", tmp_path / "documents.json")
    assert (result["verified"], result["error"]) == (True, None), result
    assert [entry["status"] for entry in result["statusResult"]["entries"]] == [False, False]
    tampered = {**credential, "id": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    (tmp_path / "credential.json").write_text(json.dumps(tampered), encoding="utf-8")
    assert (
        _js(node, tmp_path, "verify.mjs", tmp_path / "credential.json", tmp_path / "documents.json")["verified"]
        is False
    )


@pytest.mark.parametrize("model", ["2.0", "1.1"])
def test_credentials_signed_by_digital_bazaars_libraries_verify_in_corridor(node, tmp_path, verifier, model):
    unsigned = (
        v2_credential(validFrom="2024-01-01T00:00:00Z")
        if model == "2.0"
        else v1_credential(issuanceDate="2024-01-01T00:00:00Z")
    )
    (tmp_path / "unsigned.json").write_text(json.dumps(unsigned), encoding="utf-8")
    result = node("sign.mjs", "--credential", tmp_path / "unsigned.json")
    assert result.returncode == 0, result.stderr
    signed = result.json()
    if model == "1.1":
        # Digital Bazaar adds the data integrity context a 1.1 credential lacks, as Corridor does.
        assert signed["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2]
    body = verified(verifier, signed)
    assert body["checks"] == ["structure", "contexts", "issuer key", "proof", "validity period"]
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["id"] = "did:example:mallory"
    assert "signature" in details(refused(verifier, tampered))


@pytest.mark.parametrize(
    ("member", "value"),
    [("statusListIndex", True), ("statusListIndex", "-1"), ("statusPurpose", 7), ("statusSize", 0)],
)
def test_a_malformed_status_entry_fails_verification_wherever_its_list_is_held(verifier, member, value):
    """Bitstring Status List §3: a malformed entry is a MALFORMED_VALUE_ERROR, not a list left unchecked."""
    key, did, method = _did_key_signer()
    entry = {
        "id": "https://status.example/lists/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.example/lists/3",
    }
    well_formed = v2_credential(issuer=did, validFrom="2024-01-01T00:00:00Z", credentialStatus=entry)
    body = verified(
        verifier,
        dataintegrity.sign(well_formed, private_key=key, verification_method=method, created="2024-01-01T00:00:00Z"),
    )
    assert [warning["check"] for warning in body["warnings"]] == ["status"]
    malformed = v2_credential(issuer=did, validFrom="2024-01-01T00:00:00Z", credentialStatus={**entry, member: value})
    signed = dataintegrity.sign(malformed, private_key=key, verification_method=method, created="2024-01-01T00:00:00Z")
    body = refused(verifier, signed, checks=["proof", "credentialStatus"])
    assert failed_checks(body) == ["status"]
    assert member in details(body)


def test_status_list_credentials_are_readable_by_a_json_ld_loader(issuer, verifier):
    """Digital Bazaar's http-client asks for application/ld+json or application/json and parses only those."""
    credential = issue(issuer, v2_credential())
    for entry in credential["credentialStatus"]:
        request = urllib.request.Request(
            issuer.base + entry["statusListCredential"].removeprefix(settings.CORRIDOR_BASE_URL),
            headers={"Accept": "application/ld+json, application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"] == "application/ld+json"
            verified(verifier, json.loads(response.read()))
