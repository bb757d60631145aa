"""Who is acting, for which partner, with what role, and what they may do: decided here, used everywhere.

- ``Actor``: the acting user or token, its partner, role and scope (``actor_for_request``, resolved
  once per request and shared by API views and pages);
- ``require(actor, ...)``: the one access rule, for services, pages, commands and (through
  ``apps.core.api.permissions.RolePermission``) every API view. It raises ``NotFoundError`` (404) when the
  object belongs to another partner, whose existence is not revealed, and ``PermissionDeniedError``
  (403) when the actor may see it but its role, kind, token scope or ownership does not allow the
  action. ``may(actor, ...)`` is its boolean twin, for what a page offers.

Platform staff manage everything: they are admitted wherever the rule is asked, except where the
action needs a partner to act for (a customs authority deciding on a consignment) and they chose none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from apps.core.errors import NOT_VISIBLE, ApplicationError, NotFoundError, PermissionDeniedError
from apps.core.words import Text
from apps.partners.choices import ROLE_RANK, MemberRole, PartnerKind, TokenScope
from apps.partners.models import ApiToken, Membership, Partner

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
            return Text(gettext_noop("token %(prefix)s (%(name)s)"), prefix=self.token.prefix, name=self.token.name)
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return self.user.get_username()
        return self.system_label or Text(gettext_noop("anonymous"))

    def has_role(self, role: str) -> bool:
        if self.is_staff:
            return True
        if self.role is None:
            return False
        return ROLE_RANK[MemberRole(self.role)] >= ROLE_RANK[MemberRole(role)]


def system_actor(label: str, *, partner: Partner | None = None) -> Actor:
    """The platform itself acting (management commands, beat tasks): staff rights, named in the audit.

    ``label`` is a :class:`~apps.core.words.Text` where it is words (``alerts sync``), so the audit page
    says it in its reader's language; ``command_label`` names a management command.
    """
    return Actor(partner=partner, is_staff=True, system_label=label)


def command_label(command: str) -> Text:
    """``manage.py <command>``, the name a management command acts under in the audit."""
    return Text(gettext_noop("manage.py %(command)s"), command=command)


def user_memberships(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, partner__is_active=True).select_related("partner")


def actor_for_user(user: Any, *, partner_slug: str | None = None, memberships: list[Membership] | None = None) -> Actor:
    """The actor for a logged-in user, acting for ``partner_slug`` or else its first partner.

    ``memberships`` are the user's (``user_memberships``, by partner name) when the caller has read them.
    """
    if user is None or not user.is_authenticated:
        return Actor()
    if memberships is None:
        memberships = list(user_memberships(user).order_by("partner__name"))
    if partner_slug:
        membership = next((m for m in memberships if m.partner.slug == partner_slug), None)
        if membership is not None:
            return Actor(user=user, partner=membership.partner, role=membership.role, is_staff=user.is_staff)
        if user.is_staff:
            partner = Partner.objects.filter(slug=partner_slug).first()
            if partner is not None:
                return Actor(user=user, partner=partner, role=MemberRole.ADMIN, is_staff=True)
        raise PermissionDeniedError(f"You are not a member of partner '{partner_slug}'.")
    membership = memberships[0] if memberships else None
    if membership is None:
        return Actor(user=user, is_staff=user.is_staff)
    return Actor(user=user, partner=membership.partner, role=membership.role, is_staff=user.is_staff)


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's memberships, by partner name, read once per request (the actor and the page
    header's partner switcher both need them)."""
    cached = getattr(request, "_corridor_memberships", None)
    if cached is None:
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        # With each partner's kinds: the menu and the access checks ask the acting partner's several times.
        rows = user_memberships(user).order_by("partner__name").prefetch_related("partner__kind_links")
        cached = list(rows) if authenticated else []
        request._corridor_memberships = cached
    return cached


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
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        actor = actor_for_token(auth)
    else:
        user = getattr(request, "user", AnonymousUser())
        slug = request.headers.get(PARTNER_HEADER)
        if not slug and hasattr(request, "session"):
            slug = request.session.get(SESSION_PARTNER_KEY)
        memberships = request_memberships(request) if user.is_authenticated else None
        try:
            actor = actor_for_user(user, partner_slug=slug, memberships=memberships)
        except PermissionDeniedError:
            if request.headers.get(PARTNER_HEADER):
                raise
            # A stale page-session choice (membership since removed) falls back to the default.
            actor = actor_for_user(user, memberships=memberships)
    request._corridor_actor = actor
    return actor


class Rule(TypedDict, total=False):
    """What an action needs; every key is optional (``require`` says what each means)."""

    role: str
    write: bool
    staff: bool
    kind: str
    owner: Partner
    visible: bool
    acting: bool
    field: str
    to: str


def _acting_partner(actor: Actor, owner: Partner | None) -> Partner | None:
    # Staff who chose no partner act as the owner of what they touch.
    return actor.partner if actor.partner is not None or not actor.is_staff else owner


def _refusals(actor: Actor, rule: Rule) -> Iterator[ApplicationError]:
    # ``to`` is marked for the catalogue where it is written (gettext_noop); said here in the request's language.
    to = gettext(rule["to"]) if rule.get("to") else ""
    doing = to or gettext("do this")
    owner = rule.get("owner")
    if rule.get("staff") and not actor.is_staff:
        yield PermissionDeniedError(gettext("Only platform staff may %(doing)s.") % {"doing": doing})
    partner = _acting_partner(actor, owner)
    kind = rule.get("kind")
    if kind is not None and (kind not in partner.kinds if partner is not None else not actor.is_staff):
        text = gettext("Only a %(kind)s may %(doing)s.")
        yield PermissionDeniedError(text % {"kind": str(PartnerKind(kind).label).lower(), "doing": doing})
    if not actor.is_staff:
        if actor.partner is None:
            yield PermissionDeniedError(gettext("You are not a member of any partner."))
        elif owner is not None and owner.pk != actor.partner.pk:
            if rule.get("visible"):
                text = gettext("You act for %(partner)s; only %(owner)s may %(doing)s.")
                yield PermissionDeniedError(text % {"partner": actor.partner.slug, "owner": owner.slug, "doing": doing})
            else:
                yield NotFoundError(NOT_VISIBLE)
    if rule.get("acting") and partner is None:
        text = gettext("Choose the partner you act for (X-Corridor-Partner) to %(doing)s.")
        yield PermissionDeniedError(text % {"doing": doing})
    if rule.get("write") and actor.scope != TokenScope.WRITE:
        yield PermissionDeniedError(gettext("This API token has read scope; writes need a write-scope token."))
    role = rule.get("role", MemberRole.VIEWER)
    if not actor.has_role(role):
        facts = {"role": role, "partner": actor.partner.slug, "current": actor.role, "doing": to}
        if to:
            text = gettext("This needs the %(role)s role for %(partner)s to %(doing)s; you act as %(current)s.")
        else:
            text = gettext("This needs the %(role)s role for %(partner)s; you act as %(current)s.")
        yield PermissionDeniedError(text % facts)


def require(actor: Actor, **rule: Unpack[Rule]) -> Partner | None:
    """Refuse ``actor`` unless ``rule`` admits it; else return the partner it acts for (staff: ``owner``).

    Checked in this order, the first failing check answering:

    - ``staff``: platform staff only;
    - ``kind``: the partner acting must be of this kind (staff who chose no partner act as ``owner``,
      and with no owner either are admitted: add ``acting`` where the action needs such a partner);
    - a member must act for a partner, and for ``owner`` when given: another partner's object is
      not found (404), unless the caller says it is ``visible`` to the actor (then 403);
    - ``acting``: staff too must have chosen a partner to act for (or be given an ``owner``);
    - ``write``: a read-scope token may not write;
    - ``role``: the least member role (default viewer; staff have every role).

    ``to`` says what the action is, for the message ("register partners"); ``field`` names the input the
    refusal points at (the one that chose ``owner``, say).
    """
    error = next(_refusals(actor, rule), None)
    if error is not None:
        error.field = rule.get("field")
        raise error
    return _acting_partner(actor, rule.get("owner"))


def may(actor: Actor, **rule: Unpack[Rule]) -> bool:
    """Whether ``require(actor, **rule)`` would admit the actor: what a page offers."""
    return next(_refusals(actor, rule), None) is None
