"""Revocation and suspension: the issuers' status lists, the slots credentials take on them, their bits."""

from __future__ import annotations

import json
import random
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.credentials import status_list
from apps.credentials.models import Credential, PartnerKey, StatusList, StatusPurpose
from apps.credentials.services.identifiers import status_list_url
from apps.partners.access import Actor, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner

_RANDOM = random.SystemRandom()


def _current_list(issuer: Partner, purpose: str, did_key: PartnerKey | None) -> StatusList:
    """The issuing DID's list for ``purpose`` that has room: ``did_key``'s, or the partner's did:web's."""
    lists = StatusList.objects.filter(issuer=issuer, did_key=did_key, purpose=purpose)
    current = lists.filter(is_full=False).order_by("sequence").first()
    if current is not None:
        return current
    last = lists.order_by("-sequence").first()
    try:
        with transaction.atomic():
            return StatusList.objects.create(
                issuer=issuer,
                did_key=did_key,
                purpose=purpose,
                sequence=(last.sequence + 1) if last else 1,
                bits=status_list.Bitstring().to_bytes(),
            )
    except IntegrityError:
        return lists.filter(is_full=False).order_by("sequence").first()


def status_entries(revocation: tuple[StatusList, int], suspension: tuple[StatusList, int]) -> list[dict[str, Any]]:
    """The ``credentialStatus`` entries of a credential's two slots, as it carries them."""
    return [
        status_list.status_list_entry(list_url=status_list_url(lst), index=index, purpose=lst.purpose)
        for lst, index in (revocation, suspension)
    ]


class StatusSlots:
    """Random free indexes (DESIGN §10) of an issuing DID's current list for one purpose, for a whole batch.

    The DID is the partner's did:web, or with ``did_key`` that key's did:key (see :func:`issuing_key`).

    The list's row is locked (until the batch commits) before any index is chosen, so two workers
    never draw the same slot, and its allocation bitmap says which indexes are taken: drawing costs
    no query however many credentials the list already has. ``save`` writes the bitmap back in the
    same transaction. A full list rolls over to the next sequence.
    """

    def __init__(self, issuer: Partner, purpose: str, did_key: PartnerKey | None = None) -> None:
        self.issuer, self.purpose, self.did_key = issuer, purpose, did_key
        self.field = "revocation" if purpose == StatusPurpose.REVOCATION else "suspension"
        self._load(_current_list(issuer, purpose, did_key))

    def _load(self, current: StatusList) -> None:
        # NO KEY UPDATE (only the allocation changes): the foreign-key checks (KEY SHARE) of credentials
        # another worker is committing on this list neither wait for the drawing nor hold it up, so the
        # two orders they take lists in cannot deadlock.
        self.current = StatusList.objects.select_for_update(no_key=True).defer("bits").get(pk=current.pk)
        bits = bytearray(bytes(self.current.allocation or b""))
        self.dirty = len(bits) * 8 != self.current.size
        if self.dirty:
            # A list from before allocation bitmaps: build its bitmap once from the credentials on it.
            bits = bytearray(self.current.size // 8)
            used = Credential.objects.filter(**{f"{self.field}_list": self.current})
            for index in used.values_list(f"{self.field}_index", flat=True).iterator(chunk_size=10_000):
                bits[index >> 3] |= 0x80 >> (index & 7)
        self.bits = bits

    def _taken(self, index: int) -> bool:
        return bool(self.bits[index >> 3] & (0x80 >> (index & 7)))

    def take(self) -> tuple[StatusList, int]:
        try:
            index = status_list.allocate_index(self._taken, size=self.current.size, rng=_RANDOM)
        except status_list.StatusListFull:
            self.save()
            StatusList.objects.filter(pk=self.current.pk).update(is_full=True)
            self._load(_current_list(self.issuer, self.purpose, self.did_key))
            return self.take()
        self.bits[index >> 3] |= 0x80 >> (index & 7)
        self.dirty = True
        return self.current, index

    def save(self) -> None:
        if self.dirty:
            StatusList.objects.filter(pk=self.current.pk).update(allocation=bytes(self.bits))
            self.dirty = False


def issuing_key(did: str, key: PartnerKey) -> PartnerKey | None:
    """Whose status lists a credential issued as ``did`` (signed by ``key``) takes slots on: ``key``'s when
    ``did`` is its did:key, None (the partner's did:web) otherwise."""
    return key if did.startswith("did:key:") else None


def status_slots_take(
    issuer: Partner, did_key: PartnerKey | None = None
) -> tuple[tuple[StatusList, int], tuple[StatusList, int]]:
    """One revocation and one suspension slot for a single credential (inside the caller's transaction)."""
    taken = []
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        slots = StatusSlots(issuer, purpose, did_key)
        taken.append(slots.take())
        slots.save()
    return taken[0], taken[1]


def status_bit_set(credential: Credential, purpose: str, value: bool) -> None:
    """Set or clear one status bit of a credential, inside the caller's transaction; the caller checked who may."""
    status = credential.revocation_list if purpose == StatusPurpose.REVOCATION else credential.suspension_list
    index = credential.revocation_index if purpose == StatusPurpose.REVOCATION else credential.suspension_index
    locked = StatusList.objects.select_for_update().get(pk=status.pk)
    bits = status_list.Bitstring.from_bytes(bytes(locked.bits))
    bits.set(index, value)
    locked.bits = bits.to_bytes()
    locked.save(update_fields=["bits", "updated_at"])
    if purpose == StatusPurpose.REVOCATION:
        # Revocation is final and dated once: revoking again keeps the first time.
        Credential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now() if value else None
        )
    else:
        Credential.objects.filter(pk=credential.pk).update(suspended=value)


def _carries_entry(credential: Credential, purpose: str) -> bool:
    """Whether the signed credential names its slot on its ``purpose`` list (a VC 1.1 credential may not)."""
    status = credential.revocation_list if purpose == StatusPurpose.REVOCATION else credential.suspension_list
    entries = json.loads(bytes(credential.document)).get("credentialStatus", [])
    return any(
        isinstance(entry, dict)
        and entry.get("statusPurpose") == purpose
        and entry.get("statusListCredential") == status_list_url(status)
        for entry in (entries if isinstance(entries, list) else [entries])
    )


@transaction.atomic
def credential_status_set(*, actor: Actor, credential: Credential, purpose: str, value: bool) -> Credential:
    """Revoke, suspend or unsuspend a credential; only its issuer may. Revocation is final."""
    if purpose not in StatusPurpose.values:
        raise ApplicationError("statusPurpose must be revocation or suspension.", field="statusPurpose")
    # Who may see a credential (its holder, the consignment's parties) is refused, not told it is missing.
    require(
        actor,
        role=MemberRole.OPERATOR,
        write=True,
        owner=credential.issuer,
        visible=True,
        to=gettext_noop("change the status of its credentials"),
    )
    if purpose == StatusPurpose.REVOCATION and not value and credential.revoked_at:
        raise ApplicationError("A revoked credential stays revoked.", field="status", status=409, code="conflict")
    if not _carries_entry(credential, purpose):
        raise ApplicationError(
            f"This credential carries no {purpose} status entry (it was issued without one), so no verifier "
            "would see the change.",
            field="statusPurpose",
            status=409,
            code="conflict",
        )
    status_bit_set(credential, purpose, value)
    audit_record(
        actor=actor,
        action=f"credential.{purpose}.{'set' if value else 'clear'}",
        target=credential,
        partner=credential.issuer,
        changes={"purpose": purpose, "status": value},
    )
    credential.refresh_from_db()
    return credential
