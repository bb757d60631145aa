"""/api/v1/webhooks/: a partner's admins subscribe URLs, rotate secrets and follow each delivery's attempts."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.base import ScopedViewSet
from apps.core.errors import NOT_VISIBLE, NotFoundError
from apps.disruptions.filters import WebhookDeliveryFilterSet
from apps.disruptions.models import WebhookDelivery, WebhookEndpoint
from apps.disruptions.webhooks import selectors, services
from apps.disruptions.webhooks import serializers as s
from apps.partners.access import require
from apps.partners.choices import MemberRole

ADMIN_ONLY = dict.fromkeys(
    ("list", "retrieve", "create", "partial_update", "destroy", "rotate_secret", "redeliver"), MemberRole.ADMIN
)


def _with_secret(endpoint: WebhookEndpoint, secret: str, *, status_code: int = status.HTTP_200_OK) -> Response:
    endpoint.secret = secret
    response = Response(s.WebhookEndpointWithSecretSerializer(endpoint).data, status=status_code)
    # The one answer that carries the secret: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


class WebhookEndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Your partner's webhook endpoints: URLs that receive signed messages about alerts and consignment events."""

    model = WebhookEndpoint
    selector = selectors.webhook_endpoint_list
    serializer_class = s.WebhookEndpointSerializer
    keyset_ordering = ("-created_at", "-id")
    action_roles = ADMIN_ONLY
    filterset_fields = ["is_active", "consignment_events"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(request=s.WebhookEndpointCreateSerializer, responses={201: s.WebhookEndpointWithSecretSerializer})
    def create(self, request: Request) -> Response:
        """Subscribe a URL; the answer carries the signing secret, shown this once."""
        data = s.WebhookEndpointCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = require(self.actor, acting=True, **services.MANAGE)
        endpoint, secret = services.webhook_endpoint_create(actor=self.actor, partner=partner, **data.validated_data)
        return _with_secret(endpoint, secret, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.WebhookEndpointUpdateSerializer, responses={200: s.WebhookEndpointSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        data = s.WebhookEndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(actor=self.actor, endpoint=endpoint, **data.validated_data)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.webhook_endpoint_delete(actor=self.actor, endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.WebhookEndpointWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """A new signing secret, shown this once; the previous one also signs for 24 hours."""
        endpoint, secret = services.webhook_secret_rotate(actor=self.actor, endpoint=self.get_object())
        return _with_secret(endpoint, secret)


_WEBHOOK_ID = OpenApiParameter("webhook_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The endpoint")


@extend_schema_view(
    list=extend_schema(parameters=[_WEBHOOK_ID]),
    retrieve=extend_schema(parameters=[_WEBHOOK_ID]),
    redeliver=extend_schema(parameters=[_WEBHOOK_ID], request=None, responses={200: s.WebhookDeliverySerializer}),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The messages sent (or being sent) to one endpoint, newest first, each with its attempts."""

    model = WebhookDelivery
    selector = selectors.webhook_delivery_list
    serializer_class = s.WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    keyset_ordering = ("-created_at", "-id")
    action_roles = ADMIN_ONLY
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        deliveries = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return deliveries
        try:
            endpoint = selectors.webhook_endpoint_list(actor=self.actor).filter(pk=self.kwargs["webhook_pk"]).first()
        except DjangoValidationError:
            endpoint = None
        if endpoint is None:
            raise NotFoundError(NOT_VISIBLE)
        return deliveries.filter(endpoint=endpoint)

    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, webhook_pk: str, pk: str) -> Response:
        """Try a failed or dead delivery again now, under the same webhook-id."""
        delivery = services.webhook_delivery_redeliver(actor=self.actor, delivery=self.get_object())
        return Response(s.WebhookDeliverySerializer(delivery).data)
