"""Signing and verifying step credentials: every way a credential can be wrong fails a named check."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.credentials import dataintegrity
from apps.credentials.dataintegrity import ProofGenerationError, sign, verify
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2, DataLossDetected, bundled_registry
from apps.credentials.multikey import did_key_verification_method, encode_multibase, resolve_did_key
from tests.credentials.samples import step_credential

CREATED = datetime(2026, 3, 1, 2, 0, 5, 123456, tzinfo=UTC)


def signed_credential(key: Ed25519PrivateKey, **options: Any) -> dict[str, Any]:
    return sign(
        step_credential(),
        private_key=key,
        verification_method=did_key_verification_method(key.public_key()),
        created=CREATED,
        **options,
    )


def failed(result) -> list[str]:
    return [check.name for check in result.errors]


def test_signed_step_credential_verifies(issuer_key):
    document = step_credential()
    signed = signed_credential(issuer_key)
    assert document == step_credential()  # the input is not modified
    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-03-01T02:00:05Z",
        "verificationMethod": did_key_verification_method(issuer_key.public_key()),
        "proofPurpose": "assertionMethod",
        "proofValue": signed["proof"]["proofValue"],
    }
    result = verify(signed, resolve_key=resolve_did_key)
    assert result.verified, result.errors
    assert result.as_dict()["verified"] is True
    assert {check.name for check in result.checks} == {
        "structure", "contexts", "proof", "purpose", "key", "canonicalization", "signature",
    }  # fmt: skip


def leaves(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths to every string or number in a JSON value."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaves(item, (*path, index))]
    return [path] if isinstance(value, str | int | float) and not isinstance(value, bool) else []


def one_character_changed(value: Any) -> Any:
    if isinstance(value, int | float):
        return value + 1
    last = value[-1]
    if last.isdigit():
        replacement = str((int(last) + 1) % 10)
    elif last.isalpha():
        replacement = "a" if last.lower() == "z" else chr(ord(last) + 1)
    else:
        replacement = "x"
    return value[:-1] + replacement


SIGNED_LEAVES = [path for path in leaves(step_credential()) if path[0] != "@context"]


@pytest.mark.parametrize("path", SIGNED_LEAVES, ids=["/".join(map(str, path)) for path in SIGNED_LEAVES])
def test_one_character_changed_anywhere_fails_a_named_check(path, issuer_key):
    signed = signed_credential(issuer_key)
    node = signed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = one_character_changed(node[path[-1]])
    result = verify(signed, resolve_key=resolve_did_key)
    assert not result.verified
    # A changed node type is no longer defined by any context: refused as data loss before the
    # signature is even checked. (A business transaction's "type" is a CBV code, not a node type.)
    node_type = "type" in path and "bizTransactionList" not in path
    expected = "canonicalization" if node_type else "signature"
    assert failed(result) == [expected]


@pytest.mark.parametrize("member", ["created", "proofPurpose", "verificationMethod", "proofValue"])
def test_one_character_changed_in_the_proof_fails_a_named_check(member, issuer_key):
    signed = signed_credential(issuer_key)
    signed["proof"][member] = one_character_changed(signed["proof"][member])
    result = verify(signed, resolve_key=resolve_did_key, expected_purpose=None)
    assert not result.verified
    # created → signature; the method → another (unresolvable) key; proofValue → signature or
    # malformed; proofPurpose → an undefined purpose, refused as data loss.
    assert failed(result) in (["signature"], ["key"], ["proof"], ["canonicalization"])


def test_wrong_key_fails_the_signature_check(issuer_key):
    signed = signed_credential(issuer_key)
    other = Ed25519PrivateKey.generate().public_key()
    result = verify(signed, resolve_key=lambda _method: other)
    assert failed(result) == ["signature"]


def test_key_that_does_not_resolve_fails_the_key_check(issuer_key):
    signed = signed_credential(issuer_key)
    assert failed(verify(signed, resolve_key=lambda _method: None)) == ["key"]

    def broken(method: str):
        raise LookupError(f"no DID document for {method}")

    result = verify(signed, resolve_key=broken)
    assert failed(result) == ["key"]
    assert "no DID document" in result.errors[0].reason


def test_proof_signed_with_another_did_key_than_named_fails(issuer_key):
    signed = signed_credential(issuer_key)
    other = Ed25519PrivateKey.generate().public_key()
    signed["proof"]["verificationMethod"] = did_key_verification_method(other)
    assert failed(verify(signed, resolve_key=resolve_did_key)) == ["signature"]


def test_unknown_context_fails_the_contexts_check(issuer_key):
    signed = signed_credential(issuer_key)
    signed["@context"].append("https://contexts.example.com/unknown/v1")
    result = verify(signed, resolve_key=resolve_did_key)
    assert failed(result) == ["contexts"]
    assert "not on the allow-list" in result.errors[0].reason


def _with_inline_context(key: Ed25519PrivateKey) -> dict[str, Any]:
    document = step_credential()
    document["@context"] = [*document["@context"], {"note": "https://example.com/vocab#note"}]
    document["credentialSubject"]["note"] = "kept dry"
    return sign(
        document, private_key=key, verification_method=did_key_verification_method(key.public_key()), created=CREATED
    )


def test_an_inline_context_object_is_processed_and_signed(issuer_key):
    """VC 2.0 allows context objects after the base context; the term they define is signed like any other."""
    signed = _with_inline_context(issuer_key)
    assert verify(signed, resolve_key=resolve_did_key).verified
    signed["@context"][-1]["note"] = "https://example.com/vocab#other"
    assert failed(verify(signed, resolve_key=resolve_did_key)) == ["signature"]


@pytest.mark.parametrize("entry", [5, None, ["https://www.w3.org/ns/credentials/v2"]])
def test_a_context_entry_that_is_neither_a_url_nor_an_object_fails_the_contexts_check(entry, issuer_key):
    signed = _with_inline_context(issuer_key)
    signed["@context"][-1] = entry
    result = verify(signed, resolve_key=resolve_did_key)
    assert failed(result) == ["contexts"]
    assert "neither a URL nor a context object" in result.errors[0].reason


def test_allow_list_is_narrower_than_the_bundle(issuer_key):
    signed = signed_credential(issuer_key)
    result = verify(signed, resolve_key=resolve_did_key, allowed_contexts={CREDENTIALS_V2})
    assert failed(result) == ["contexts"]


def test_added_undefined_property_is_caught_not_ignored(issuer_key):
    """Plain JSON-LD would drop the new term and the signature would still verify."""
    signed = signed_credential(issuer_key)
    signed["credentialSubject"]["customsCleared"] = True
    result = verify(signed, resolve_key=resolve_did_key)
    assert failed(result) == ["canonicalization"]
    assert "DataLossDetected" in result.errors[0].reason


@pytest.mark.parametrize(
    ("proof_value", "reason"),
    [
        ("u" + "A" * 86, "multibase"),
        ("z0OIl" + "1" * 80, "base58"),
        (encode_multibase(b"\x01" * 63), "64 bytes"),
        (encode_multibase(b"\x01" * 65), "64 bytes"),
        (12345, "proofValue"),
        ("", "proofValue"),
    ],
)
def test_malformed_proof_value_fails_the_proof_check(proof_value, reason, issuer_key):
    signed = signed_credential(issuer_key)
    signed["proof"]["proofValue"] = proof_value
    result = verify(signed, resolve_key=resolve_did_key)
    assert failed(result) == ["proof"]
    assert reason in result.errors[0].reason


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("type", "Ed25519Signature2020"),
        ("cryptosuite", "ecdsa-rdfc-2019"),
        ("created", "yesterday"),
        ("created", "2026-03-01T02:00:05"),  # no time zone
        ("verificationMethod", None),
    ],
)
def test_malformed_proof_fails_the_proof_check(member, value, issuer_key):
    signed = signed_credential(issuer_key)
    signed["proof"][member] = value
    assert failed(verify(signed, resolve_key=resolve_did_key)) == ["proof"]


def test_proof_context_must_prefix_the_document_context(issuer_key):
    signed = signed_credential(issuer_key)
    signed["proof"]["@context"] = [CORRIDOR_V1]
    assert failed(verify(signed, resolve_key=resolve_did_key)) == ["proof"]


def test_proof_with_its_own_matching_context_still_verifies(issuer_key):
    signed = signed_credential(issuer_key)
    signed["proof"]["@context"] = [CREDENTIALS_V2, CORRIDOR_V1]
    assert verify(signed, resolve_key=resolve_did_key).verified


def test_purpose_challenge_and_domain_are_checked(issuer_key):
    signed = signed_credential(issuer_key, proof_purpose="authentication", challenge="c-123", domain="customs.nl")
    assert failed(verify(signed, resolve_key=resolve_did_key)) == ["purpose"]
    ok = verify(
        signed, resolve_key=resolve_did_key, expected_purpose="authentication", challenge="c-123", domain="customs.nl"
    )
    assert ok.verified, ok.errors
    wrong_challenge = verify(signed, resolve_key=resolve_did_key, expected_purpose="authentication", challenge="c-9")
    assert failed(wrong_challenge) == ["challenge"]
    wrong_domain = verify(signed, resolve_key=resolve_did_key, expected_purpose="authentication", domain="x.example")
    assert failed(wrong_domain) == ["domain"]
    unsigned_challenge = verify(signed_credential(issuer_key), resolve_key=resolve_did_key, challenge="c-123")
    assert failed(unsigned_challenge) == ["challenge"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "JSON object"),
        ({"id": "urn:x", "proof": {}}, "@context"),
        ({**step_credential(), "@context": [CORRIDOR_V1, CREDENTIALS_V2], "proof": {}}, "first @context"),
        (step_credential(), "no proof"),
        ({**step_credential(), "proof": []}, "no proof"),
        ({**step_credential(), "type": {"not": "a type"}, "proof": []}, "no proof"),
        ({**step_credential(), "proof": [{}] * 9}, "more than the 8"),
    ],
)
def test_structure_problems_fail_the_structure_check(document, reason):
    result = verify(document, resolve_key=resolve_did_key)
    assert failed(result) == ["structure"]
    assert reason in result.errors[0].reason


def test_hostile_document_is_refused_by_the_structure_check(issuer_key, monkeypatch):
    signed = signed_credential(issuer_key)
    signed["credentialSubject"]["sensorElementList"] = [{"sensorReport": [{"value": 1}]} for _ in range(3000)]

    def must_not_run(*args, **kwargs):
        raise AssertionError("canonicalization started on a document that should have been refused")

    monkeypatch.setattr(bundled_registry(), "canonicalize", must_not_run)
    result = verify(signed, resolve_key=resolve_did_key)
    assert failed(result) == ["structure"]
    assert "max_blank_nodes" in result.errors[0].reason


def test_blank_node_clique_is_refused_by_the_canonicalization_check(issuer_key):
    signed = signed_credential(issuer_key)
    nodes = [f"_:n{i}" for i in range(10)]
    signed["credentialSubject"]["consignment"] = [
        {"id": node, "consignment": [other for other in nodes if other != node]} for node in nodes
    ]
    result = verify(signed, resolve_key=resolve_did_key)
    assert failed(result) == ["canonicalization"]
    assert "BoundedWorkExceeded" in result.errors[0].reason


def test_sign_refuses_what_would_not_be_signed(issuer_key):
    method = did_key_verification_method(issuer_key.public_key())
    document = step_credential()
    document["credentialSubject"]["temperatureNote"] = "kept cold"
    with pytest.raises(DataLossDetected):
        sign(document, private_key=issuer_key, verification_method=method, created=CREATED)
    with pytest.raises(ProofGenerationError):
        sign(step_credential(), private_key=issuer_key, verification_method=method, created=datetime(2026, 3, 1))  # noqa: DTZ001
    with pytest.raises(ProofGenerationError):
        sign(step_credential(), private_key=issuer_key, verification_method=method, created="1 March 2026")
    with pytest.raises(ProofGenerationError):
        sign({"id": "urn:x"}, private_key=issuer_key, verification_method=method, created=CREATED)


def test_created_is_written_in_utc_to_the_second(issuer_key):
    taipei = CREATED.astimezone(timezone(timedelta(hours=8)))
    signed = sign(
        step_credential(),
        private_key=issuer_key,
        verification_method=did_key_verification_method(issuer_key.public_key()),
        created=taipei,
    )
    assert signed["proof"]["created"] == "2026-03-01T02:00:05Z"


def test_proof_set_of_two_signers_verifies_and_canonicalizes_the_document_once(issuer_key, monkeypatch):
    customs = Ed25519PrivateKey.generate()
    signed = signed_credential(issuer_key)
    both = sign(
        signed,
        private_key=customs,
        verification_method=did_key_verification_method(customs.public_key()),
        created=CREATED + timedelta(hours=1),
    )
    assert isinstance(both["proof"], list)
    assert len(both["proof"]) == 2
    assert both["proof"][0] == signed["proof"]
    registry = bundled_registry()
    documents = []
    original = registry.canonicalize

    def counting(document, **kwargs):
        if "proofPurpose" not in document:
            documents.append(document)
        return original(document, **kwargs)

    monkeypatch.setattr(registry, "canonicalize", counting)
    result = verify(both, resolve_key=resolve_did_key)
    assert result.verified, result.errors
    assert [proof.verified for proof in result.proofs] == [True, True]
    assert len(documents) == 1


def test_proof_chain_verifies_and_breaks_when_an_earlier_proof_changes(issuer_key):
    customs = Ed25519PrivateKey.generate()
    first = signed_credential(issuer_key, proof_id="urn:uuid:step-proof")
    chained = sign(
        first,
        private_key=customs,
        verification_method=did_key_verification_method(customs.public_key()),
        created=CREATED + timedelta(hours=1),
        previous_proof="urn:uuid:step-proof",
        proof_id="urn:uuid:customs-proof",
    )
    assert chained["proof"][1]["previousProof"] == "urn:uuid:step-proof"
    assert verify(chained, resolve_key=resolve_did_key).verified

    altered = copy.deepcopy(chained)
    altered["proof"][0]["created"] = "2026-03-01T02:00:06Z"
    result = verify(altered, resolve_key=resolve_did_key)
    assert [proof.verified for proof in result.proofs] == [False, False]
    assert failed(result) == ["signature", "signature"]  # the chain signs the earlier proof as it was

    removed = copy.deepcopy(chained)
    removed["proof"] = [removed["proof"][1]]
    result = verify(removed, resolve_key=resolve_did_key)
    assert failed(result) == ["previousProof"]


def test_chain_to_a_missing_proof_cannot_be_signed(issuer_key):
    with pytest.raises(ProofGenerationError, match="urn:uuid:nothing"):
        signed_credential(issuer_key, previous_proof="urn:uuid:nothing")


def test_self_referencing_and_ambiguous_chains_fail_the_previous_proof_check(issuer_key):
    signed = signed_credential(issuer_key, proof_id="urn:uuid:p")
    signed["proof"]["previousProof"] = "urn:uuid:p"
    result = verify(signed, resolve_key=resolve_did_key)
    assert not result.verified
    duplicate = copy.deepcopy(signed)
    duplicate["proof"] = [duplicate["proof"], {**duplicate["proof"], "previousProof": "urn:uuid:p"}]
    result = verify(duplicate, resolve_key=resolve_did_key)
    assert not result.verified
    assert result.failed("previousProof")


def test_presentation_proof_for_a_verifier(issuer_key):
    holder = Ed25519PrivateKey.generate()
    credential = signed_credential(issuer_key)
    presentation = {
        "@context": [CREDENTIALS_V2],
        "type": "VerifiablePresentation",
        "verifiableCredential": [credential],
    }
    signed = sign(
        presentation,
        private_key=holder,
        verification_method=did_key_verification_method(holder.public_key()),
        created=CREATED,
        proof_purpose="authentication",
        challenge="nonce-1",
        domain="https://customs.example.nl",
    )
    result = verify(
        signed,
        resolve_key=resolve_did_key,
        expected_purpose="authentication",
        challenge="nonce-1",
        domain="https://customs.example.nl",
    )
    assert result.verified, result.errors
    signed["verifiableCredential"][0]["credentialSubject"]["bizStep"] = "receiving"
    assert failed(verify(signed, resolve_key=resolve_did_key, expected_purpose="authentication")) == ["signature"]


def test_proof_configuration_hashes_are_cached(issuer_key):
    dataintegrity._proof_config_hash.cache_clear()
    for number in range(3):
        sign(
            step_credential(number=number),
            private_key=issuer_key,
            verification_method=did_key_verification_method(issuer_key.public_key()),
            created=CREATED,
        )
    info = dataintegrity._proof_config_hash.cache_info()
    assert (info.misses, info.hits) == (1, 2)
