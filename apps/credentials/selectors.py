"""Reads for credentials: DID documents, chains, signed status lists, scoped to the actor."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.errors import NotFoundError
from apps.credentials import dataintegrity, dids, multikey, status_list
from apps.credentials.models import ChainEntry, Credential, DidMethod, IssuerSettings, PartnerKey, StatusList
from apps.credentials.services.identifiers import (
    credential_url,
    partner_did_web,
    status_list_url,
)
from apps.credentials.services.keys import partner_key_ensure, private_key_of
from apps.partners.access import Actor
from apps.partners.models import Partner

_STATE = {"current": dids.KeyState.CURRENT, "rotated": dids.KeyState.ROTATED, "revoked": dids.KeyState.REVOKED}


def credential_list(*, actor: Actor) -> QuerySet[Credential]:
    return Credential.objects.visible_to(actor).select_related("issuer")


def status_list_of_issuer(*, actor: Actor, list_id: Any) -> StatusList:
    """One of the acting partner's own status lists; another issuer's list answers 404."""
    found = StatusList.objects.filter(pk=list_id, issuer=actor.partner).first() if actor.partner else None
    if found is None:
        raise NotFoundError("No such status list of yours.")
    return found


def credential_by_reference(*, actor: Actor, reference: str) -> Credential | None:
    """The visible credential a VC API caller names: by the ``id`` written in it, or by Corridor's own id.

    Corridor's URL for a credential and its bare uuid name it; so does any ``id`` a caller chose when
    issuing (``urn:uuid:…``, another URL). Ids a caller chose need not be unique: the latest issued wins.
    """
    visible = credential_list(actor=actor)
    pk = reference.removeprefix(credential_url(""))
    try:
        uuid.UUID(pk)
    except ValueError:
        pass
    else:
        found = visible.filter(pk=pk).first()
        if found is not None:
            return found
    if not reference:
        return None
    return visible.filter(document_id=reference).order_by("-issued_at", "-pk").first()


def partner_did_document(*, partner: Partner) -> dict[str, Any]:
    """The partner's did:web document: current and rotated keys (revoked ones are withdrawn)."""
    return _did_document(partner, PartnerKey.objects.filter(partner=partner).order_by("created_at"))


def _did_document(partner: Partner, keys: Iterable[PartnerKey]) -> dict[str, Any]:
    infos = [
        dids.KeyInfo(key_id=key.key_id, public_key_multibase=key.public_key_multibase, state=_STATE[key.state])
        for key in keys
    ]
    return dids.did_document(partner_did_web(partner), infos)


def _local_documents_of(issuers: Iterable[str]) -> dict[str, Mapping[str, Any] | None]:
    """The did:web documents of the partners these DIDs name, in two queries (partners, then their keys)."""
    prefix = f"did:web:{settings.CORRIDOR_DID_HOST}:partners:"
    slugs = {did.removeprefix(prefix) for did in issuers if did.startswith(prefix)}
    if not slugs:
        return {}
    partners = {partner.pk: partner for partner in Partner.objects.filter(slug__in=slugs)}
    keys: dict[Any, list[PartnerKey]] = {pk: [] for pk in partners}
    for key in PartnerKey.objects.filter(partner__in=partners).order_by("created_at"):
        keys[key.partner_id].append(key)
    documents: dict[str, Mapping[str, Any] | None] = {f"{prefix}{slug}": None for slug in slugs}
    documents.update({f"{prefix}{p.slug}": _did_document(p, keys[pk]) for pk, p in partners.items()})
    return documents


def _local_document(did: str) -> Mapping[str, Any] | None:
    prefix = f"did:web:{settings.CORRIDOR_DID_HOST}:partners:"
    if not did.startswith(prefix):
        return None
    partner = Partner.objects.filter(slug=did.removeprefix(prefix)).first()
    return partner_did_document(partner=partner) if partner else None


def did_resolver(*, prefetch: Iterable[str] = ()) -> dids.DidResolver:
    """Our partners from the database, did:key locally, other deployments only from the allow-list.

    A CORRIDOR_DID_HOST that cannot be a did:web host (a system check error) resolves no partner's
    did:web, so their proofs fail the key check instead of every verification failing. Each partner's
    document is read once per resolver; ``prefetch`` names DIDs whose documents are read up front, all
    in two queries (a chain's issuers). Make a resolver per request: keys change.
    """
    host = settings.CORRIDOR_DID_HOST
    documents = _local_documents_of(prefetch)

    def local_documents(did: str) -> Mapping[str, Any] | None:
        if did not in documents:
            documents[did] = _local_document(did)
        return documents[did]

    return dids.DidResolver(
        local_documents=local_documents,
        local_host=None if dids.did_web_host_problem(host) else host,
        allowed_documents=settings.CORRIDOR_TRUSTED_DID_DOCUMENTS,
    )


