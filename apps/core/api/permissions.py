"""The DRF permission every API view uses: authenticated, acting for a partner, role and token scope.

Core does not know who the actors are. ``settings.CORRIDOR_ACCESS`` names the module that does
(``apps.partners.access``): it resolves the actor of a request and applies the one access rule
(``require``); this module only asks it. (Kept apart from ``base``: DRF imports its permission
classes while ``rest_framework.views`` loads, before a viewset can be defined.)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Protocol, cast

from django.conf import settings
from django.http import HttpRequest
from rest_framework import exceptions, permissions

from apps.core.models import ROLE_OPERATOR, ROLE_VIEWER, ActorLike


class AccessModule(Protocol):
    """What ``settings.CORRIDOR_ACCESS`` provides."""

    def actor_for_request(self, request: HttpRequest) -> ActorLike: ...

    def require(self, actor: Any, *, role: str = ..., write: bool = ..., staff: bool = ...) -> object: ...


def access() -> AccessModule:
    return cast(AccessModule, import_module(settings.CORRIDOR_ACCESS))


def request_actor(request: HttpRequest) -> ActorLike:
    """Who acts in ``request`` (resolved once per request, shared by API views and pages)."""
    return access().actor_for_request(request)


# Default minimal role per action; a view overrides entries with ``action_roles``.
DEFAULT_ACTION_ROLES = {"list": ROLE_VIEWER, "retrieve": ROLE_VIEWER, "metadata": ROLE_VIEWER}


def required_role(view: Any, request: Any) -> str:
    action = getattr(view, "action", None) or request.method.lower()
    roles = {**DEFAULT_ACTION_ROLES, **getattr(view, "action_roles", {})}
    if action in roles:
        return roles[action]
    return ROLE_VIEWER if request.method in permissions.SAFE_METHODS else ROLE_OPERATOR


class RolePermission(permissions.BasePermission):
    """Authenticated, acting for a partner (or staff), with the role and token scope the action needs.

    A view sets ``action_roles`` (action or method -> least role) and ``staff_only``.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        access().require(
            request_actor(request),
            role=required_role(view, request),
            write=request.method not in permissions.SAFE_METHODS,
            staff=getattr(view, "staff_only", False),
        )
        return True
