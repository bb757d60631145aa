"""The official W3C Data Integrity EdDSA vectors (eddsa-rdfc-2022), reproduced byte for byte.

Both vector sets: ``eddsa-rdfc-2022/`` (the alumni credential, no blank nodes) and
``eddsa-rdfc-2022/employ/`` (the employment authorization document, three blank nodes, so it tells
RDFC-1.0 from pyld's default URGNA2012). Every intermediate value the spec publishes is compared:
canonical document, canonical proof configuration, both hashes, the combined hash, the signature in
hex and in multibase, and the signed document. Then the proof set and proof chain vectors verify.
"""

from __future__ import annotations

import copy
import hashlib

import pytest
from pyld import jsonld as pyld_jsonld

from apps.credentials import dataintegrity
from apps.credentials.dataintegrity import hash_data, sign, verify
from apps.credentials.multikey import decode_private_key, decode_public_key, encode_multibase, resolve_did_key
from tests.credentials.conftest import read_json
from tests.vectors import VECTORS

EDDSA = VECTORS / "w3c-vc-di-eddsa"
VECTOR_SETS = {
    "alumni": ("unsigned.json", "eddsa-rdfc-2022"),
    "employ": ("employmentAuth.json", "eddsa-rdfc-2022/employ"),
}


def load_set(name: str) -> tuple[dict, dict, dict]:
    """(unsigned document, proof configuration, folder files) of a vector set."""
    unsigned_name, folder = VECTOR_SETS[name]
    unsigned = read_json(EDDSA / unsigned_name)
    config = read_json(EDDSA / folder / "proofConfigDataInt.json")
    files = {path.name: path.read_text(encoding="utf-8") for path in (EDDSA / folder).iterdir() if path.is_file()}
    return unsigned, config, files


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_canonical_document_and_proof_configuration_match_the_vectors(name, vector_registry):
    unsigned, config, files = load_set(name)
    assert vector_registry.canonicalize(unsigned) == files["canonDocDataInt.txt"]
    assert vector_registry.canonicalize(config) == files["proofCanonDataInt.txt"]


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_hashes_signature_and_proof_value_match_the_vectors(name, vector_registry, vector_keys):
    unsigned, config, files = load_set(name)
    private_key, _public_key = vector_keys
    document_hash = hashlib.sha256(files["canonDocDataInt.txt"].encode()).hexdigest()
    proof_hash = hashlib.sha256(files["proofCanonDataInt.txt"].encode()).hexdigest()
    assert document_hash == files["docHashDataInt.txt"].strip()
    assert proof_hash == files["proofHashDataInt.txt"].strip()

    combined = hash_data(config, unsigned, registry=vector_registry)
    assert combined.hex() == files["combinedHashDataInt.txt"].strip()
    assert combined.hex() == proof_hash + document_hash  # the proof configuration's hash comes FIRST

    signature = private_key.sign(combined)
    assert signature.hex() == files["sigHexDataInt.txt"].strip()
    assert encode_multibase(signature) == files["sigBTC58DataInt.txt"].strip()


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_sign_produces_the_signed_vector(name, vector_registry, vector_keys):
    unsigned, config, _files = load_set(name)
    private_key, _public_key = vector_keys
    signed = sign(
        unsigned,
        private_key=private_key,
        verification_method=config["verificationMethod"],
        created=config["created"],
        registry=vector_registry,
    )
    expected = read_json(EDDSA / VECTOR_SETS[name][1] / "signedDataInt.json")
    assert signed == expected
    assert list(signed["proof"]) == list(expected["proof"])  # same members in the same order


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_signed_vector_verifies_with_its_did_key(name, vector_registry):
    signed = read_json(EDDSA / VECTOR_SETS[name][1] / "signedDataInt.json")
    result = verify(signed, resolve_key=resolve_did_key, registry=vector_registry)
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


def test_employ_vector_needs_rdfc_not_pyld_default(vector_registry):
    """The employ vector has blank nodes: pyld's default algorithm (URGNA2012) labels them otherwise."""
    unsigned, _config, files = load_set("employ")
    urgna = pyld_jsonld.normalize(
        copy.deepcopy(unsigned), {"format": "application/n-quads", "documentLoader": vector_registry.load}
    )
    assert "_:c14n" in files["canonDocDataInt.txt"]
    assert urgna != files["canonDocDataInt.txt"]
    assert vector_registry.canonicalize(unsigned) == files["canonDocDataInt.txt"]


