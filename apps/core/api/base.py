"""The API base view every app's viewsets build on: querysets come from selectors, scoped to the actor.

The queryset always comes from a selector that scopes it to the actor
(``Model.objects.visible_to(actor)``), so another partner's object is simply not found (404); a
visible object with too small a role or scope is refused (403) by ``RolePermission``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from rest_framework import viewsets

from apps.core.api.permissions import request_actor
from apps.core.models import ActorLike


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: the queryset comes from ``selector(actor=...)``, already scoped."""

    selector: Callable[..., QuerySet]
    model: type[Model]
    lookup_value_regex = "[^/]+"

    @property
    def actor(self) -> ActorLike:
        return request_actor(self.request)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no request user; describe the model without reading rows.
            return self.model.objects.none()
        return type(self).selector(actor=self.actor)
