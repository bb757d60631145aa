"""Digests of related resources (VC Data Model 2.0 §5.3): their syntax, and whether bytes match them.

- ``digestSRI``: one or more hash expressions of W3C Subresource Integrity (§3.5), separated by white
  space: ``sha256``, ``sha384`` or ``sha512``, ``-``, the digest in base64 (``+/``, ``=`` padding),
  each optionally followed by ``?options``. Bytes match when one digest of the strongest algorithm
  listed matches them, as SRI §3.3.5 compares.
- ``digestMultibase``: a string or a list of strings, each a Multibase value of a Multihash (Data
  Integrity 1.0 §2.6). Any multibase value is well formed; comparing bytes with one needs its
  multihash to be sha2-256, sha2-384 or sha2-512, and every value given must match.

Pure module: no Django imports.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import base58

__all__ = ["DigestError", "matches", "multibase_problem", "sri_problem"]

_SRI_ALGORITHMS = {"sha256": 32, "sha384": 48, "sha512": 64}
_SRI_EXPRESSION = re.compile(r"(?P<algorithm>sha256|sha384|sha512)-(?P<digest>[A-Za-z0-9+/]+={0,2})(?:\?[!-~]*)?")
# Multihash codes (unsigned varints of one byte here) of the SHA-2 functions, and their digest lengths.
_MULTIHASHES = {0x12: ("sha256", 32), 0x20: ("sha384", 48), 0x13: ("sha512", 64)}


class DigestError(ValueError):
    """A digest value that is not well formed."""


def _sri_expressions(value: Any) -> Iterator[tuple[str, bytes]]:
    if not isinstance(value, str) or not value.split():
        raise DigestError("digestSRI is one or more SRI hash expressions (sha384-<base64>), as a string")
    for expression in value.split():
        match = _SRI_EXPRESSION.fullmatch(expression)
        if match is None:
            raise DigestError(f"{expression!r} is not an SRI hash expression (sha256, sha384 or sha512, '-', base64)")
        try:
            digest = base64.b64decode(match["digest"], validate=True)
        except binascii.Error as exc:
            raise DigestError(f"{expression!r}: the digest is not base64") from exc
        if len(digest) != _SRI_ALGORITHMS[match["algorithm"]]:
            raise DigestError(
                f"{expression!r}: a {match['algorithm']} digest is {_SRI_ALGORITHMS[match['algorithm']]} bytes, "
                f"not {len(digest)}"
            )
        yield match["algorithm"], digest


def _padded(body: str) -> str:
    return body + "=" * (-len(body) % 4)


# The bases a digest is written in: base58btc, base64url, base64 (each with or without padding), base16.
_MULTIBASE_DECODERS = {
    "z": lambda body: base58.b58decode(body.encode("ascii")),
    "u": lambda body: base64.b64decode(_padded(body), altchars=b"-_", validate=True),
    "U": lambda body: base64.b64decode(_padded(body), altchars=b"-_", validate=True),
    "m": lambda body: base64.b64decode(_padded(body), validate=True),
    "M": lambda body: base64.b64decode(_padded(body), validate=True),
    "f": bytes.fromhex,
    "F": bytes.fromhex,
}


def _multibase_decode(value: str) -> bytes:
    decoder = _MULTIBASE_DECODERS.get(value[:1])
    if decoder is None:
        raise DigestError(f"{value!r} is not multibase (base58btc 'z', base64url 'u', base64 'm' or base16 'f')")
    try:
        return decoder(value[1:])
    except (ValueError, UnicodeEncodeError) as exc:
        raise DigestError(f"{value!r} is not valid multibase: {exc}") from exc


def _multibase_values(value: Any) -> list[bytes]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(item, str) and len(item) > 1 for item in values):
        raise DigestError("digestMultibase is a multibase string, or a non-empty list of them")
    decoded = [_multibase_decode(item) for item in values]
    if not all(decoded):
        raise DigestError("digestMultibase holds an empty value")
    return decoded


def sri_problem(value: Any) -> str:
    """Why ``value`` is not a well-formed ``digestSRI``, or ""."""
    try:
        list(_sri_expressions(value))
    except DigestError as exc:
        return str(exc)
    return ""


def multibase_problem(value: Any) -> str:
    """Why ``value`` is not a well-formed ``digestMultibase``, or ""."""
    try:
        _multibase_values(value)
    except DigestError as exc:
        return str(exc)
    return ""


def _sri_matches(data: bytes, value: Any) -> bool:
    expressions = list(_sri_expressions(value))
    strongest = max((algorithm for algorithm, _ in expressions), key=_SRI_ALGORITHMS.__getitem__)
    computed = hashlib.new(strongest, data).digest()
    return any(digest == computed for algorithm, digest in expressions if algorithm == strongest)


def _multihash_matches(data: bytes, multihash: bytes) -> bool:
    code, length, digest = multihash[0], multihash[1:2], multihash[2:]
    if code not in _MULTIHASHES or length != bytes([_MULTIHASHES[code][1]]):
        raise DigestError("the multihash is not sha2-256, sha2-384 or sha2-512, so it cannot be compared")
    return hashlib.new(_MULTIHASHES[code][0], data).digest() == digest


def matches(data: bytes, *, digest_sri: Any = None, digest_multibase: Any = None) -> dict[str, bool]:
    """For each digest given (by its property name), whether ``data`` matches it.

    Raises :class:`DigestError` for a malformed digest or a multihash function not known here.
    """
    found = {}
    if digest_sri is not None:
        found["digestSRI"] = _sri_matches(data, digest_sri)
    if digest_multibase is not None:
        found["digestMultibase"] = all(_multihash_matches(data, item) for item in _multibase_values(digest_multibase))
    return found
