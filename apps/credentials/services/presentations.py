"""A consignment's chain of credentials as a Verifiable Presentation."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.credentials import dataintegrity
from apps.credentials.jsonld import CREDENTIALS_V2
from apps.credentials.models import ChainEntry
from apps.credentials.services.identifiers import partner_did_web
from apps.credentials.services.keys import partner_key_ensure, private_key_of
from apps.partners.access import Actor


def presentation_build(
    *, actor: Actor, consignment: Any, challenge: str | None = None, domain: str | None = None
) -> dict[str, Any]:
    """The consignment's chain as a Verifiable Presentation; signed by the caller's partner for a challenge."""
    chain = ChainEntry.objects.filter(consignment=consignment).select_related("credential").order_by("position")
    presentation: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [json.loads(bytes(entry.credential.document)) for entry in chain],
    }
    if challenge is None and domain is None:
        return presentation
    if actor.partner is None:
        raise ApplicationError("A signed presentation needs a partner to sign it.", field="challenge")
    key = partner_key_ensure(partner=actor.partner)
    presentation["holder"] = partner_did_web(actor.partner)
    return dataintegrity.sign(
        presentation,
        private_key=private_key_of(key),
        verification_method=f"{partner_did_web(actor.partner)}#{key.key_id}",
        created=timezone.now(),
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )
