"""AEO credentials: the issuing authority signs a verifiable credential for each valid certificate."""

from __future__ import annotations


def aeo_credential_sync(*, certificate_id: str) -> str:
    """Placeholder until the AEO credential is built."""
    return "skipped"
