"""Who is acting, for which partner, with what role: decided once per request, used everywhere.

Every app reuses three things:

- ``Actor`` (here): the acting user or token, its partner, role and scope (``actor_for_request``);
- ``apps.partners.permissions.PartnerRolePermission``: the DRF permission for role and token scope;
- ``apps.partners.api.base.ScopedViewSet``: the API base view whose queryset always comes from a
  selector that scopes it to the actor (``Model.objects.visible_to(actor)``). Another partner's
  object is then simply not found (404); a visible object with too small a role or scope is 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework import exceptions

from apps.partners.choices import ROLE_RANK, MemberRole, TokenScope
from apps.partners.models import Membership, Partner

if TYPE_CHECKING:
    from apps.partners.models import ApiToken

PARTNER_HEADER = "X-Corridor-Partner"
SESSION_PARTNER_KEY = "corridor_partner"


@dataclass(frozen=True)
class Actor:
    """The acting principal: a member (session), a partner token (API) or the system (commands)."""

    user: Any = None
    partner: Partner | None = None
    role: str | None = None
    is_staff: bool = False
    token: ApiToken | None = None
    system_label: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.is_staff or self.partner is not None or self.user is not None or bool(self.system_label)

    @property
    def scope(self) -> str:
        return self.token.scope if self.token is not None else TokenScope.WRITE

    @property
    def token_prefix(self) -> str:
        return self.token.prefix if self.token is not None else ""

    @property
    def label(self) -> str:
        if self.token is not None:
            return f"token {self.token.prefix} ({self.token.name})"
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return self.user.get_username()
        return self.system_label or "anonymous"

    def has_role(self, role: str) -> bool:
        if self.is_staff:
            return True
        if self.role is None:
            return False
        return ROLE_RANK[MemberRole(self.role)] >= ROLE_RANK[MemberRole(role)]


def system_actor(label: str, *, partner: Partner | None = None) -> Actor:
    """The platform itself acting (management commands, beat tasks): staff rights, named in the audit."""
    return Actor(partner=partner, is_staff=True, system_label=label)


def user_memberships(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, partner__is_active=True).select_related("partner")


def actor_for_user(user: Any, *, partner_slug: str | None = None) -> Actor:
    """The actor for a logged-in user, acting for ``partner_slug`` or else its first partner."""
    if user is None or not user.is_authenticated:
        return Actor()
    memberships = user_memberships(user).order_by("partner__name")
    if partner_slug:
        membership = memberships.filter(partner__slug=partner_slug).first()
        if membership is not None:
            return Actor(user=user, partner=membership.partner, role=membership.role, is_staff=user.is_staff)
        if user.is_staff:
            partner = Partner.objects.filter(slug=partner_slug).first()
            if partner is not None:
                return Actor(user=user, partner=partner, role=MemberRole.ADMIN, is_staff=True)
        raise exceptions.PermissionDenied(f"You are not a member of partner '{partner_slug}'.")
    membership = memberships.first()
    if membership is None:
        return Actor(user=user, is_staff=user.is_staff)
    return Actor(user=user, partner=membership.partner, role=membership.role, is_staff=user.is_staff)


def actor_for_token(token: ApiToken) -> Actor:
    # A token acts for its partner with the rights of its scope: read = viewer, write = operator.
    # Managing members and tokens stays with people (admin role or staff).
    role = MemberRole.OPERATOR if token.scope == TokenScope.WRITE else MemberRole.VIEWER
    return Actor(partner=token.partner, role=role, token=token)


def actor_for_request(request: HttpRequest) -> Actor:
    """Resolve (once per request) who is acting; DRF and page views share the cached answer."""
    cached = getattr(request, "_corridor_actor", None)
    if cached is not None:
        return cached
    from apps.partners.models import ApiToken

    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        actor = actor_for_token(auth)
    else:
        user = getattr(request, "user", AnonymousUser())
        slug = request.headers.get(PARTNER_HEADER)
        if not slug and hasattr(request, "session"):
            slug = request.session.get(SESSION_PARTNER_KEY)
        try:
            actor = actor_for_user(user, partner_slug=slug)
        except exceptions.PermissionDenied:
            if request.headers.get(PARTNER_HEADER):
                raise
            # A stale page-session choice (membership since removed) falls back to the default.
            actor = actor_for_user(user)
    request._corridor_actor = actor
    return actor