def test_tampered_vector_fails_the_signature_check(vector_registry):
    signed = read_json(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")
    signed["credentialSubject"]["alumniOf"] = "The School of Counterexamples"
    result = verify(signed, resolve_key=resolve_did_key, registry=vector_registry)
    assert not result.verified
    assert [check.name for check in result.errors] == ["signature"]


# Proof sets and chains (TestVectors/proof-set-chain, copied in tests/vectors/proof-set-chain).


def chain_vector(name: str) -> dict:
    return read_json(VECTORS / "proof-set-chain" / name)


def fragment_key(verification_method: str):
    """The vectors' keys are named by the Multikey value in the method's fragment."""
    return decode_public_key(verification_method.rsplit("#", 1)[1])


def test_chain_vector_key_pairs_are_consistent():
    for pair in chain_vector("multiKeyPairs.json").values():
        derived = decode_private_key(pair["privateKeyMultibase"]).public_key()
        assert derived.public_bytes_raw() == decode_public_key(pair["publicKeyMultibase"]).public_bytes_raw()


@pytest.mark.parametrize("name", ["signedProofSet1.json", "signedProofChain1.json", "signedProofChain2.json"])
def test_proof_set_and_chain_vectors_verify(name, vector_registry):
    document = chain_vector(name)
    result = verify(document, resolve_key=fragment_key, registry=vector_registry)
    assert result.verified, result.errors
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    assert len(result.proofs) == len(proofs)
    assert all(proof.verified for proof in result.proofs)


def test_chain_vector_with_a_previous_proof_removed_fails_the_chain(vector_registry):
    document = chain_vector("signedProofChain2.json")
    del document["proof"][0]  # the first proof that the third one chains to
    result = verify(document, resolve_key=fragment_key, registry=vector_registry)
    assert not result.verified
    assert result.failed("previousProof")
    by_index = {proof.index: proof for proof in result.proofs}
    assert by_index[0].verified  # the second signer's proof still stands on its own
    assert not by_index[1].verified
    assert not by_index[2].verified  # and the last one, because its chain is broken


def test_chain_vector_with_an_earlier_proof_altered_fails_every_proof_after_it(vector_registry):
    document = chain_vector("signedProofChain2.json")
    document["proof"][1]["created"] = "2023-02-24T23:36:39Z"
    result = verify(document, resolve_key=fragment_key, registry=vector_registry)
    verified = [proof.verified for proof in result.proofs]
    assert verified == [True, False, False, False]
    assert [check.name for check in result.proofs[2].checks if not check.passed] == ["signature"]
    assert [check.name for check in result.proofs[3].checks if not check.passed] == ["previousProof"]


def test_chain_vector_reproduced_by_sign(vector_registry):
    """Signing proof 3 over proofs 1 and 2 with keyPair3 gives the published proofValue."""
    document = chain_vector("signedProofChain1.json")
    third = document["proof"][2]
    secured = {**document, "proof": document["proof"][:2]}
    pair = chain_vector("multiKeyPairs.json")["keyPair3"]
    signed = sign(
        secured,
        private_key=decode_private_key(pair["privateKeyMultibase"]),
        verification_method=third["verificationMethod"],
        created=third["created"],
        previous_proof=third["previousProof"],
        proof_id=third["id"],
        registry=vector_registry,
    )
    assert signed == document


def test_proof_configuration_is_canonicalized_once(vector_registry, monkeypatch):
    unsigned, config, _files = load_set("alumni")
    calls = []
    original = vector_registry.canonicalize

    def counting(document, **kwargs):
        calls.append("proof" if "proofPurpose" in document else "document")
        return original(document, **kwargs)

    dataintegrity._proof_config_hash.cache_clear()
    monkeypatch.setattr(vector_registry, "canonicalize", counting)
    first = hash_data(config, unsigned, registry=vector_registry)
    second = hash_data(dict(reversed(config.items())), unsigned, registry=vector_registry)
    assert first == second
    assert calls == ["proof", "document", "document"]
