"""The ``eddsa-jcs-2022`` cryptosuite's transformation and hashing (Data Integrity EdDSA Cryptosuites 1.0 §3.3).

Where ``eddsa-rdfc-2022`` canonicalizes the RDF a document means, this suite canonicalizes the JSON
as written, with the JSON Canonicalization Scheme (RFC 8785):

- transformation: the unsecured document (with the previous proofs of a chain), in JCS, UTF-8;
- proof configuration: the proof options, which carry the document's ``@context`` (Create Proof,
  step 2), in JCS;
- ``hashData`` = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document), which Ed25519
  signs as in ``eddsa-rdfc-2022``.

Nothing is JSON-LD-processed here: the signature covers the bytes of the JSON, whatever its terms
mean. :mod:`apps.credentials.dataintegrity` builds and checks the proofs around these functions.
Pure module: no Django imports.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from apps.core.canonical_json import canonical_json

__all__ = ["CRYPTOSUITE", "JcsError", "canonicalize", "hash_data", "proof_config_hash"]

CRYPTOSUITE = "eddsa-jcs-2022"


class JcsError(ValueError):
    """A value RFC 8785 cannot write (a NaN or infinite number, an integer beyond ±(2^53 - 1), ...)."""


def canonicalize(value: Any) -> str:
    """The RFC 8785 canonical JSON of ``value``."""
    try:
        return canonical_json(value).decode("utf-8")
    except (rfc8785.CanonicalizationError, TypeError) as error:
        raise JcsError(str(error)) from error


def _sha256(value: Any) -> bytes:
    return hashlib.sha256(canonicalize(value).encode("utf-8")).digest()


def proof_config_hash(proof_config: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical proof configuration: the proof without ``proofValue``, as created."""
    return _sha256(proof_config)


def hash_data(proof_config: dict[str, Any], document: dict[str, Any]) -> bytes:
    """``SHA-256(JCS(proof_config)) ‖ SHA-256(JCS(document))``: the 64 bytes eddsa-jcs-2022 signs.

    ``proof_config`` is the proof without ``proofValue`` (its ``@context`` included, as created);
    ``document`` the unsecured document, with the previous proofs of a chain if any.
    """
    return proof_config_hash(proof_config) + _sha256(document)
