"""The identifiers of credentials and their issuers: DIDs, verification methods, URLs, digests.

A partner issues as its did:web, or as the did:key of its current key if it chose so (``IssuerSettings``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.credentials import multikey
from apps.credentials.models import DidMethod, IssuerSettings, PartnerKey, StatusList
from apps.partners.access import Actor, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner


def partner_did_web(partner: Partner) -> str:
    return f"did:web:{settings.CORRIDOR_DID_HOST}:partners:{partner.slug}"


def issuer_did(partner: Partner, key: PartnerKey) -> str:
    """The DID the partner issues as: did:web by default, or the did:key of its current key."""
    method = IssuerSettings.objects.filter(partner=partner).values_list("did_method", flat=True).first()
    if method == DidMethod.KEY:
        return multikey.did_key(multikey.decode_public_key(key.public_key_multibase))
    return partner_did_web(partner)


def verification_method_id(partner: Partner, key: PartnerKey) -> str:
    did = issuer_did(partner, key)
    if did.startswith("did:key:"):
        return f"{did}#{did.removeprefix('did:key:')}"
    return f"{did}#{key.key_id}"


def credential_url(credential_id: Any) -> str:
    return f"{settings.CORRIDOR_BASE_URL}/credentials/{credential_id}"


def status_list_url(status: StatusList) -> str:
    return f"{settings.CORRIDOR_BASE_URL}/credentials/status/{status.pk}"


def digest_multibase(data: bytes) -> str:
    """Multibase (base64url, 'u') of the sha2-256 multihash, as VC 2.0 ``digestMultibase`` says."""
    multihash = b"\x12\x20" + hashlib.sha256(data).digest()
    return "u" + base64.urlsafe_b64encode(multihash).decode().rstrip("=")


def serialize(document: dict[str, Any]) -> bytes:
    """The bytes a credential is served as; digests in later credentials are over exactly these."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def partner_identifiers(partner: Partner, key: PartnerKey) -> dict[str, str]:
    """The DIDs the partner may issue as right now, each with the verification method that signs for it."""
    did_key = multikey.did_key(multikey.decode_public_key(key.public_key_multibase))
    return {
        partner_did_web(partner): f"{partner_did_web(partner)}#{key.key_id}",
        did_key: f"{did_key}#{did_key.removeprefix('did:key:')}",
    }


@transaction.atomic
def issuer_did_method_set(*, actor: Actor, partner: Partner, did_method: str) -> IssuerSettings:
    """Choose whether the partner issues as its did:web or as the did:key of its current key."""
    require(actor, role=MemberRole.ADMIN, owner=partner, to=gettext_noop("choose its issuing identifier"))
    if did_method not in DidMethod.values:
        raise ApplicationError(
            _("did_method must be one of %(choices)s.") % {"choices": ", ".join(DidMethod.values)}, field="did_method"
        )
    settings_row, _created = IssuerSettings.objects.update_or_create(
        partner=partner, defaults={"did_method": did_method}
    )
    audit_record(
        actor=actor,
        action="issuer_settings.update",
        target=settings_row,
        partner=partner,
        changes={"did_method": did_method},
    )
    return settings_row
