from typing import Any

from django.http import HttpRequest

from apps.partners.access import actor_for_request, request_memberships
from apps.partners.choices import MemberRole


def acting_partner(request: HttpRequest) -> dict[str, Any]:
    """The actor and the user's partners, for the page header's partner switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = actor_for_request(request)
    role = MemberRole(actor.role).label if actor.role in MemberRole.values else actor.role
    # Read once per request, with the actor: a page's panels are rendered with the request too.
    return {"actor": actor, "actor_role_label": role, "my_memberships": request_memberships(request)}
