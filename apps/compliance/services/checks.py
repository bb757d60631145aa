"""Checks the compliance writes share: who may act (a customs officer, the registry's writer), who is
recorded as acting, and the text fields every record requires.
"""

from __future__ import annotations

from typing import Any

from apps.core.errors import ApplicationError
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, TokenScope
from apps.partners.models import Partner


def acting_user(actor: Actor) -> Any:
    """The signed-in user a record names as its author; None for API tokens and the system."""
    user = getattr(actor, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def require_customs_officer(actor: Actor, *, role: str = MemberRole.OPERATOR) -> Partner:
    """The acting customs authority, or a 403: trust, review and registry writes are for customs only."""
    partner = actor.partner
    if partner is None or not partner.is_customs_authority:
        raise ApplicationError("Only a customs authority may do this.", status=403, code="permission-denied")
    if not actor.has_role(role):
        raise ApplicationError(
            f"This needs the {role} role for {partner.slug}; you act as {actor.role}.",
            status=403,
            code="permission-denied",
        )
    if actor.scope != TokenScope.WRITE and role != MemberRole.VIEWER:
        raise ApplicationError(
            "This API token has read scope; writes need a write-scope token.", status=403, code="permission-denied"
        )
    return partner


def require_registry_writer(actor: Actor, authority: Partner) -> None:
    """Customs authorities manage their own certificates; staff may act for any authority."""
    if not authority.is_customs_authority:
        raise ApplicationError(
            f"'{authority.slug}' is not a customs authority; only customs authorities issue AEO certificates.",
            field="authority",
        )
    if actor.is_staff:
        return
    partner = require_customs_officer(actor)
    if partner.pk != authority.pk:
        raise ApplicationError(
            f"You act for {partner.slug}; only {authority.slug} manages its own certificates.",
            status=403,
            code="permission-denied",
        )


def clean_text(value: str, field: str, limit: int) -> str:
    """``value`` stripped, or a 400 naming ``field`` when it is empty or longer than ``limit``."""
    value = (value or "").strip()
    if not value:
        raise ApplicationError(f"{field} is required.", field=field)
    if len(value) > limit:
        raise ApplicationError(f"{field} is longer than {limit} characters.", field=field)
    return value
