"""The eddsa-jcs-2022 cryptosuite: the W3C vectors reproduced byte for byte, then sets, chains and damage.

Every intermediate value the specification publishes (``tests/vectors/w3c-vc-di-eddsa/eddsa-jcs-2022``)
is compared: canonical document and proof configuration (RFC 8785), both hashes, the combined hash,
the signature in hex and in multibase, and the signed document, member for member.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.credentials import jcs
from apps.credentials.dataintegrity import sign, verify
from apps.credentials.multikey import did_key_verification_method, encode_multibase, resolve_did_key
from tests.credentials.conftest import read_json
from tests.vectors import VECTORS

EDDSA = VECTORS / "w3c-vc-di-eddsa"
JCS = EDDSA / "eddsa-jcs-2022"


def text(name: str) -> str:
    return (JCS / name).read_text(encoding="utf-8")


def test_canonical_document_and_proof_configuration_match_the_vectors():
    assert jcs.canonicalize(read_json(EDDSA / "unsigned.json")) == text("canonDocJCS.txt")
    assert jcs.canonicalize(read_json(JCS / "proofConfigJCS.json")) == text("proofCanonJCS.txt")


def test_hashes_signature_and_proof_value_match_the_vectors(vector_keys):
    private_key, _public_key = vector_keys
    document_hash = hashlib.sha256(text("canonDocJCS.txt").encode()).hexdigest()
    proof_hash = hashlib.sha256(text("proofCanonJCS.txt").encode()).hexdigest()
    assert document_hash == text("docHashJCS.txt").strip()
    assert proof_hash == text("proofHashJCS.txt").strip()

    combined = jcs.hash_data(read_json(JCS / "proofConfigJCS.json"), read_json(EDDSA / "unsigned.json"))
    assert combined.hex() == text("combinedHashJCS.txt").strip()
    assert combined.hex() == proof_hash + document_hash  # the proof configuration's hash comes FIRST

    signature = private_key.sign(combined)
    assert signature.hex() == text("sigHexJCS.txt").strip()
    assert encode_multibase(signature) == text("sigBTC58JCS.txt").strip()


def test_sign_produces_the_signed_vector(vector_keys):
    private_key, _public_key = vector_keys
    config = read_json(JCS / "proofConfigJCS.json")
    signed = sign(
        read_json(EDDSA / "unsigned.json"),
        private_key=private_key,
        verification_method=config["verificationMethod"],
        created=config["created"],
        cryptosuite=jcs.CRYPTOSUITE,
    )
    expected = read_json(JCS / "signedJCS.json")
    assert signed == expected
    assert list(signed["proof"]) == list(expected["proof"])  # same members in the same order
    assert json.dumps(signed, indent=2, ensure_ascii=False) == text("signedJCS.json")  # and the same bytes


def test_signed_vector_verifies_with_its_did_key():
    result = verify(read_json(JCS / "signedJCS.json"), resolve_key=resolve_did_key)
    assert result.verified, result.errors
    assert [check.name for check in result.checks] == [
        "structure",
        "contexts",
        "proof",
        "purpose",
        "key",
        "canonicalization",
        "signature",
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda doc: doc["credentialSubject"].update(alumniOf="The School of Counterexamples"),
        lambda doc: doc.update(validFrom="2023-01-01T00:00:01Z"),
        lambda doc: doc["proof"].update(created="2023-02-24T23:36:39Z"),
        lambda doc: doc["proof"]["@context"].pop(),  # no longer the document's: the document hashed changes
        lambda doc: doc.update(extra="added"),
    ],
    ids=["claim", "validity", "proof-option", "proof-context", "new-member"],
)
def test_any_change_to_the_signed_vector_fails_its_signature(damage):
    damaged = read_json(JCS / "signedJCS.json")
    damage(damaged)
    result = verify(damaged, resolve_key=resolve_did_key)
    assert not result.verified
    assert [check.name for check in result.errors] == ["signature"]


def test_a_proof_context_that_is_not_a_prefix_of_the_documents_is_malformed():
    damaged = read_json(JCS / "signedJCS.json")
    damaged["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    result = verify(damaged, resolve_key=resolve_did_key)
    assert [check.name for check in result.errors] == ["proof"]
    assert "prefix" in result.errors[0].reason


def test_the_document_context_may_grow_after_the_proofs_prefix():
    """Verify Proof step 4: the document's @context starts with the proof's, which is what was signed."""
    key = Ed25519PrivateKey.generate()
    document = read_json(EDDSA / "unsigned.json")
    signed = sign(
        {**document, "@context": document["@context"][:1], "name": "Alumni Credential"},
        private_key=key,
        verification_method=did_key_verification_method(key.public_key()),
        created=datetime(2026, 3, 1, tzinfo=UTC),
        cryptosuite=jcs.CRYPTOSUITE,
    )
    assert verify(signed, resolve_key=resolve_did_key).verified
    grown = {**signed, "@context": [*signed["@context"], "https://www.w3.org/ns/credentials/examples/v2"]}
    assert verify(grown, resolve_key=resolve_did_key).verified


def test_jcs_and_rdfc_proofs_make_sets_and_chains_together():
    key = Ed25519PrivateKey.generate()
    method = did_key_verification_method(key.public_key())
    created = datetime(2026, 3, 1, tzinfo=UTC)
    document = read_json(EDDSA / "unsigned.json")
    first = sign(document, private_key=key, verification_method=method, created=created, proof_id="urn:uuid:p1")
    chained = sign(
        first,
        private_key=key,
        verification_method=method,
        created=created,
        previous_proof="urn:uuid:p1",
        cryptosuite=jcs.CRYPTOSUITE,
    )
    proof_set = sign(first, private_key=key, verification_method=method, created=created, cryptosuite=jcs.CRYPTOSUITE)
    for secured in (chained, proof_set):
        assert [proof["cryptosuite"] for proof in secured["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
        assert verify(secured, resolve_key=resolve_did_key).verified
    broken = copy.deepcopy(chained)
    broken["proof"][0]["created"] = "2026-03-02T00:00:00Z"
    result = verify(broken, resolve_key=resolve_did_key)
    assert [proof.verified for proof in result.proofs] == [False, False]


def test_a_string_context_is_signed_and_verified_as_written():
    """JCS signs the JSON as it is: a one-URL @context stays a string in the proof and in the hash."""
    key = Ed25519PrivateKey.generate()
    document = {**read_json(EDDSA / "unsigned.json"), "@context": "https://www.w3.org/ns/credentials/v2"}
    del document["credentialSubject"]["alumniOf"]
    signed = sign(
        document,
        private_key=key,
        verification_method=did_key_verification_method(key.public_key()),
        created=datetime(2026, 3, 1, tzinfo=UTC),
        cryptosuite=jcs.CRYPTOSUITE,
    )
    assert signed["proof"]["@context"] == "https://www.w3.org/ns/credentials/v2"
    assert verify(signed, resolve_key=resolve_did_key).verified


@pytest.mark.parametrize("value", [float("nan"), 2**60])
def test_a_value_jcs_cannot_write_fails_canonicalization(value):
    key = Ed25519PrivateKey.generate()
    signed = sign(
        read_json(EDDSA / "unsigned.json"),
        private_key=key,
        verification_method=did_key_verification_method(key.public_key()),
        created=datetime(2026, 3, 1, tzinfo=UTC),
        cryptosuite=jcs.CRYPTOSUITE,
    )
    signed["credentialSubject"]["count"] = value
    result = verify(signed, resolve_key=resolve_did_key)
    assert [check.name for check in result.errors] == ["canonicalization"]
