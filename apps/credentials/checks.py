"""System checks of the credentials settings (``manage.py check``; ``migrate`` and ``runserver`` run them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from apps.credentials import dids


def did_host_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """CORRIDOR_DID_HOST must be a did:web host as did:web writes it: a domain name, never an IP address."""
    problem = dids.did_web_host_problem(settings.CORRIDOR_DID_HOST)
    if not problem:
        return []
    return [
        Error(
            f"CORRIDOR_DID_HOST={settings.CORRIDOR_DID_HOST!r} cannot be the host of the partners' did:web "
            f"identifiers: {problem}",
            hint="Set CORRIDOR_DID_HOST to this deployment's domain name, a port's colon written %3A "
            "(e.g. corridor.example.org, or localhost%3A8000 on one machine).",
            id="credentials.E001",
        )
    ]
