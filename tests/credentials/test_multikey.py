"""Ed25519 Multikey encoding and did:key, against the spec's published test key."""

from __future__ import annotations

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from apps.credentials.multikey import (
    ED25519_PRIV_PREFIX,
    ED25519_PUB_PREFIX,
    MultikeyError,
    decode_multibase,
    decode_private_key,
    decode_public_key,
    did_key,
    did_key_document,
    did_key_verification_method,
    encode_multibase,
    encode_private_key,
    encode_public_key,
    multikey_verification_method,
    resolve_did_key,
)
from tests.credentials.conftest import read_json
from tests.vectors import VECTORS

VECTOR_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def test_vector_key_pair_round_trips():
    pair = read_json(VECTORS / "w3c-vc-di-eddsa" / "keyPair.json")
    private_key = decode_private_key(pair["privateKeyMultibase"])
    public_key = decode_public_key(pair["publicKeyMultibase"])
    assert pair["publicKeyMultibase"] == VECTOR_PUBLIC
    assert encode_public_key(private_key.public_key()) == pair["publicKeyMultibase"]
    assert encode_public_key(public_key) == pair["publicKeyMultibase"]
    assert encode_private_key(private_key) == pair["privateKeyMultibase"]


def test_fresh_keys_have_the_multikey_prefixes():
    key = Ed25519PrivateKey.generate()
    public = encode_public_key(key.public_key())
    secret = encode_private_key(key)
    assert public.startswith("z6Mk")
    assert secret.startswith("z3u2")
    assert decode_multibase(public)[:2] == ED25519_PUB_PREFIX
    assert decode_multibase(secret)[:2] == ED25519_PRIV_PREFIX
    assert decode_private_key(secret).public_key().public_bytes_raw() == key.public_key().public_bytes_raw()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "z",
        "f" + "00" * 34,  # multibase hex, not base58btc
        "z0OIl",  # not in the base58 alphabet
        encode_multibase(b"\xed\x01" + b"\x00" * 31),  # too short
        encode_multibase(b"\xe7\x01" + b"\x00" * 33),  # secp256k1-pub, not Ed25519
        "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",  # a secret key where a public one belongs
    ],
)
def test_malformed_public_keys_are_refused(value):
    with pytest.raises(MultikeyError):
        decode_public_key(value)


def test_secret_key_decoder_refuses_public_keys():
    with pytest.raises(MultikeyError):
        decode_private_key(VECTOR_PUBLIC)


def test_did_key_identifiers_and_resolution():
    key = decode_public_key(VECTOR_PUBLIC)
    assert did_key(key) == f"did:key:{VECTOR_PUBLIC}"
    method = did_key_verification_method(key)
    assert method == f"did:key:{VECTOR_PUBLIC}#{VECTOR_PUBLIC}"
    assert resolve_did_key(method).public_bytes_raw() == key.public_bytes_raw()
    assert resolve_did_key(did_key(key)).public_bytes_raw() == key.public_bytes_raw()
    assert resolve_did_key("did:web:corridor.example:partners:acme#key-1") is None


def test_did_key_with_a_foreign_fragment_is_refused():
    other = encode_public_key(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(MultikeyError):
        resolve_did_key(f"did:key:{VECTOR_PUBLIC}#{other}")
    with pytest.raises(MultikeyError):
        resolve_did_key(f"did:key:{VECTOR_PUBLIC}:extra#{VECTOR_PUBLIC}")


def test_did_key_document_lists_the_key_as_multikey():
    document = did_key_document(f"did:key:{VECTOR_PUBLIC}")
    method = f"did:key:{VECTOR_PUBLIC}#{VECTOR_PUBLIC}"
    assert document["id"] == f"did:key:{VECTOR_PUBLIC}"
    assert document["verificationMethod"] == [
        {
            "id": method,
            "type": "Multikey",
            "controller": f"did:key:{VECTOR_PUBLIC}",
            "publicKeyMultibase": VECTOR_PUBLIC,
        }
    ]
    assert document["assertionMethod"] == [method]
    assert document["authentication"] == [method]


def test_multikey_verification_method_for_did_web():
    key = decode_public_key(VECTOR_PUBLIC)
    controller = "did:web:corridor.example:partners:acme"
    method = multikey_verification_method(key, method_id=f"{controller}#key-1", controller=controller)
    assert method == {
        "id": f"{controller}#key-1",
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": VECTOR_PUBLIC,
    }


@given(raw=st.binary(min_size=1, max_size=80))
def test_multibase_encoding_is_base58btc(raw):
    assert encode_multibase(raw) == "z" + base58.b58encode(raw).decode("ascii")
    assert decode_multibase(encode_multibase(raw)) == raw
