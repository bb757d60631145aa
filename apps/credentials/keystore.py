"""Private keys at rest: sealed (AES-256-GCM, ``apps.core.sealing``) under CORRIDOR_KEY_ENCRYPTION_KEY.

The ciphertext is bound to its row (partner id and key id as associated data), so a ciphertext
copied onto another partner's row does not decrypt. Decrypted keys live only in memory, briefly.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.core.sealing import seal, unseal

_PURPOSE = "partner-keys"


def _context(partner_id: object, key_id: str) -> str:
    return f"{partner_id}:{key_id}"


def wrap_private_key(private_key: Ed25519PrivateKey, *, partner_id: object, key_id: str) -> bytes:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return seal(raw, purpose=_PURPOSE, context=_context(partner_id, key_id))


def unwrap_private_key(blob: bytes, *, partner_id: object, key_id: str) -> Ed25519PrivateKey:
    raw = unseal(blob, purpose=_PURPOSE, context=_context(partner_id, key_id))
    return Ed25519PrivateKey.from_private_bytes(raw)
