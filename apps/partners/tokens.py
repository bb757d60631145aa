"""API token format and hashing (pure functions; no Django imports).

A token reads ``cor_<prefix>_<secret>``: the prefix (8 characters) is stored in clear to find the
row and to show in lists; only the SHA-256 digest of the whole token is stored. The secret has
256 bits of entropy, so a plain digest (no slow hash) is safe, and lookups stay fast.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

TOKEN_MARK = "cor"
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_TOKEN_FORMAT = re.compile(r"^cor_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")


def token_generate() -> tuple[str, str]:
    """A new token and its prefix."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    return f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str | None:
    """The prefix of a well-formed token, None for anything else."""
    match = _TOKEN_FORMAT.match(token)
    return match.group(1) if match else None


def token_matches(token: str, digest: str) -> bool:
    """Compare in constant time, so response timing says nothing about the stored digest."""
    return hmac.compare_digest(token_digest(token), digest)
