"""Alert and webhook API routes on the one /api/v1/ router."""

from apps.disruptions.api.views import AlertViewSet
from apps.disruptions.webhooks.views import WebhookDeliveryViewSet, WebhookEndpointViewSet

routes = [
    ("alerts", AlertViewSet, "alert"),
    ("webhooks", WebhookEndpointViewSet, "webhook"),
    (r"webhooks/(?P<webhook_pk>[^/.]+)/deliveries", WebhookDeliveryViewSet, "webhook-delivery"),
]
