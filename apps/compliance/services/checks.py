"""Checks the compliance writes share: who manages the AEO register, who is recorded as acting, and the
text fields every record requires.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.errors import ApplicationError
from apps.partners.access import Actor, Rule
from apps.partners.choices import MemberRole, PartnerKind
from apps.partners.models import Partner


def acting_user(actor: Actor) -> Any:
    """The signed-in user a record names as its author; None for API tokens and the system."""
    user = getattr(actor, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# Who manages the AEO register: an officer (operator, write scope) of the issuing customs authority,
# or platform staff for any authority. Writes add ``owner=<the authority>, visible=True``: customs see
# the whole register, so another authority's certificate is refused (403), not hidden.
MANAGE_REGISTER = Rule(
    kind=PartnerKind.CUSTOMS_AUTHORITY,
    role=MemberRole.OPERATOR,
    write=True,
    to=gettext_noop("manage its own certificates"),
)


def check_issuing_authority(authority: Partner) -> None:
    """A 400 naming ``authority`` unless it is a customs authority: only they issue AEO certificates."""
    if not authority.is_customs_authority:
        raise ApplicationError(
            _("'%(authority)s' is not a customs authority; only customs authorities issue AEO certificates.")
            % {"authority": authority.slug},
            field="authority",
        )


def clean_text(value: str, field: str, limit: int) -> str:
    """``value`` stripped, or a 400 naming ``field`` when it is empty or longer than ``limit``."""
    value = (value or "").strip()
    if not value:
        raise ApplicationError(_("%(field)s is required.") % {"field": field}, field=field)
    if len(value) > limit:
        raise ApplicationError(
            _("%(field)s is longer than %(limit)s characters.") % {"field": field, "limit": limit}, field=field
        )
    return value
