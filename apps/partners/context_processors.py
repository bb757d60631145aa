from typing import Any

from django.http import HttpRequest

from apps.partners.access import actor_for_request, user_memberships


def acting_partner(request: HttpRequest) -> dict[str, Any]:
    """The actor and the user's partners, for the page header's partner switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"actor": actor_for_request(request), "my_memberships": list(user_memberships(user))}
