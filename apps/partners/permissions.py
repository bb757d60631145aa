"""The DRF permission every API view uses: authenticated, acting for a partner, role and scope."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions

from apps.partners.access import actor_for_request
from apps.partners.choices import MemberRole, TokenScope

# Default minimal role per action; a view overrides entries with ``action_roles``.
DEFAULT_ACTION_ROLES = {
    "list": MemberRole.VIEWER,
    "retrieve": MemberRole.VIEWER,
    "metadata": MemberRole.VIEWER,
}


class PartnerRolePermission(permissions.BasePermission):
    """Authenticated, acting for a partner (or staff), with the role and token scope the action needs."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        actor = actor_for_request(request)
        if getattr(view, "staff_only", False) and not actor.is_staff:
            raise exceptions.PermissionDenied("Only platform staff may do this.")
        if request.method not in permissions.SAFE_METHODS and actor.scope != TokenScope.WRITE:
            raise exceptions.PermissionDenied("This API token has read scope; writes need a write-scope token.")
        if actor.is_staff:
            return True
        if actor.partner is None:
            raise exceptions.PermissionDenied("You are not a member of any partner.")
        required = required_role(view, request)
        if not actor.has_role(required):
            raise exceptions.PermissionDenied(
                f"This needs the {required} role for {actor.partner.slug}; you act as {actor.role}."
            )
        return True


def required_role(view: Any, request: Any) -> str:
    action = getattr(view, "action", None) or request.method.lower()
    roles = {**DEFAULT_ACTION_ROLES, **getattr(view, "action_roles", {})}
    if action in roles:
        return roles[action]
    return MemberRole.VIEWER if request.method in permissions.SAFE_METHODS else MemberRole.OPERATOR
