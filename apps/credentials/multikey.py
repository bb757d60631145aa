"""Ed25519 keys as Multikey (``publicKeyMultibase``/``secretKeyMultibase``) and ``did:key``.

Multikey (W3C Controlled Identifiers, Data Integrity EdDSA): a key is the multicodec prefix of its type
followed by the raw key, encoded multibase base58btc (a leading ``z``):

- public key: ``0xed 0x01`` (ed25519-pub, varint of 0xed) + 32 bytes → ``z6Mk…``;
- secret key: ``0x80 0x26`` (ed25519-priv, varint of 0x1300) + 32-byte seed → ``z3u2…``.

``did:key`` for Ed25519 is ``did:key:`` + the public key's Multikey value, and its only verification
method is ``did:key:z6Mk…#z6Mk…``. Resolution is computed from the identifier itself, so no network
and no trust decision is involved beyond "this key signed it".

Pure module: no Django imports. Decoding errors raise :class:`MultikeyError` with the reason.
"""

from __future__ import annotations

from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from apps.credentials.jsonld import DID_V1, MULTIKEY_V1

__all__ = [
    "ED25519_PRIV_PREFIX",
    "ED25519_PUB_PREFIX",
    "MultikeyError",
    "decode_multibase",
    "decode_private_key",
    "decode_public_key",
    "did_key",
    "did_key_document",
    "did_key_verification_method",
    "encode_multibase",
    "encode_private_key",
    "encode_public_key",
    "multikey_verification_method",
    "resolve_did_key",
]

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
_KEY_LENGTH = 32
_DID_KEY = "did:key:"


class MultikeyError(ValueError):
    """A multibase/Multikey/did:key value that does not decode to an Ed25519 key."""


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Ten base58 digits at a time fit a machine word, and two at a time come from a table: a 64-byte signature
# takes 9 big-number divisions and 45 small ones, not 88 big ones (every issued credential's proof is
# encoded; the package's digit-by-digit loop cost 7 % of issuing one).
_BASE58_CHUNK = 58**10
_BASE58_PAIRS = [high + low for high in _BASE58 for low in _BASE58]


def encode_multibase(raw: bytes) -> str:
    """Multibase base58btc: ``z`` followed by the base58 (Bitcoin alphabet) encoding of ``raw``."""
    number = int.from_bytes(raw, "big")
    pairs = []
    while number:
        number, chunk = divmod(number, _BASE58_CHUNK)
        for _ in range(5):
            chunk, pair = divmod(chunk, 58 * 58)
            pairs.append(_BASE58_PAIRS[pair])
    # Leading zero bytes are leading "1"s; the zeros that pad the top chunk are not digits of the number.
    zeros = len(raw) - len(raw.lstrip(b"\0"))
    return "z" + "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def decode_multibase(value: str) -> bytes:
    """Bytes of a multibase base58btc string; anything else raises :class:`MultikeyError`."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultikeyError("not multibase base58btc (expected a 'z' prefix)")
    try:
        return base58.b58decode(value[1:].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise MultikeyError(f"invalid base58btc: {error}") from error


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_public_key(key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 public key (``z6Mk…``)."""
    return encode_multibase(ED25519_PUB_PREFIX + _raw_public(key))


def decode_public_key(value: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a ``publicKeyMultibase`` value; other key types are refused."""
    raw = decode_multibase(value)
    if raw[:2] != ED25519_PUB_PREFIX or len(raw) != len(ED25519_PUB_PREFIX) + _KEY_LENGTH:
        raise MultikeyError("not an Ed25519 Multikey public key (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def encode_private_key(key: Ed25519PrivateKey) -> str:
    """``secretKeyMultibase`` of an Ed25519 private key (its 32-byte seed); keep it secret."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return encode_multibase(ED25519_PRIV_PREFIX + seed)


def decode_private_key(value: str) -> Ed25519PrivateKey:
    """The Ed25519 private key of a ``secretKeyMultibase`` value."""
    raw = decode_multibase(value)
    if raw[:2] != ED25519_PRIV_PREFIX or len(raw) != len(ED25519_PRIV_PREFIX) + _KEY_LENGTH:
        raise MultikeyError("not an Ed25519 Multikey secret key (0x8026 + 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def did_key(key: Ed25519PublicKey) -> str:
    """The ``did:key`` of an Ed25519 public key."""
    return _DID_KEY + encode_public_key(key)


def did_key_verification_method(key: Ed25519PublicKey) -> str:
    """The verification method id to sign with when issuing as a ``did:key`` (``did:key:z…#z…``)."""
    value = encode_public_key(key)
    return f"{_DID_KEY}{value}#{value}"


def multikey_verification_method(key: Ed25519PublicKey, *, method_id: str, controller: str) -> dict[str, Any]:
    """A ``Multikey`` verification method entry, as listed in a DID document (did:web or did:key)."""
    return {"id": method_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": encode_public_key(key)}


def _split_did_key(identifier: str) -> tuple[str, str, str | None]:
    """(did, multibase value, fragment or None) of a did:key DID or DID URL."""
    if not isinstance(identifier, str) or not identifier.startswith(_DID_KEY):
        raise MultikeyError("not a did:key identifier")
    did, _, fragment = identifier.partition("#")
    value = did[len(_DID_KEY) :]
    if not value or any(separator in value for separator in ":/?;"):
        raise MultikeyError("did:key method-specific identifier must be a single multibase value")
    return did, value, (fragment if "#" in identifier else None)


def resolve_did_key(identifier: str) -> Ed25519PublicKey | None:
    """The Ed25519 key a did:key DID or verification method names; None if it is not did:key.

    A verification method must be ``did:key:<value>#<value>``: for Ed25519 the fragment is the key's
    own Multikey value, so ``did:key:A#B`` (B another key) is refused rather than trusted.
    """
    if not isinstance(identifier, str) or not identifier.startswith(_DID_KEY):
        return None
    _did, value, fragment = _split_did_key(identifier)
    if fragment is not None and fragment != value:
        raise MultikeyError("did:key verification method fragment must repeat the key's multibase value")
    return decode_public_key(value)


def did_key_document(identifier: str) -> dict[str, Any]:
    """The DID document of an Ed25519 did:key, as the did:key method derives it.

    The X25519 ``keyAgreement`` key the method can also derive is left out: credentials only sign.
    """
    did, value, _fragment = _split_did_key(identifier)
    key = decode_public_key(value)
    method_id = f"{did}#{value}"
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [multikey_verification_method(key, method_id=method_id, controller=did)],
        "authentication": [method_id],
        "assertionMethod": [method_id],
        "capabilityInvocation": [method_id],
        "capabilityDelegation": [method_id],
    }
