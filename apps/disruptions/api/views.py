"""Alerts addressed to the caller's partner: read, acknowledge, resolve."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.base import ScopedViewSet
from apps.disruptions import selectors, services
from apps.disruptions.api.serializers import AlertSerializer
from apps.disruptions.choices import AlertState
from apps.disruptions.filters import AlertFilterSet
from apps.disruptions.models import Alert
from apps.partners.choices import MemberRole


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Your partner's alerts, newest first; operators acknowledge and resolve them."""

    model = Alert
    selector = selectors.alert_list
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"acknowledge": MemberRole.OPERATOR, "resolve": MemberRole.OPERATOR}
    http_method_names = ["get", "post", "head", "options"]

    def _state(self, state: str) -> Response:
        alert = services.alert_state_set(actor=self.actor, alert=self.get_object(), state=state)
        return Response(AlertSerializer(alert).data)

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        """Someone is on it; the alert stays open until resolved."""
        return self._state(AlertState.ACKNOWLEDGED)

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        """Close the alert; resolving is final."""
        return self._state(AlertState.RESOLVED)
