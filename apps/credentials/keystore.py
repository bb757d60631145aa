"""Private keys at rest: AES-256-GCM under a key derived from CORRIDOR_KEY_ENCRYPTION_KEY.

The ciphertext is bound to its row (partner id and key id as associated data), so a ciphertext
copied onto another partner's row does not decrypt. Decrypted keys live only in memory, briefly.
"""

from __future__ import annotations

import os
from functools import cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_NONCE_BYTES = 12


@cache
def _wrapping_key(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"corridor-key-wrapping-v1", info=b"partner-keys").derive(
        secret.encode()
    )
    return AESGCM(key)


def _aad(partner_id: object, key_id: str) -> bytes:
    return f"{partner_id}:{key_id}".encode()


def wrap_private_key(private_key: Ed25519PrivateKey, *, partner_id: object, key_id: str) -> bytes:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _wrapping_key(settings.CORRIDOR_KEY_ENCRYPTION_KEY).encrypt(nonce, raw, _aad(partner_id, key_id))
    return nonce + sealed


def unwrap_private_key(blob: bytes, *, partner_id: object, key_id: str) -> Ed25519PrivateKey:
    blob = bytes(blob)
    raw = _wrapping_key(settings.CORRIDOR_KEY_ENCRYPTION_KEY).decrypt(
        blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _aad(partner_id, key_id)
    )
    return Ed25519PrivateKey.from_private_bytes(raw)
