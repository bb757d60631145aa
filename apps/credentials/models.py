"""Partners' signing keys, the credentials they issue, status lists, and each consignment's chain."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from apps.core.extensions import ExtensionPoint
from apps.core.models import ScopedQuerySet
from apps.core.words import Text
from apps.partners.models import Partner
from apps.shipments.models import Event


class DidMethod(models.TextChoices):
    WEB = "web", _("did:web (this deployment's domain)")
    KEY = "key", _("did:key (bound to the current key)")


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", _("Revocation")
    SUSPENSION = "suspension", _("Suspension")


class CredentialKind(models.TextChoices):
    STEP = "step", _("Step credential (one event)")
    AEO = "aeo", _("AEO certificate credential")
    ISSUED = "issued", _("Issued through the VC API")


class PartnerKey(models.Model):
    """An Ed25519 key pair of a partner (Multikey). The private key is stored only encrypted.

    One key is current and signs; rotated keys stay listed in the DID document so what they signed
    still verifies; a revoked (compromised) key is withdrawn and its credentials stop verifying.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="signing_keys")
    key_id = models.CharField(max_length=64, help_text="Fragment of the verification method id")
    public_key_multibase = models.CharField(max_length=64, unique=True)
    encrypted_private_key = models.BinaryField(help_text="AES-256-GCM under CORRIDOR_KEY_ENCRYPTION_KEY")
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["partner", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "key_id"], name="partner_key_id_unique"),
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(rotated_at__isnull=True, revoked_at__isnull=True),
                name="partner_one_current_key",
            ),
        ]

    def __str__(self) -> str:
        # Worded (as every audited object's description), so the audit page says it in its reader's language.
        return Text(
            gettext_noop("%(partner)s#%(key)s (%(state)s)"),
            partner=self.partner.slug,
            key=self.key_id,
            state=Text(self.state),  # "current", "rotated", "revoked": in the catalogue
        )

    @property
    def state(self) -> str:
        if self.revoked_at:
            return gettext_noop("revoked")
        if self.rotated_at:
            return gettext_noop("rotated")
        return gettext_noop("current")


class IssuerSettings(models.Model):
    """Which DID a partner issues as: its did:web, or a did:key bound to its current key."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="issuer_settings")
    did_method = models.CharField(max_length=8, choices=DidMethod.choices, default=DidMethod.WEB)

    def __str__(self) -> str:
        return Text(
            gettext_noop("%(partner)s issues as did:%(method)s"), partner=self.partner.slug, method=self.did_method
        )


class StatusList(models.Model):
    """One Bitstring Status List of one issuing DID and purpose; a full list rolls over to the next sequence.

    A partner's did:web and each did:key of its keys keep lists of their own: the list names as its
    issuer, and is signed by, the DID its credentials are issued by, and an old did:key's lists stay
    its own after the key is rotated.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    issuer = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="status_lists")
    did_key = models.ForeignKey(
        PartnerKey,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_lists",
        help_text="The key whose did:key issues this list; empty for the partner's did:web",
    )
    purpose = models.CharField(max_length=12, choices=StatusPurpose.choices)
    sequence = models.PositiveIntegerField(default=1)
    size = models.PositiveIntegerField(default=131_072)
    bits = models.BinaryField(help_text="The raw bitstring; index 0 is the first byte's left-most bit")
    allocation = models.BinaryField(
        default=bytes, editable=False, help_text="Which indexes are taken (bit set); built on first use when empty"
    )
    is_full = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "purpose", "sequence"],
                condition=Q(did_key__isnull=True),
                name="status_list_sequence_unique",
            ),
            models.UniqueConstraint(
                fields=["did_key", "purpose", "sequence"],
                condition=Q(did_key__isnull=False),
                name="status_list_did_key_sequence_unique",
            ),
        ]

    def __str__(self) -> str:
        issuing = f"did:key {self.did_key.key_id}" if self.did_key_id else "did:web"
        return Text(
            gettext_noop("%(issuer)s (%(issuing)s) %(purpose)s list %(sequence)s"),
            issuer=self.issuer.slug,
            issuing=issuing,
            purpose=self.purpose,
            sequence=self.sequence,
        )


# More credentials a partner may see, by the rules of higher apps (compliance: a holder sees the
# AEO credentials of its certificates, so it can present them). Each rule gives a Q over Credential.
credential_visibility: ExtensionPoint[Callable[[Partner], Q]] = ExtensionPoint("credentials.credential_visibility")


class CredentialQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> CredentialQuerySet:
        """Its own credentials, the step credentials of events the partner may see, and those the rules of
        ``credential_visibility`` add."""
        visible = Q(issuer=partner) | Q(event__in=Event.objects.for_partner(partner).values("pk"))
        for rule in credential_visibility:
            visible |= rule(partner)
        return self.filter(visible)


class Credential(models.Model):
    """A signed verifiable credential, kept as the exact bytes served (digests are over them)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=CredentialKind.choices)
    issuer = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="issued_credentials")
    event = models.OneToOneField(
        "shipments.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="credential"
    )
    signed_by = models.ForeignKey(PartnerKey, on_delete=models.PROTECT, related_name="credentials")
    document = models.BinaryField(help_text="The signed JSON, byte for byte as served")
    document_id = models.CharField(
        max_length=1000,
        blank=True,
        db_index=True,
        help_text="The credential's id as written in it (VC API issues; the caller may choose it)",
    )
    digest_multibase = models.CharField(max_length=64, help_text="Multibase SHA-256 of ``document``")
    issued_at = models.DateTimeField(db_index=True)
    # No index of its own: the (list, index) unique constraint below serves lookups by list, and a
    # second index made PostgreSQL scan a whole list to find a few slots.
    revocation_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+", db_index=False)
    revocation_index = models.PositiveIntegerField()
    suspension_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+", db_index=False)
    suspension_index = models.PositiveIntegerField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    suspended = models.BooleanField(default=False)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["revocation_list", "revocation_index"], name="credential_revocation_slot"),
            models.UniqueConstraint(fields=["suspension_list", "suspension_index"], name="credential_suspension_slot"),
        ]

    def __str__(self) -> str:
        return Text(
            gettext_noop("%(kind)s credential %(id)s by %(issuer)s"),
            kind=self.kind,
            id=self.id,
            issuer=self.issuer.slug,
        )


class ChainEntry(models.Model):
    """A step credential's place in one consignment's chain; positions are dense, from 1."""

    consignment = models.ForeignKey("shipments.Consignment", on_delete=models.CASCADE, related_name="chain")
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="chain_entries")
    position = models.PositiveIntegerField()
    previous = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["consignment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["consignment", "position"], name="chain_position_unique"),
            models.UniqueConstraint(fields=["consignment", "credential"], name="chain_credential_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.consignment_id} #{self.position}"
