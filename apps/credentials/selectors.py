"""Reads for credentials: DID documents, chains, signed status lists, scoped to the actor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.credentials import dataintegrity, dids, status_list
from apps.credentials.models import ChainEntry, Credential, PartnerKey, StatusList
from apps.credentials.services import (
    issuer_did,
    partner_did_web,
    partner_key_ensure,
    private_key_of,
    status_list_url,
    verification_method_id,
)
from apps.partners.access import Actor
from apps.partners.models import Partner

_STATE = {"current": dids.KeyState.CURRENT, "rotated": dids.KeyState.ROTATED, "revoked": dids.KeyState.REVOKED}


def credential_list(*, actor: Actor) -> QuerySet[Credential]:
    return Credential.objects.visible_to(actor).select_related("issuer")


def partner_did_document(*, partner: Partner) -> dict[str, Any]:
    """The partner's did:web document: current and rotated keys (revoked ones are withdrawn)."""
    keys = [
        dids.KeyInfo(key_id=key.key_id, public_key_multibase=key.public_key_multibase, state=_STATE[key.state])
        for key in PartnerKey.objects.filter(partner=partner).order_by("created_at")
    ]
    return dids.did_document(partner_did_web(partner), keys)


def _local_document(did: str) -> Mapping[str, Any] | None:
    prefix = f"did:web:{settings.CORRIDOR_DID_HOST}:partners:"
    if not did.startswith(prefix):
        return None
    partner = Partner.objects.filter(slug=did.removeprefix(prefix)).first()
    return partner_did_document(partner=partner) if partner else None


def did_resolver() -> dids.DidResolver:
    """Our partners from the database, did:key locally, other deployments only from the allow-list."""
    return dids.DidResolver(
        local_documents=_local_document,
        local_host=settings.CORRIDOR_DID_HOST,
        allowed_documents=settings.CORRIDOR_TRUSTED_DID_DOCUMENTS,
    )


def consignment_chain(*, consignment: Any) -> list[ChainEntry]:
    """The consignment's step credentials in chain order (the caller already may see the consignment)."""
    return list(
        ChainEntry.objects.filter(consignment=consignment)
        .select_related("credential", "credential__issuer", "credential__event")
        .order_by("position")
    )


def status_list_credential(*, status: StatusList) -> dict[str, Any]:
    """The signed status list credential, signed afresh by the issuer's current key.

    Its ``issuer`` is the DID the partner issues as (did:web, or the did:key of its current key), the
    same DID whose key signs it: a verifier requires the proof's key to belong to the issuer, and
    Bitstring Status List checkers (Digital Bazaar's by default) require the list's issuer to be the
    credential's.
    """
    issuer = status.issuer
    key = partner_key_ensure(partner=issuer)
    unsigned = status_list.status_list_credential(
        list_url=status_list_url(status),
        issuer=issuer_did(issuer, key),
        purpose=status.purpose,
        bits=status_list.Bitstring.from_bytes(bytes(status.bits)),
        valid_from=status.updated_at,
        valid_until=timezone.now() + settings.CORRIDOR_STATUS_LIST_TTL,
    )
    return dataintegrity.sign(
        unsigned,
        private_key=private_key_of(key),
        verification_method=verification_method_id(issuer, key),
        created=timezone.now(),
    )


def partner_key_list(*, actor: Actor) -> QuerySet[PartnerKey]:
    if actor.is_staff and actor.partner is None:
        return PartnerKey.objects.select_related("partner")
    if actor.partner is None:
        return PartnerKey.objects.none()
    return PartnerKey.objects.filter(partner=actor.partner).select_related("partner")
