"""Reads for partners, memberships and tokens, always scoped to the actor."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.partners.access import Actor
from apps.partners.models import ApiToken, Membership, Partner, PartnerKindLink


def partner_list(*, actor: Actor) -> QuerySet[Partner]:
    """Partners the actor may see: its own partner, or all of them for staff."""
    return Partner.objects.visible_to(actor).prefetch_related(
        Prefetch("kind_links", queryset=PartnerKindLink.objects.order_by("kind"))
    )


def membership_list(*, actor: Actor) -> QuerySet[Membership]:
    return Membership.objects.visible_to(actor).select_related("partner", "user")


def api_token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.visible_to(actor).select_related("partner", "created_by", "revoked_by")
