"""Secrets at rest: AES-256-GCM under a key derived from CORRIDOR_KEY_ENCRYPTION_KEY, one key per purpose.

Each purpose (partners' private keys, webhook signing secrets) derives its own key with HKDF, and each
sealed value is bound to its row by associated data (``context``): a ciphertext copied onto another
row, or used for another purpose, does not open.
"""

from __future__ import annotations

import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_NONCE_BYTES = 12


@cache
def _key(secret: str, purpose: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"corridor-key-wrapping-v1", info=purpose.encode()
    ).derive(secret.encode())
    return AESGCM(derived)


def seal(plaintext: bytes, *, purpose: str, context: str) -> bytes:
    """Encrypt ``plaintext`` for ``purpose``, bound to ``context`` (the row it belongs to): nonce + ciphertext."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _key(settings.CORRIDOR_KEY_ENCRYPTION_KEY, purpose).encrypt(nonce, plaintext, context.encode())


def unseal(blob: bytes, *, purpose: str, context: str) -> bytes:
    """The plaintext ``seal`` sealed; ``cryptography.exceptions.InvalidTag`` if purpose, context or key differ."""
    blob = bytes(blob)
    return _key(settings.CORRIDOR_KEY_ENCRYPTION_KEY, purpose).decrypt(
        blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode()
    )
