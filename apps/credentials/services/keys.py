"""Partners' signing keys: created with the partner, rotated and revoked by its admins.

Private keys are stored wrapped (``keystore``) and unwrapped only to sign.
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.credentials import keystore, multikey
from apps.credentials.models import PartnerKey
from apps.partners.access import Actor, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner


def _new_key(partner: Partner) -> PartnerKey:
    private_key = Ed25519PrivateKey.generate()
    public = multikey.encode_public_key(private_key.public_key())
    key_id = f"key-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
    return PartnerKey.objects.create(
        partner=partner,
        key_id=key_id,
        public_key_multibase=public,
        encrypted_private_key=keystore.wrap_private_key(private_key, partner_id=partner.pk, key_id=key_id),
    )


def partner_key_ensure(*, partner: Partner) -> PartnerKey:
    """The partner's current key, created if it has none (every partner gets one on creation)."""
    with transaction.atomic():
        current = (
            PartnerKey.objects.select_for_update()
            .filter(partner=partner, rotated_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        return current or _new_key(partner)


@transaction.atomic
def partner_key_rotate(*, actor: Actor, partner: Partner) -> PartnerKey:
    """A new key signs from now on; the old one stays in the DID document so old credentials verify."""
    require(actor, role=MemberRole.ADMIN, owner=partner, to=gettext_noop("manage its keys"))
    PartnerKey.objects.select_for_update().filter(
        partner=partner, rotated_at__isnull=True, revoked_at__isnull=True
    ).update(rotated_at=timezone.now())
    key = _new_key(partner)
    audit_record(
        actor=actor,
        action="partner_key.rotate",
        target=key,
        partner=partner,
        changes={"key_id": key.key_id, "public_key_multibase": key.public_key_multibase},
    )
    return key


@transaction.atomic
def partner_key_revoke(*, actor: Actor, key: PartnerKey, reason: str) -> PartnerKey:
    """Withdraw a compromised key: it leaves the DID document, so what it signed no longer verifies."""
    locked = PartnerKey.objects.select_for_update().select_related("partner").get(pk=key.pk)
    require(actor, role=MemberRole.ADMIN, owner=locked.partner, to=gettext_noop("manage its keys"))
    if not reason.strip():
        raise ApplicationError(_("Say why the key is revoked."), field="reason")
    if locked.revoked_at is None:
        was_current = locked.rotated_at is None
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason.strip()[:200]
        locked.save(update_fields=["revoked_at", "revocation_reason"])
        if was_current:
            _new_key(locked.partner)
        audit_record(
            actor=actor,
            action="partner_key.revoke",
            target=locked,
            partner=locked.partner,
            changes={"key_id": locked.key_id, "reason": locked.revocation_reason},
        )
    return locked


def private_key_of(key: PartnerKey) -> Ed25519PrivateKey:
    return keystore.unwrap_private_key(key.encrypted_private_key, partner_id=key.partner_id, key_id=key.key_id)
