"""Organisations on the platform, the people who act for them, and their machine credentials."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.core.validators import validate_country, validate_eori, validate_lei
from apps.core.words import Text, gettext_noop
from apps.partners.choices import MemberRole, PartnerKind, TokenScope


class PartnerQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> PartnerQuerySet:
        return self.filter(pk=partner.pk)

    def of_kind(self, kind: str) -> PartnerQuerySet:
        return self.filter(kind_links__kind=kind)


class Partner(TimestampedModel):
    """An organisation in the supply chain: shipper, carrier, terminal, customs authority and so on.

    A customs authority serves one country (``serves_country``); it issues AEO certificates and
    takes part in MRAs. ``is_demo`` marks the demo corridor's invented organisations.
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    serves_country = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_country],
        help_text="For a customs authority: the country whose customs it administers (ISO 3166-1 alpha-2).",
    )
    lei = models.CharField("LEI", max_length=20, blank=True, validators=[validate_lei])
    eori = models.CharField("EORI", max_length=17, blank=True, validators=[validate_eori])
    tax_number = models.CharField(
        "tax / business number", max_length=32, blank=True, help_text="National tax or business register number"
    )
    is_active = models.BooleanField(default=True)
    is_demo = models.BooleanField(default=False, help_text="Invented data of the demo corridor")

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["lei"], condition=~Q(lei=""), name="partner_lei_unique"),
            models.UniqueConstraint(fields=["eori"], condition=~Q(eori=""), name="partner_eori_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kinds(self) -> list[str]:
        return sorted(link.kind for link in self.kind_links.all())

    @property
    def is_customs_authority(self) -> bool:
        return PartnerKind.CUSTOMS_AUTHORITY in self.kinds


class PartnerKindLink(models.Model):
    """One kind a partner has (a forwarder can also be a customs broker)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="kind_links")
    kind = models.CharField(max_length=32, choices=PartnerKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "kind"], name="partner_kind_unique")]
        indexes = [models.Index(fields=["kind"], name="partner_kind_idx")]

    def __str__(self) -> str:
        return f"{self.partner} is {self.get_kind_display()}"


class MembershipQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> MembershipQuerySet:
        return self.filter(partner=partner)


class Membership(models.Model):
    """A user acting for a partner, with a role: viewer, operator or admin."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="membership_user_partner_unique"),
            models.CheckConstraint(condition=Q(role__in=MemberRole.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        # Worded (the role as its label's English, the catalogue's msgid), so the audit page, which records
        # this, says it in its reader's language.
        with translation.override("en"):
            role = Text(str(self.get_role_display()))
        return Text(
            gettext_noop("%(user)s — %(role)s of %(partner)s"),
            user=str(self.user),
            role=role,
            partner=str(self.partner),
        )


class ApiTokenQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> ApiTokenQuerySet:
        return self.filter(partner=partner)

    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, partner__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(TimestampedModel):
    """A partner's machine credential, sent as ``Authorization: Bearer <token>``.

    Only a SHA-256 digest of the token is stored; the visible ``prefix`` identifies it in lists
    and logs. The secret is shown once, at creation.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(scope__in=TokenScope.values), name="api_token_scope_valid")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def state(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"