def partner_for_did(did: str) -> Partner | None:
    """The partner a DID names: this deployment's did:web of a partner, or the did:key of one of its keys."""
    prefix = f"did:web:{settings.CORRIDOR_DID_HOST}:partners:"
    if did.startswith(prefix):
        return Partner.objects.filter(slug=did.removeprefix(prefix)).first()
    if did.startswith("did:key:"):
        key = PartnerKey.objects.filter(public_key_multibase=did.removeprefix("did:key:")).select_related("partner")
        return next((k.partner for k in key[:1]), None)
    return None


def partners_for_dids(dids: Iterable[str]) -> dict[str, Partner | None]:
    """:func:`partner_for_did` of many DIDs at once (a chain's few issuers): two queries at most."""
    prefix = f"did:web:{settings.CORRIDOR_DID_HOST}:partners:"
    dids = set(dids)
    found: dict[str, Partner | None] = dict.fromkeys(dids)
    slugs = {did.removeprefix(prefix): did for did in dids if did.startswith(prefix)}
    if slugs:
        for partner in Partner.objects.filter(slug__in=slugs):
            found[slugs[partner.slug]] = partner
    keys = {did.removeprefix("did:key:"): did for did in dids if did.startswith("did:key:")}
    if keys:
        for key in PartnerKey.objects.filter(public_key_multibase__in=keys).select_related("partner"):
            found[keys[key.public_key_multibase]] = key.partner
    return found


def consignment_chain(*, consignment: Any) -> list[ChainEntry]:
    """The consignment's step credentials in chain order (the caller already may see the consignment)."""
    return list(
        ChainEntry.objects.filter(consignment=consignment)
        .select_related("credential", "credential__issuer", "credential__event")
        .order_by("position")
    )


def status_list_withdrawn(status: StatusList) -> bool:
    """A did:key's list whose key was revoked is served no more: what that key signed no longer counts."""
    return status.did_key is not None and status.did_key.revoked_at is not None


def status_list_credential(*, status: StatusList) -> dict[str, Any]:
    """The signed status list credential, signed afresh by the key of the DID that issues the list.

    Its ``issuer`` is that DID, the one its credentials are issued by: a did:key's list is signed by
    that key (rotated or not), a did:web's by the partner's current key. Bitstring Status List
    checkers (Digital Bazaar's by default) require the list's issuer to be the credential's.
    """
    issuer = status.issuer
    if status.did_key is not None:
        key = status.did_key
        did = f"did:key:{key.public_key_multibase}"
        method = f"{did}#{key.public_key_multibase}"
    else:
        key = partner_key_ensure(partner=issuer)
        did = partner_did_web(issuer)
        method = f"{did}#{key.key_id}"
    unsigned = status_list.status_list_credential(
        list_url=status_list_url(status),
        issuer=did,
        purpose=status.purpose,
        bits=status_list.Bitstring.from_bytes(bytes(status.bits)),
        valid_from=status.updated_at,
        valid_until=timezone.now() + settings.CORRIDOR_STATUS_LIST_TTL,
    )
    return dataintegrity.sign(
        unsigned, private_key=private_key_of(key), verification_method=method, created=timezone.now()
    )


def partner_key_list(*, actor: Actor) -> QuerySet[PartnerKey]:
    if actor.is_staff and actor.partner is None:
        return PartnerKey.objects.select_related("partner")
    if actor.partner is None:
        return PartnerKey.objects.none()
    return PartnerKey.objects.filter(partner=actor.partner).select_related("partner")


def partner_identifiers(*, partner: Partner) -> dict[str, Any]:
    """The partner's DIDs (did:web, and the did:key of its current key) and which one issues."""
    key = PartnerKey.objects.filter(partner=partner, rotated_at__isnull=True, revoked_at__isnull=True).first()
    method = IssuerSettings.objects.filter(partner=partner).values_list("did_method", flat=True).first()
    return {
        "did_web": partner_did_web(partner),
        "did_key": multikey.did_key(multikey.decode_public_key(key.public_key_multibase)) if key else None,
        "did_method": method or DidMethod.WEB,
        "did_methods": DidMethod.choices,
    }
