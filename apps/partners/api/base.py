"""The API base view: querysets come from selectors, scoped to the acting partner."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from rest_framework import viewsets

from apps.partners.access import Actor, actor_for_request


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: the queryset comes from ``selector(actor=...)``, already scoped."""

    selector: Callable[..., QuerySet]
    model: type[Model]
    lookup_value_regex = "[^/]+"

    @property
    def actor(self) -> Actor:
        return actor_for_request(self.request)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no request user; describe the model without reading rows.
            return self.model.objects.none()
        return type(self).selector(actor=self.actor)
