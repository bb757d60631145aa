"""Fixtures for the credential core: the W3C vectors, their test contexts and keys. No database.

The W3C Data Integrity EdDSA vectors, the RDFC-1.0 test case and the proof set/chain vectors are in
``tests/vectors`` (see its PROVENANCE.md). The employment vector cites a context Corridor does not ship
(``citizenship/v4rc1``), so the vector tests use a registry extended with the copies in
``tests/vectors/contexts``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from apps.credentials.jsonld import ContextRegistry, bundled_registry
from apps.credentials.multikey import decode_private_key, decode_public_key
from tests.vectors import VECTORS


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _vector_registry() -> ContextRegistry:
    contexts = VECTORS / "contexts"
    index = read_json(contexts / "index.json")
    bundled = bundled_registry()
    extra = {url: read_json(contexts / name) for url, name in index.items() if url not in bundled}
    return bundled.extended(extra)


@pytest.fixture
def vector_registry() -> ContextRegistry:
    """The bundled contexts plus the W3C test-only ones the vectors cite."""
    return _vector_registry()


@pytest.fixture
def vector_keys() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    """The spec's published TEST key pair (``keyPair.json``): never for anything but tests."""
    pair = read_json(VECTORS / "w3c-vc-di-eddsa" / "keyPair.json")
    return decode_private_key(pair["privateKeyMultibase"]), decode_public_key(pair["publicKeyMultibase"])


@pytest.fixture
def issuer_key() -> Ed25519PrivateKey:
    """A fresh key for tests that sign Corridor documents."""
    return Ed25519PrivateKey.generate()
